from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from behest.gateway.guard import Restorer
from behest.gateway.guard.structured import detect_credit_card, luhn_valid

VALUES = {"<EMAIL_1>": "jane@example.org", "<PHONE_12>": "+1 202 555 0100", "<PERSON_3>": 'A "B"'}
RESTORER = Restorer(VALUES)
pieces = st.lists(
    st.sampled_from([*VALUES, "<", "EMAIL", "_1", ">", "hi ", "<3 ", "x"]), max_size=12
)


def chunk(text: str, index: int = 0) -> dict[str, object]:
    return {
        "id": "c",
        "choices": [{"index": index, "delta": {"content": text}, "finish_reason": None}],
    }


@settings(max_examples=200, deadline=None)
@given(pieces, st.lists(st.integers(min_value=0, max_value=200), max_size=8))
def test_random_chunk_splits_restore_original(parts: list[str], cuts: list[int]) -> None:
    redacted = "".join(parts)
    bounds = sorted({min(c, len(redacted)) for c in cuts} | {0, len(redacted)})
    stream = RESTORER.stream()
    out = []
    for a, b in itertools.pairwise(bounds):
        out += stream.feed(chunk(redacted[a:b]))
    out += stream.flush()
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in out)
    assert text == RESTORER.restore_text(redacted)


def test_every_boundary_of_a_placeholder() -> None:
    redacted = "mail <EMAIL_1> now"
    for cut in range(len(redacted) + 1):
        stream = RESTORER.stream()
        out = (
            stream.feed(chunk(redacted[:cut])) + stream.feed(chunk(redacted[cut:])) + stream.flush()
        )
        assert (
            "".join(c["choices"][0]["delta"]["content"] for c in out) == "mail jane@example.org now"
        )


def test_tool_call_arguments_split() -> None:
    args = '{"to": "<PERSON_3>"}'
    stream = RESTORER.stream()
    out = []
    for i in range(len(args)):
        call = {"index": 0, "function": {"arguments": args[i]}}
        out += stream.feed({"choices": [{"index": 0, "delta": {"tool_calls": [call]}}]})
    out += stream.flush()
    joined = "".join(
        c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] for c in out
    )
    assert joined == '{"to": "A \\"B\\""}'


@given(st.lists(st.integers(min_value=0, max_value=9), min_size=15, max_size=15))
def test_valid_cards_found_invalid_not(digits: list[int]) -> None:
    body = "".join(map(str, digits))
    check = next(d for d in "0123456789" if luhn_valid(body + d))
    wrong = str((int(check) + 1) % 10)
    if len(set(body + check)) > 1:
        assert detect_credit_card(f"card {body}{check} ok")
    assert not detect_credit_card(f"card {body}{wrong} ok")
