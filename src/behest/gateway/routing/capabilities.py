"""What a model can do, from a small table of model families.

genai-prices knows prices and (often) the context window, nothing else; this table adds
what it lacks. A row matches by prefix on the model's own name (the part after the last
``/``, lower-cased, dots read as dashes, so OpenRouter's ``anthropic/claude-3.5-sonnet``
matches the ``claude-3-5-sonnet`` row) and the longest matching prefix wins.

A model no row matches is assumed capable (tools, vision, JSON schema, streaming): the
upstream is the judge, and a router that filtered unknown models out would make every
new or self-hosted model unusable. Names with ``embed`` in them are taken for embedding
models.

Sources: each vendor's model pages (context window, max output) as of late 2025; keep a
row only where the vendor publishes the number.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Capabilities:
    tools: bool = True
    vision: bool = True
    json_schema: bool = True
    streaming: bool = True
    embeddings: bool = False
    context_window: int | None = None
    max_output_tokens: int | None = None


CHAT = Capabilities()
EMBEDDING = Capabilities(
    tools=False, vision=False, json_schema=False, streaming=False, embeddings=True
)
_TEXT_ONLY = Capabilities(vision=False)
_NO_SCHEMA = Capabilities(vision=False, json_schema=False)


def _chat(context: int, output: int, base: Capabilities = CHAT) -> Capabilities:
    return Capabilities(
        tools=base.tools,
        vision=base.vision,
        json_schema=base.json_schema,
        context_window=context,
        max_output_tokens=output,
    )


def _embedding(context: int) -> Capabilities:
    return Capabilities(
        tools=False,
        vision=False,
        json_schema=False,
        streaming=False,
        embeddings=True,
        context_window=context,
    )


FAMILIES: dict[str, Capabilities] = {
    # OpenAI
    "gpt-5": _chat(400_000, 128_000),
    "gpt-4.1": _chat(1_047_576, 32_768),
    "gpt-4o": _chat(128_000, 16_384),
    "gpt-4-turbo": _chat(128_000, 4_096),
    "gpt-4": _chat(8_192, 8_192, _NO_SCHEMA),
    "gpt-3.5-turbo": _chat(16_385, 4_096, _NO_SCHEMA),
    "o1": _chat(200_000, 100_000),
    "o1-mini": _chat(128_000, 65_536, Capabilities(tools=False, vision=False)),
    "o3": _chat(200_000, 100_000),
    "o3-mini": _chat(200_000, 100_000, _TEXT_ONLY),
    "o4-mini": _chat(200_000, 100_000),
    "text-embedding-3": _embedding(8_192),
    "text-embedding-ada-002": _embedding(8_192),
    "omni-moderation": Capabilities(tools=False, json_schema=False, streaming=False),
    # Anthropic
    "claude-opus-4": _chat(200_000, 32_000),
    "claude-opus-4-5": _chat(200_000, 64_000),
    "claude-sonnet-4": _chat(200_000, 64_000),
    "claude-haiku-4-5": _chat(200_000, 64_000),
    "claude-3-7-sonnet": _chat(200_000, 64_000),
    "claude-3-5-sonnet": _chat(200_000, 8_192),
    "claude-3-5-haiku": _chat(200_000, 8_192),
    "claude-3-haiku": _chat(200_000, 4_096),
    "claude-3-opus": _chat(200_000, 4_096),
    # Google
    "gemini-2.5": _chat(1_048_576, 65_536),
    "gemini-2.0-flash": _chat(1_048_576, 8_192),
    "gemini-1.5": _chat(1_048_576, 8_192),
    "gemini-embedding": _embedding(2_048),
    "text-embedding-004": _embedding(2_048),
    # DeepSeek, Mistral, Meta and other open models
    "deepseek-chat": _chat(64_000, 8_192, _NO_SCHEMA),
    "deepseek-reasoner": _chat(64_000, 64_000, _NO_SCHEMA),
    "mistral-large": _chat(128_000, 128_000, _TEXT_ONLY),
    "mistral-small": _chat(128_000, 128_000),
    "pixtral": _chat(128_000, 128_000),
    "codestral": _chat(256_000, 256_000, _TEXT_ONLY),
    "mistral-embed": _embedding(8_192),
    "llama-3": _chat(128_000, 8_192, _TEXT_ONLY),
    "llama-3.2-11b-vision": _chat(128_000, 8_192),
    "llama-3.2-90b-vision": _chat(128_000, 8_192),
}


@lru_cache(maxsize=4096)
def capabilities_for(model: str) -> Capabilities:
    """The table's row for ``model`` (longest prefix), else a sensible default."""
    row = family_of(model)
    if row is not None:
        return row
    return EMBEDDING if "embed" in _key(model.rsplit("/", 1)[-1]) else CHAT


def family_of(model: str) -> Capabilities | None:
    """The table's row for ``model`` (longest prefix), None when no row matches."""
    name = _key(model.rsplit("/", 1)[-1])
    best = ""
    for prefix in _KEYED:
        if name.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return _KEYED[best] if best else None


def _key(name: str) -> str:
    return name.lower().replace(".", "-")


_KEYED = {_key(prefix): row for prefix, row in FAMILIES.items()}
