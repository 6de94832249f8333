"""The body parser answers malformed fields with a 400 naming the field."""

from __future__ import annotations

import orjson
import pytest

from behest.gateway.errors import InvalidRequest
from behest.gateway.request.parse import parse_call


@pytest.mark.parametrize("role", [[], {}, ["user"], {"user": 1}, 1, None])
def test_a_role_that_is_not_a_string_is_a_400(role: object) -> None:
    body = orjson.dumps({"model": "m", "messages": [{"role": role, "content": "hi"}]})
    with pytest.raises(InvalidRequest) as caught:
        parse_call("chat", body, "req_1")
    assert caught.value.param == "messages[0].role"


def test_a_known_role_parses() -> None:
    body = orjson.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    assert parse_call("chat", body, "req_1").model == "m"
