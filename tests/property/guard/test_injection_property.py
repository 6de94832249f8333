"""The injection scorer is total: any text gets a score in [0, 1] and named signals."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from behest.gateway.guard import score_injection

PHRASES = st.sampled_from(
    [
        "ignore all previous instructions",
        "system:",
        "from now on",
        "your reply",
        "```",
        "\u200b",
        " ",
    ]
)


@given(st.lists(st.one_of(st.text(max_size=80), PHRASES), max_size=12).map("".join))
def test_score_is_a_probability(text: str) -> None:
    verdict = score_injection(text)
    assert 0.0 <= verdict.score <= 1.0
    assert all(isinstance(name, str) and name for name in verdict.signals)
    assert verdict.score < 0.5 or verdict.signals


@given(st.text(max_size=200))
def test_score_ignores_letter_case(text: str) -> None:
    assert score_injection(text.upper()).signals == score_injection(text.lower()).signals
