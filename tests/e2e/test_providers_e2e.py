"""The official openai SDK through the real gateway to each provider's mock.

Whatever provider answers, the SDK sees OpenAI: the same text streamed and not, parallel
tool calls reassembled by the SDK's own stream helper equal to the unstreamed ones, the
usage chunk only when asked, and provider errors as the right SDK exceptions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from provider_fixtures import CHAT_MODELS, EMBEDDING_MODEL, Gateway, providers_gateway

__all__ = ["providers_gateway"]  # the fixture, imported for pytest

PROVIDERS = list(CHAT_MODELS)
HELLO: Any = [{"role": "user", "content": "say hello"}]
TOOLS: Any = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_time",
            "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}},
        },
    },
]


@pytest.fixture
def gateway(providers_gateway: Gateway) -> Iterator[Gateway]:
    yield providers_gateway
    for provider in providers_gateway.mocks:
        providers_gateway.fault(provider, clear=True)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_chat_streamed_and_not_give_the_same_text(gateway: Gateway, provider: str) -> None:
    client, model = gateway.client(), CHAT_MODELS[provider]
    whole = client.chat.completions.create(model=model, messages=HELLO)
    assert whole.choices[0].message.content == "Echo: say hello"
    assert whole.choices[0].finish_reason == "stop"
    assert whole.usage is not None and whole.usage.total_tokens > 0
    chunks = list(client.chat.completions.create(model=model, messages=HELLO, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert all(c.usage is None and c.choices for c in chunks)  # no usage chunk unasked


@pytest.mark.parametrize("provider", PROVIDERS)
def test_include_usage_adds_one_final_usage_chunk(gateway: Gateway, provider: str) -> None:
    stream = gateway.client().chat.completions.create(
        model=CHAT_MODELS[provider],
        messages=HELLO,
        stream=True,
        stream_options={"include_usage": True},
    )
    *body, last = list(stream)
    assert all(chunk.usage is None and chunk.choices for chunk in body)
    assert last.choices == [] and last.usage is not None
    usage = last.usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens > 0


def _calls(completion: Any) -> list[tuple[str, Any]]:
    calls = completion.choices[0].message.tool_calls or []
    assert all(call.id for call in calls) and len({call.id for call in calls}) == len(calls)
    return [(call.function.name, json.loads(call.function.arguments)) for call in calls]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_streamed_parallel_tool_calls_equal_the_unstreamed(gateway: Gateway, provider: str) -> None:
    client, model = gateway.client(), CHAT_MODELS[provider]
    messages: Any = [{"role": "user", "content": "call tools"}]
    whole = client.chat.completions.create(model=model, messages=messages, tools=TOOLS)
    assert whole.choices[0].finish_reason == "tool_calls"
    expected = _calls(whole)
    assert [name for name, _ in expected] == ["get_weather", "get_time"]
    with client.chat.completions.stream(model=model, messages=messages, tools=TOOLS) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].finish_reason == "tool_calls"
    assert _calls(final) == expected


_FAULTS = {
    "rate limited": (429, openai.RateLimitError),
    "overloaded": (503, openai.InternalServerError),
    "bad request": (400, openai.BadRequestError),
}
_OVERLOADED_STATUS = {"anthropic": 529}


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fault", list(_FAULTS))
def test_provider_errors_map_to_the_sdk_exceptions(
    gateway: Gateway, provider: str, fault: str
) -> None:
    status, exception = _FAULTS[fault]
    upstream = _OVERLOADED_STATUS.get(provider, status) if status == 503 else status
    gateway.fault(provider, status=upstream, remaining=1, retry_after="7")
    with pytest.raises(exception) as raised:
        gateway.client().chat.completions.create(model=CHAT_MODELS[provider], messages=HELLO)
    assert raised.value.status_code == status
    assert raised.value.message
    if status == 429:
        assert raised.value.response.headers["retry-after"] == "7"


def test_embeddings_through_gemini(gateway: Gateway) -> None:
    client = gateway.client()
    floats = client.embeddings.create(
        model=EMBEDDING_MODEL, input=["alpha", "beta"], dimensions=8, encoding_format="float"
    )
    assert [item.index for item in floats.data] == [0, 1]
    assert [len(item.embedding) for item in floats.data] == [8, 8]
    assert floats.usage.prompt_tokens >= 0
    packed = client.embeddings.create(model=EMBEDDING_MODEL, input=["alpha", "beta"], dimensions=8)
    for unpacked, plain in zip(packed.data, floats.data, strict=True):  # SDK default: base64
        assert unpacked.embedding == pytest.approx(plain.embedding, rel=1e-6)
