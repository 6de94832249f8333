"""The smart-route chooser: which candidates fit a request, and in which order they go."""

from __future__ import annotations

from typing import Any

import pytest

from behest.gateway.request.call import Call
from behest.gateway.routing.catalog import Catalog, ModelInfo
from behest.gateway.routing.chooser import (
    NOT_SERVED,
    Candidate,
    choose,
    explanation,
    misfit,
    no_model_fits,
)
from behest.gateway.routing.needs import IMAGE_TOKENS, Needs, needs_of
from behest.gateway.routing.prices import Prices

CATALOG = Catalog()
SERVED = {
    "gpt-4o-mini": "openai",
    "gpt-4o": "openai",
    "gpt-3.5-turbo": "openai",  # tools, no vision, no JSON schema, 16k window, 4k output
    "o1-mini": "openai",  # no tools, no vision
    "claude-haiku-4-5": "anthropic",
    "gemini-2.5-flash": "gemini",  # a 1M window
}


def _info(model: str) -> ModelInfo:
    return CATALOG.describe(SERVED[model], model)


def _candidates(*models: str, **prices: Prices | None) -> list[Candidate]:
    return [Candidate(m, _info(m), prices.get(m, CATALOG.prices(SERVED[m], m))) for m in models]


def _order(choice: Any) -> list[str]:
    return [candidate.name for candidate in choice.order]


def _needs(**body: Any) -> Needs:
    stream = bool(body.pop("stream", False))
    return needs_of(Call("chat", "auto", {"messages": HELLO, **body}, stream=stream))


HELLO: Any = [{"role": "user", "content": "say hello"}]
IMAGE: Any = [
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 40_000}},
        ],
    }
]
TOOLS = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
SCHEMA = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
FOUR = ("gpt-4o", "claude-haiku-4-5", "gemini-2.5-flash", "gpt-4o-mini")


def test_a_plain_request_goes_to_the_cheapest_then_the_others_by_price() -> None:
    choice = choose(_candidates(*FOUR), _needs(), "cost")
    assert _order(choice) == ["gpt-4o-mini", "gemini-2.5-flash", "claude-haiku-4-5", "gpt-4o"]
    assert choice.dropped == ()


def test_tools_drop_the_models_without_tools() -> None:
    cheap = Prices.of(0.01, 0.01)  # the cheapest by far, but it has no tools
    candidates = _candidates("o1-mini", "gpt-4o-mini", "gpt-4o", **{"o1-mini": cheap})
    assert _order(choose(candidates, _needs(), "cost"))[0] == "o1-mini"
    for tools in ({"tools": TOOLS}, {"functions": [TOOLS[0]["function"]]}, {"tool_choice": "auto"}):
        choice = choose(candidates, _needs(**tools), "cost")
        assert _order(choice) == ["gpt-4o-mini", "gpt-4o"]
        assert choice.dropped == (("o1-mini", "no tools support"),)
    assert not _needs(tool_choice="none").tools


def test_an_image_needs_a_vision_model() -> None:
    candidates = _candidates("gpt-3.5-turbo", "o1-mini", "claude-haiku-4-5")
    needs = needs_of(Call("chat", "auto", {"messages": IMAGE}))
    assert needs.vision and needs.prompt_tokens < IMAGE_TOKENS + 20  # the base64 is not text
    choice = choose(candidates, needs, "order")
    assert _order(choice) == ["claude-haiku-4-5"]
    assert dict(choice.dropped) == {
        "gpt-3.5-turbo": "no vision support",
        "o1-mini": "no vision support",
    }


def test_a_json_schema_needs_a_model_that_takes_one() -> None:
    candidates = _candidates("gpt-3.5-turbo", "gpt-4o-mini")
    assert _order(choose(candidates, _needs(response_format=SCHEMA), "order")) == ["gpt-4o-mini"]
    assert _order(choose(candidates, _needs(response_format={"type": "json_object"}), "order")) == [
        "gpt-3.5-turbo",
        "gpt-4o-mini",
    ]


def test_a_long_prompt_goes_to_a_window_that_holds_it() -> None:
    long = [{"role": "user", "content": "word " * 120_000}]  # ~150k tokens
    needs = needs_of(Call("chat", "auto", {"messages": long}))
    assert 140_000 < needs.prompt_tokens < 160_000
    choice = choose(_candidates(*FOUR), needs, "cost")
    assert _order(choice) == ["gemini-2.5-flash", "claude-haiku-4-5"]
    assert [name for name, _ in choice.dropped] == ["gpt-4o", "gpt-4o-mini"]
    assert "context window 128000 tokens" in dict(choice.dropped)["gpt-4o-mini"]


def test_max_tokens_counts_against_the_output_cap_and_the_window() -> None:
    candidates = _candidates("gpt-3.5-turbo", "gpt-4o-mini", "claude-haiku-4-5")
    assert _order(choose(candidates, _needs(max_tokens=4096), "order"))[0] == "gpt-3.5-turbo"
    choice = choose(candidates, _needs(max_completion_tokens=20_000), "order")
    assert _order(choice) == ["claude-haiku-4-5"]
    assert dict(choice.dropped) == {
        "gpt-3.5-turbo": "max output 4096 tokens < 20000 asked",
        "gpt-4o-mini": "max output 16384 tokens < 20000 asked",
    }
    # the prompt and the output together must fit the window
    prompt = [{"role": "user", "content": "x" * 4 * 14_000}]
    needs = needs_of(Call("chat", "auto", {"messages": prompt, "max_tokens": 3000}))
    assert "context window 16385" in (misfit(_info("gpt-3.5-turbo"), needs) or "")


def test_an_unknown_price_sorts_last_and_ties_keep_the_candidate_order() -> None:
    same = Prices.of(1.0, 1.0)
    candidates = [
        Candidate("a", _info("gpt-4o"), None),
        Candidate("b", _info("gpt-4o"), same),
        Candidate("c", _info("gpt-4o"), None),
        Candidate("d", _info("gpt-4o"), same),
    ]
    assert _order(choose(candidates, _needs(), "cost")) == ["b", "d", "a", "c"]


def test_cost_weighs_the_expected_output_too() -> None:
    cheap_in = Prices.of(0.1, 10.0)
    cheap_out = Prices.of(1.0, 1.0)
    candidates = [
        Candidate("cheap-in", _info("gpt-4o"), cheap_in),
        Candidate("cheap-out", _info("gpt-4o"), cheap_out),
    ]
    prompt = [{"role": "user", "content": "x" * 4000}]  # ~1,000 tokens in
    short = needs_of(Call("chat", "auto", {"messages": prompt, "max_tokens": 1}))
    long = needs_of(Call("chat", "auto", {"messages": prompt, "max_tokens": 4000}))
    assert _order(choose(candidates, short, "cost"))[0] == "cheap-in"
    assert _order(choose(candidates, long, "cost"))[0] == "cheap-out"


def test_latency_prefers_the_fastest_once_all_are_observed() -> None:
    def latencies(*seconds: float | None) -> list[Candidate]:
        return [
            Candidate(name, _info(name), latency_s=s) for name, s in zip(FOUR, seconds, strict=True)
        ]

    assert _order(choose(latencies(None, None, None, None), _needs(), "latency")) == list(FOUR)
    observed = choose(latencies(0.9, 0.2, 0.5, 0.2), _needs(), "latency")
    assert _order(observed) == ["claude-haiku-4-5", "gpt-4o-mini", "gemini-2.5-flash", "gpt-4o"]
    # not yet observed: tried first, in candidate order, so that it gets measured
    partly = choose(latencies(0.9, None, 0.1, None), _needs(), "latency")
    assert _order(partly) == ["claude-haiku-4-5", "gpt-4o-mini", "gemini-2.5-flash", "gpt-4o"]


def test_order_takes_the_first_that_fits() -> None:
    candidates = _candidates("o1-mini", "gpt-4o", "gpt-4o-mini")
    assert _order(choose(candidates, _needs(tools=TOOLS), "order")) == ["gpt-4o", "gpt-4o-mini"]


def test_when_nothing_fits_the_error_names_every_candidate_and_why() -> None:
    candidates = [*_candidates("gpt-3.5-turbo", "o1-mini"), Candidate("gpt-4o", None)]
    needs = needs_of(Call("chat", "auto", {"messages": IMAGE}))
    choice = choose(candidates, needs, "cost")
    assert choice.order == ()
    error = no_model_fits("auto", choice.dropped)
    assert error.status == 400 and error.code == "no_model_fits" and error.param == "model"
    assert error.body()["error"]["type"] == "invalid_request_error"
    assert error.message == (
        "No candidate of 'auto' can serve this request (gpt-3.5-turbo: no vision support; "
        f"o1-mini: no vision support; gpt-4o: {NOT_SERVED})."
    )


def test_streaming_and_embedding_models() -> None:
    embedding = CATALOG.describe("openai", "text-embedding-3-small")
    assert misfit(embedding, _needs()) == "it is an embedding model"
    needs = _needs(stream=True)
    assert needs.stream and needs.labels() == ("stream",)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "auto:cost"),
        ({"tools": TOOLS, "messages": IMAGE}, "auto:cost(needs=tools+vision)"),
        ({"response_format": SCHEMA, "stream": True}, "auto:cost(needs=json_schema+stream)"),
    ],
)
def test_the_explanation_lists_the_needs(body: dict[str, Any], reason: str) -> None:
    assert explanation("cost", _needs(**body)) == reason


def test_the_prompt_estimate_counts_text_tools_and_tool_calls() -> None:
    messages = [
        {"role": "system", "content": "x" * 400},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "1", "function": {"name": "f", "arguments": "y" * 399}}],
        },
        {"role": "tool", "tool_call_id": "1", "content": "z" * 400},
    ]
    bare = needs_of(Call("chat", "auto", {"messages": messages}))
    assert bare.prompt_tokens == 3 * 4 + 300  # 3 messages' framing, 1,200 characters / 4
    with_tools = needs_of(Call("chat", "auto", {"messages": messages, "tools": TOOLS}))
    assert with_tools.prompt_tokens > bare.prompt_tokens and with_tools.tools
