"""With DEFAULT project settings, the official openai SDK sees what a direct OpenAI call gives.

The Python half of issue #11 (the Node half is ``tests/node``), against each provider's
mock: the prompt, tool calls and tool results reach the model byte for byte (names,
places, code identifiers and bare host names are ordinary text), ``parse`` with a
pydantic model works, base64 embeddings decode to the float answer, every upstream
failure is the SDK error class with the upstream's status, and only structured secrets
(an e-mail address, a card number) are kept from the upstream.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Iterator
from typing import Any, Literal

import openai
import pytest
from provider_fixtures import CHAT_MODELS, EMBEDDING_MODELS, Gateway, providers_gateway
from pydantic import BaseModel

__all__ = ["providers_gateway"]  # the fixture, imported for pytest

PROVIDERS = list(CHAT_MODELS)
PROMPTS = [
    "What's the weather in Paris?",
    "Tell me about Ada Lovelace.",
    "Why does user_id.split('.') return a list?",
    "Is acme.openai.ai reachable from build.v2.internal?",
    "Ada Lovelace met Charles Babbage in London; ping acme.openai.ai, then call"
    " user_id.split('.') on build.v2.internal.",
]
PROMPT_IDS = ["place", "person", "code", "hosts", "mixed"]
CITY = {"type": "string", "enum": ["Paris", "London"]}  # the mocks sample the first value
TOOLS: Any = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": {"city": CITY}, "required": ["city"]},
        },
    }
    for name, description in (
        ("get_weather", "The weather in a city"),
        ("get_time", "The local time in a city"),
    )
]
TOOL_PROMPT = "What's the weather and the local time in Paris? Please call tools."
SECRET_PROMPT = "Write to ada@example.com and charge card 4111 1111 1111 1111, please."
SECRETS = ("ada@example.com", "4111 1111 1111 1111", "4111111111111111")


@pytest.fixture
def gateway(providers_gateway: Gateway) -> Iterator[Gateway]:
    yield providers_gateway
    for provider in providers_gateway.mocks:
        providers_gateway.fault(provider, clear=True)


def user_texts(provider: str, body: dict[str, Any]) -> list[str]:
    """The text of every user turn the upstream received, in its own API's shape."""
    if provider == "gemini":
        return [
            part["text"]
            for content in body.get("contents", [])
            if content.get("role", "user") == "user"
            for part in content.get("parts", [])
            if isinstance(part.get("text"), str)
        ]
    texts: list[str] = []
    for message in body.get("messages", []):
        if message["role"] != "user":
            continue
        content = message["content"]
        if isinstance(content, str):
            texts.append(content)
        else:
            texts += [part["text"] for part in content if part.get("type") == "text"]
    return texts


def tool_calls_sent_back(provider: str, body: dict[str, Any]) -> list[tuple[str, Any]]:
    """(name, parsed arguments) of each tool call in the history the upstream received."""
    if provider == "openai":
        return [
            (call["function"]["name"], json.loads(call["function"]["arguments"]))
            for message in body["messages"]
            for call in message.get("tool_calls") or []
        ]
    if provider == "anthropic":
        return [
            (block["name"], block["input"])
            for message in body["messages"]
            if isinstance(message["content"], list)
            for block in message["content"]
            if block["type"] == "tool_use"
        ]
    return [
        (part["functionCall"]["name"], part["functionCall"]["args"])
        for content in body["contents"]
        for part in content["parts"]
        if "functionCall" in part
    ]


def tool_results_sent(provider: str, body: dict[str, Any]) -> list[str]:
    """The tool results the upstream received, as text."""
    if provider == "openai":
        return [m["content"] for m in body["messages"] if m["role"] == "tool"]
    if provider == "anthropic":
        results = [
            block
            for message in body["messages"]
            if isinstance(message["content"], list)
            for block in message["content"]
            if block["type"] == "tool_result"
        ]
        return [
            r["content"]
            if isinstance(r["content"], str)
            else "".join(b["text"] for b in r["content"] if b["type"] == "text")
            for r in results
        ]
    responses = [
        part["functionResponse"]["response"]
        for content in body["contents"]
        for part in content["parts"]
        if "functionResponse" in part
    ]  # Gemini takes an object: JSON text goes as parsed, other text as {"result": text}
    return [
        r["result"] if set(r) == {"result"} and isinstance(r["result"], str) else json.dumps(r)
        for r in responses
    ]


# --- case 1: text ---------------------------------------------------------------------


@pytest.mark.parametrize("prompt", PROMPTS, ids=PROMPT_IDS)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_text_reaches_the_model_byte_for_byte(gateway: Gateway, provider: str, prompt: str) -> None:
    client, model = gateway.client(), CHAT_MODELS[provider]
    messages: Any = [{"role": "user", "content": prompt}]
    completion = client.chat.completions.create(model=model, messages=messages)
    assert completion.choices[0].message.content == f"Echo: {prompt}"
    assert completion.choices[0].finish_reason == "stop"
    assert user_texts(provider, gateway.last_request(provider)) == [prompt]


@pytest.mark.parametrize("prompt", PROMPTS, ids=PROMPT_IDS)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_streamed_text_reaches_the_model_byte_for_byte(
    gateway: Gateway, provider: str, prompt: str
) -> None:
    client, model = gateway.client(), CHAT_MODELS[provider]
    messages: Any = [{"role": "user", "content": prompt}]
    chunks = list(client.chat.completions.create(model=model, messages=messages, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == f"Echo: {prompt}"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert user_texts(provider, gateway.last_request(provider)) == [prompt]


# --- case 2: tool calls -----------------------------------------------------------------


def _assert_paris_calls(calls: Any) -> None:
    assert [c.function.name for c in calls] == ["get_weather", "get_time"]
    for call in calls:
        assert call.id
        assert json.loads(call.function.arguments)["city"] == "Paris", call.function.arguments


@pytest.mark.parametrize("provider", PROVIDERS)
def test_parallel_tool_calls_and_a_result_round_trip(gateway: Gateway, provider: str) -> None:
    client, model = gateway.client(), CHAT_MODELS[provider]
    messages: Any = [{"role": "user", "content": TOOL_PROMPT}]
    first = client.chat.completions.create(model=model, messages=messages, tools=TOOLS)
    prompt_seen = user_texts(provider, gateway.last_request(provider))
    message = first.choices[0].message
    calls: Any = message.tool_calls or []  # function tool calls (the union also has custom ones)
    assert first.choices[0].finish_reason == "tool_calls"
    _assert_paris_calls(calls)

    messages.append(message.model_dump(exclude_none=True))
    results = [
        {
            "role": "tool",
            "tool_call_id": call.id,
            "content": f"{call.function.name}: sunny and 21 °C in Paris at 14:05",
        }
        for call in calls
    ]
    messages += results
    second = client.chat.completions.create(model=model, messages=messages, tools=TOOLS)
    body = gateway.last_request(provider)
    assert second.choices[0].finish_reason == "stop"
    assert "Paris" in (second.choices[0].message.content or "")
    assert tool_calls_sent_back(provider, body) == [
        (c.function.name, json.loads(c.function.arguments)) for c in calls
    ]
    if provider == "openai":  # an OpenAI-format upstream gets the arguments string itself
        assert [
            c["function"]["arguments"] for m in body["messages"] for c in m.get("tool_calls") or []
        ] == [c.function.arguments for c in calls]
    assert tool_results_sent(provider, body) == [r["content"] for r in results]
    assert prompt_seen == [TOOL_PROMPT]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_streamed_parallel_tool_calls_via_the_stream_helper(
    gateway: Gateway, provider: str
) -> None:
    client, model = gateway.client(), CHAT_MODELS[provider]
    messages: Any = [{"role": "user", "content": TOOL_PROMPT}]
    with client.chat.completions.stream(model=model, messages=messages, tools=TOOLS) as stream:
        completion = stream.get_final_completion()
    assert completion.choices[0].finish_reason == "tool_calls"
    _assert_paris_calls(completion.choices[0].message.tool_calls)
    assert user_texts(provider, gateway.last_request(provider)) == [TOOL_PROMPT]


# --- case 4: structured output ------------------------------------------------------------


class Weather(BaseModel):
    city: Literal["Paris", "London"]
    conditions: str
    temperature_c: float
    windy: bool


@pytest.mark.parametrize("provider", PROVIDERS)
def test_parse_with_a_pydantic_model(gateway: Gateway, provider: str) -> None:
    client, model = gateway.client(), CHAT_MODELS[provider]
    prompt = "Describe today's weather in Paris for Ada Lovelace."
    completion = client.chat.completions.parse(
        model=model, messages=[{"role": "user", "content": prompt}], response_format=Weather
    )
    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, Weather)
    assert parsed.city == "Paris"
    assert user_texts(provider, gateway.last_request(provider)) == [prompt]


# --- case 5: embeddings --------------------------------------------------------------------


def _float32(values: list[float]) -> list[float]:
    return list(struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values)))


@pytest.mark.parametrize("provider", list(EMBEDDING_MODELS))
def test_embeddings_with_the_sdks_default_base64(gateway: Gateway, provider: str) -> None:
    client, model = gateway.client(), EMBEDDING_MODELS[provider]
    text = "Ada Lovelace lives in Paris"
    packed = client.embeddings.create(model=model, input=text)  # the SDK asks for base64
    upstream = gateway.last_request(provider)
    floats = client.embeddings.create(model=model, input=text, encoding_format="float")
    vector = packed.data[0].embedding
    assert isinstance(vector, list) and all(isinstance(v, float) for v in vector)
    assert len(vector) == {"openai": 16, "gemini": 768}[provider]  # the mocks' default sizes
    assert math.isclose(math.sqrt(sum(v * v for v in vector)), 1.0, abs_tol=1e-3)
    assert vector == _float32(floats.data[0].embedding)
    assert packed.usage.prompt_tokens > 0
    assert json.dumps(text) in json.dumps(upstream), upstream  # the input, verbatim
    if provider == "openai":
        assert upstream["encoding_format"] == "base64"


@pytest.mark.parametrize("provider", list(EMBEDDING_MODELS))
def test_embeddings_of_several_inputs_keep_their_order(gateway: Gateway, provider: str) -> None:
    client, model = gateway.client(), EMBEDDING_MODELS[provider]
    inputs = ["Ada Lovelace", "Paris", "build.v2.internal"]
    batch = client.embeddings.create(model=model, input=inputs)
    assert [d.index for d in batch.data] == [0, 1, 2]
    for index, text in enumerate(inputs):
        single = client.embeddings.create(model=model, input=text)
        assert batch.data[index].embedding == single.data[0].embedding, text


# --- case 6: errors ---------------------------------------------------------------------------

FAILURES = [
    (400, openai.BadRequestError, 400),
    (429, openai.RateLimitError, 429),
    (500, openai.InternalServerError, 500),
    (503, openai.InternalServerError, 503),
]


def _assert_sdk_error(error: openai.APIStatusError, kind: type[Exception], status: int) -> None:
    assert type(error) is kind, f"{type(error).__name__} {error.status_code}: {error.message}"
    assert error.status_code == status, error.message
    assert isinstance(error.body, dict) and isinstance(error.body.get("message"), str)
    assert error.request_id or error.response.headers.get("x-request-id")


@pytest.mark.parametrize(("upstream_status", "kind", "status"), FAILURES)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_upstream_errors_are_the_sdks_error_classes(
    gateway: Gateway, provider: str, upstream_status: int, kind: type[Exception], status: int
) -> None:
    client, model = gateway.client(), CHAT_MODELS[provider]
    gateway.fault(provider, status=upstream_status, remaining=1, match_model=model)
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
    _assert_sdk_error(caught.value, kind, status)


@pytest.mark.parametrize(("upstream_status", "kind", "status"), FAILURES)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_upstream_errors_on_a_stream_are_the_sdks_error_classes(
    gateway: Gateway, provider: str, upstream_status: int, kind: type[Exception], status: int
) -> None:
    client, model = gateway.client(), CHAT_MODELS[provider]
    gateway.fault(provider, status=upstream_status, remaining=1, match_model=model)
    messages: Any = [{"role": "user", "content": "hi"}]
    with pytest.raises(openai.APIStatusError) as caught:
        list(client.chat.completions.create(model=model, messages=messages, stream=True))
    _assert_sdk_error(caught.value, kind, status)


@pytest.mark.parametrize("provider", list(EMBEDDING_MODELS))
def test_embedding_rate_limit_is_a_rate_limit_error(gateway: Gateway, provider: str) -> None:
    client, model = gateway.client(), EMBEDDING_MODELS[provider]
    gateway.fault(provider, status=429, remaining=1, match_model=model)
    with pytest.raises(openai.APIStatusError) as caught:
        client.embeddings.create(model=model, input="hi")
    _assert_sdk_error(caught.value, openai.RateLimitError, 429)


# --- case 8: the guard ------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_guard_keeps_structured_secrets_from_the_upstream(
    gateway: Gateway, provider: str, stream: bool
) -> None:
    client, model = gateway.client(), CHAT_MODELS[provider]
    messages: Any = [{"role": "user", "content": SECRET_PROMPT}]
    if stream:
        chunks = client.chat.completions.create(model=model, messages=messages, stream=True)
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    else:
        completion = client.chat.completions.create(model=model, messages=messages)
        text = completion.choices[0].message.content or ""
    sent = "\n".join(user_texts(provider, gateway.last_request(provider)))
    for secret in SECRETS:
        assert secret not in sent, sent
    assert "Write to" in sent  # the rest of the prompt is kept
    assert text == f"Echo: {SECRET_PROMPT}"  # the placeholders are restored
