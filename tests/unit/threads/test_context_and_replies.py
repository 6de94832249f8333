"""The trim policy and the assembly of replies into thread messages."""

from __future__ import annotations

import pytest

from behest.gateway.errors import InvalidRequest
from behest.gateway.threads import (
    StreamedReply,
    context_budget,
    estimate_tokens,
    reply_message,
    trim_to_budget,
)

SYSTEM = {"role": "system", "content": "Be brief."}


def msg(role: str, text: str, **extra: object) -> dict[str, object]:
    return {"role": role, "content": text, **extra}


def conversation(turns: int, size: int = 400) -> list[dict[str, object]]:
    messages: list[dict[str, object]] = [SYSTEM]
    for index in range(turns):
        messages += [
            msg("user", f"q{index} " + "x" * size),
            msg("assistant", f"a{index} " + "y" * size),
        ]
    return messages


def test_short_conversations_are_sent_whole() -> None:
    messages = conversation(3)
    assert trim_to_budget(messages, None, 1) == messages
    assert trim_to_budget(messages, 10_000, 1) == messages


def test_the_oldest_turns_go_first_and_the_system_prompt_stays() -> None:
    messages = [*conversation(10), msg("user", "now")]
    budget = estimate_tokens(messages) // 2
    trimmed = trim_to_budget(messages, budget, keep_tail=1)
    assert trimmed[0] == SYSTEM and trimmed[-1] == msg("user", "now")
    assert estimate_tokens(trimmed) <= budget
    kept = trimmed[1:-1]
    assert kept == messages[len(messages) - 1 - len(kept) : -1]  # a contiguous recent suffix
    assert kept[0]["role"] == "user"


def test_tool_results_leave_with_the_call_that_asked_for_them() -> None:
    call = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
    }
    old = [
        msg("user", "x" * 800),
        call,
        msg("tool", "result " * 100, tool_call_id="c1"),
        msg("assistant", "done"),
    ]
    recent = [msg("user", "hi"), msg("assistant", "hello")]
    messages = [SYSTEM, *old, *recent, msg("user", "now")]
    trimmed = trim_to_budget(messages, estimate_tokens([SYSTEM, *recent]) + 50, keep_tail=1)
    assert trimmed == [SYSTEM, *recent, msg("user", "now")]


def test_too_long_even_alone_is_a_clear_400() -> None:
    messages = [SYSTEM, msg("user", "x" * 4000)]
    with pytest.raises(InvalidRequest) as caught:
        trim_to_budget(messages, 100, keep_tail=1)
    assert caught.value.code == "context_length_exceeded"


def test_the_budget_leaves_room_for_the_reply() -> None:
    assert context_budget(None, {}) is None
    assert context_budget(128_000, {"max_tokens": 1000}) == 127_000
    assert context_budget(128_000, {"max_completion_tokens": 2000}) == 126_000
    assert context_budget(8_000, {}, max_output_tokens=16_000) == 6_000


def test_a_completion_gives_its_first_message() -> None:
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}]}
    assert reply_message(body) == {"role": "assistant", "content": "hi"}
    assert reply_message({"choices": []}) is None


def test_a_stream_folds_into_one_message_with_tool_calls() -> None:
    reply = StreamedReply()
    chunks = [
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "Let "}}]},
        {"choices": [{"index": 0, "delta": {"content": "me check."}}]},
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_1",
                                "type": "function",
                                "function": {"name": "weather", "arguments": '{"ci'},
                            }
                        ]
                    },
                }
            ]
        },
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [{"index": 0, "function": {"arguments": 'ty":"Oslo"}'}}]
                    },
                }
            ]
        },
        {"choices": [{"index": 1, "delta": {"content": "other choice"}}]},
    ]
    for chunk in chunks:
        reply.feed(chunk)
    assert not reply.finished
    reply.feed({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    assert reply.finished
    assert reply.message() == {
        "role": "assistant",
        "content": "Let me check.",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "weather", "arguments": '{"city":"Oslo"}'},
            }
        ],
    }
