"""Thread message pages: query values that only look like numbers are a 400, never a 500."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from behest.gateway.edge.threads_routes import page_query
from behest.gateway.errors import InvalidRequest
from behest.gateway.store.threads_queries import PageQuery


def _page(query: str) -> PageQuery:
    return page_query(make_mocked_request("GET", f"/v1/threads/t/messages?{query}"))


@pytest.mark.parametrize(
    "query",
    [
        "limit=%C2%B2",  # '²' is str.isdigit() but not int()
        "limit=%D9%A1",  # Arabic-Indic one: int() takes it, the API does not
        "after=%C2%B2",
        "before=msg_%C2%B9",
        "after=9999999999999999999",  # past a 64-bit seq: the store cannot bind it
        "limit=" + "1" * 5000,
    ],
)
def test_non_ascii_or_huge_numbers_are_invalid_requests(query: str) -> None:
    with pytest.raises(InvalidRequest):
        _page(query)


def test_plain_cursors_still_parse() -> None:
    page = _page("limit=5&after=msg_12&before=40&order=desc")
    assert (page.limit, page.after, page.before, page.descending) == (6, 12, 40, True)
