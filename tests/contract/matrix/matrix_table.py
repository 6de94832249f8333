"""The capability matrix: every feature by every provider, declared once.

Each cell is one test in ``test_capability_matrix.py`` and one cell of the table in
``docs/capabilities.md`` (rendered by ``scripts/capability_matrix.py``). A cell is

    supported    the feature passes through as OpenAI defines it
    mapped       translated to the provider's own form (``how`` says into what)
    unsupported  refused before any upstream call with a 400 (``how`` says why)

Plain data, no test imports: the docs script reads it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["supported", "mapped", "unsupported"]
PROVIDERS = ("openai", "anthropic", "gemini")
PROVIDER_TITLES = {
    "openai": "OpenAI (and compatible)",
    "anthropic": "Anthropic",
    "gemini": "Gemini",
}


@dataclass(frozen=True, slots=True)
class Cell:
    status: Status
    how: str = ""


SUPPORTED = Cell("supported")


def mapped(how: str) -> Cell:
    return Cell("mapped", how)


def unsupported(why: str) -> Cell:
    return Cell("unsupported", why)


FEATURES: dict[str, str] = {
    "text": "Text chat",
    "system": "System / developer messages",
    "multi_turn": "Multi-turn conversation",
    "image_data_url": "Image as data URL",
    "image_https": "Image as https URL",
    "tools_single": "Tool call (single)",
    "tools_parallel": "Tool calls (parallel)",
    "tools_one_at_a_time": "`parallel_tool_calls: false`",
    "tool_results": "Tool results (parallel)",
    "json_schema": "`response_format: json_schema`",
    "json_object": "`response_format: json_object`",
    "stream": "Streaming (no `include_usage`)",
    "stream_usage": "Streaming with `include_usage`",
    "stream_tools": "Streamed parallel tool calls",
    "n": "`n` > 1",
    "logprobs": "`logprobs` / `top_logprobs`",
    "seed": "`seed`",
    "embeddings": "Embeddings",
    "moderations": "Moderations",
    "error_429": "Error: rate limited → 429",
    "error_503": "Error: overloaded → 503",
    "error_500": "Error: server error → 500",
    "error_400": "Error: bad request → 400",
}

MATRIX: dict[str, dict[str, Cell]] = {
    "text": {
        "openai": SUPPORTED,
        "anthropic": mapped("Messages API"),
        "gemini": mapped("generateContent"),
    },
    "system": {
        "openai": SUPPORTED,
        "anthropic": mapped("hoisted in order into top-level `system` blocks"),
        "gemini": mapped("hoisted in order into `systemInstruction`"),
    },
    "multi_turn": {
        "openai": SUPPORTED,
        "anthropic": mapped("consecutive same-role turns merged"),
        "gemini": mapped("`assistant` → role `model`"),
    },
    "image_data_url": {
        "openai": SUPPORTED,
        "anthropic": mapped("`image` block, `base64` source"),
        "gemini": mapped("`inlineData` part"),
    },
    "image_https": {
        "openai": SUPPORTED,
        "anthropic": mapped("`image` block, `url` source"),
        "gemini": mapped("`fileData.fileUri` part"),
    },
    "tools_single": {
        "openai": SUPPORTED,
        "anthropic": mapped("`tool_use` block; `required` → `any`"),
        "gemini": mapped("`functionCall` part; `required` → mode `ANY`"),
    },
    "tools_parallel": {
        "openai": SUPPORTED,
        "anthropic": mapped("one `tool_use` block per call"),
        "gemini": mapped("one `functionCall` part per call, ids synthesised"),
    },
    "tools_one_at_a_time": {
        "openai": SUPPORTED,
        "anthropic": mapped("`disable_parallel_tool_use`"),
        "gemini": mapped("no such setting: the first `functionCall` part is kept"),
    },
    "tool_results": {
        "openai": SUPPORTED,
        "anthropic": mapped("all results → one user turn of `tool_result` blocks"),
        "gemini": mapped("`functionResponse` parts named after the called function"),
    },
    "json_schema": {
        "openai": SUPPORTED,
        "anthropic": mapped("`output_config.format` json_schema"),
        "gemini": mapped("`responseMimeType` + `responseJsonSchema`"),
    },
    "json_object": {
        "openai": SUPPORTED,
        "anthropic": mapped("a JSON-only instruction in `system` (not enforced by the API)"),
        "gemini": mapped("`responseMimeType: application/json`"),
    },
    "stream": {
        "openai": SUPPORTED,
        "anthropic": mapped("SSE events → chunks; usage kept for the gateway"),
        "gemini": mapped("`streamGenerateContent?alt=sse` → chunks"),
    },
    "stream_usage": {
        "openai": SUPPORTED,
        "anthropic": mapped("usage of `message_start` + `message_delta` in the final chunk"),
        "gemini": mapped("last `usageMetadata` in the final chunk"),
    },
    "stream_tools": {
        "openai": SUPPORTED,
        "anthropic": mapped("`input_json_delta` → arguments deltas, index per tool call"),
        "gemini": mapped("whole `functionCall` parts → one delta each, index per call"),
    },
    "n": {
        "openai": SUPPORTED,
        "anthropic": unsupported("one choice per request: `n` must be 1"),
        "gemini": mapped("`generationConfig.candidateCount`"),
    },
    "logprobs": {
        "openai": SUPPORTED,
        "anthropic": unsupported("no log probabilities"),
        "gemini": mapped("`responseLogprobs` + `logprobs` → `choices[].logprobs.content`"),
    },
    "seed": {
        "openai": SUPPORTED,
        "anthropic": mapped("dropped: no seed, sampling stays random"),
        "gemini": mapped("`generationConfig.seed`"),
    },
    "embeddings": {
        "openai": SUPPORTED,
        "anthropic": unsupported("no embeddings endpoint"),
        "gemini": mapped("`batchEmbedContents` (`dimensions` → `outputDimensionality`)"),
    },
    "moderations": {
        "openai": SUPPORTED,
        "anthropic": unsupported("no moderations endpoint"),
        "gemini": unsupported("no moderations endpoint"),
    },
    "error_429": {
        "openai": SUPPORTED,
        "anthropic": mapped("`rate_limit_error` → 429, Retry-After kept"),
        "gemini": mapped("`RESOURCE_EXHAUSTED` → 429, Retry-After kept"),
    },
    "error_503": {
        "openai": SUPPORTED,
        "anthropic": mapped("529 `overloaded_error` → 503"),
        "gemini": mapped("`UNAVAILABLE` → 503"),
    },
    "error_500": {
        "openai": SUPPORTED,
        "anthropic": mapped("500 `api_error` → 500"),
        "gemini": mapped("`INTERNAL` → 500"),
    },
    "error_400": {
        "openai": SUPPORTED,
        "anthropic": mapped("prompt too long → 400 `context_length_exceeded`"),
        "gemini": mapped("`INVALID_ARGUMENT` → 400"),
    },
}


def cells() -> list[tuple[str, str, Cell]]:
    """Every (feature, provider, cell) in table order."""
    return [
        (feature, provider, MATRIX[feature][provider])
        for feature in FEATURES
        for provider in PROVIDERS
    ]
