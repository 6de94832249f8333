"""The body parser: arbitrary bytes and arbitrary JSON give a Call or an InvalidRequest."""

from __future__ import annotations

import contextlib

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from behest.gateway.errors import InvalidRequest
from behest.gateway.request.call import Call
from behest.gateway.request.parse import load_object, parse_call

OPERATIONS = st.sampled_from(["chat", "embeddings", "moderations"])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = st.sampled_from(["model", "messages", "input", "stream", "stream_options", "role"])
# objects shaped like requests: the fields the parser reads, with any JSON in them
REQUESTS = st.dictionaries(FIELDS | st.text(max_size=8), JSON, max_size=6) | st.fixed_dictionaries(
    {
        "model": st.text(max_size=10) | JSON,
        "messages": st.lists(
            st.dictionaries(st.sampled_from(["role", "content"]) | st.text(max_size=5), JSON),
            max_size=3,
        )
        | JSON,
        "stream": JSON,
        "stream_options": JSON,
        "input": JSON,
    }
)


def _parse(operation: str, raw: bytes) -> None:
    try:
        call = parse_call(operation, raw, "req_test")  # type: ignore[arg-type]
    except InvalidRequest as error:
        assert error.status == 400 and error.message
        return
    assert isinstance(call, Call)
    assert isinstance(call.model, str) and call.model
    assert isinstance(call.stream, bool) and isinstance(call.include_usage, bool)
    assert call.include_usage <= call.stream


@settings(max_examples=300)
@given(OPERATIONS, st.binary(max_size=200))
def test_arbitrary_bytes_never_raise_anything_else(operation: str, raw: bytes) -> None:
    _parse(operation, raw)


@settings(max_examples=200)
@given(OPERATIONS, JSON | REQUESTS)
def test_arbitrary_json_never_raises_anything_else(operation: str, value: object) -> None:
    try:
        raw = orjson.dumps(value)
    except TypeError:  # NaN-free but e.g. integers past 64 bits: not JSON orjson writes
        raw = str(value).encode()
    _parse(operation, raw)


@given(st.binary(max_size=64))
def test_load_object_returns_only_objects(raw: bytes) -> None:
    with contextlib.suppress(InvalidRequest):
        assert isinstance(load_object(raw), dict)


def test_deep_nesting_is_a_400_not_a_recursion_error() -> None:
    with contextlib.suppress(InvalidRequest):
        load_object(b'{"a":' * 100_000 + b"1" + b"}" * 100_000)
