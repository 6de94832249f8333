from __future__ import annotations

from behest.gateway.guard.memo import Memo


def test_memo_computes_once_per_text_and_key() -> None:
    calls: list[str] = []
    memo: Memo[int] = Memo()

    def compute(text: str) -> int:
        calls.append(text)
        return len(text)

    assert memo.get("abc", 1, compute) == 3 and memo.get("abc", 1, compute) == 3
    assert memo.get("abc", 2, compute) == 3
    assert calls == ["abc", "abc"]


def test_memo_is_bounded_by_entries_and_characters() -> None:
    memo: Memo[int] = Memo(max_entries=3, max_chars=10)
    for text in ("a", "b", "c", "d"):
        memo.get(text, None, len)
    assert len(memo) == 3
    memo.get("x" * 9, None, len)
    assert len(memo) == 2  # the oldest entries evicted to stay within 10 characters
    memo.get("y" * 11, None, len)  # larger than the whole budget: computed, not kept
    assert len(memo) == 2
