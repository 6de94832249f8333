"""Choosing among a route's candidates: drop those that cannot serve the request, order
the rest.

A candidate is dropped (the first reason that applies) when no credential of the project
serves it; when the request needs tools, vision, a JSON schema or streaming and the
catalog says the model lacks it; when ``max_tokens`` is above its maximum output; when the
estimated prompt plus ``max_tokens`` (the prompt alone without one) is above its context
window. A limit the catalog does not know drops nothing.

The rest are ordered by ``prefer``, ties always broken by candidate order:

    cost     the catalog price (the project's price overrides applied) of the estimated
             prompt tokens and the output (max_tokens, else 1,024 tokens), cheapest
             first; an unknown price sorts last
    latency  the lowest observed latency first (an EWMA per target, kept by its breaker);
             a candidate not observed yet comes before the observed ones, in candidate
             order, so that each is measured once: with nothing observed this is the
             candidate order
    order    the candidate order

Pure and deterministic: prices and latencies are passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from behest.gateway.errors import InvalidRequest
from behest.gateway.routing.catalog import ModelInfo
from behest.gateway.routing.needs import Needs
from behest.gateway.routing.prices import Prices, Tokens, cost

DEFAULT_OUTPUT_TOKENS = 1024  # as admission's estimate, for a request without max_tokens
NOT_SERVED = "no credential of the project serves it"


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str
    info: ModelInfo | None  # None: no credential of the project serves it
    prices: Prices | None = None
    latency_s: float | None = None  # None: not observed yet


@dataclass(frozen=True, slots=True)
class Choice:
    order: tuple[Candidate, ...]  # the candidates that fit, the one to try first leading
    dropped: tuple[tuple[str, str], ...]  # (candidate, why it was dropped)


def misfit(info: ModelInfo | None, needs: Needs) -> str | None:
    """Why the model cannot serve a request with these needs; None if it can."""
    if info is None:
        return NOT_SERVED
    if info.embeddings:
        return "it is an embedding model"
    for need, has in (
        ("tools", info.tools),
        ("vision", info.vision),
        ("json_schema", info.json_schema),
        ("stream", info.streaming),
    ):
        if getattr(needs, need) and not has:
            return f"no {need} support"
    output, most, window = needs.output_tokens, info.max_output_tokens, info.context_window
    if output is not None and most is not None and output > most:
        return f"max output {most} tokens < {output} asked"
    wanted = needs.prompt_tokens + (output or 0)
    if window is not None and wanted > window:
        return f"context window {window} tokens < ~{wanted} needed"
    return None


def choose(candidates: Sequence[Candidate], needs: Needs, prefer: str) -> Choice:
    fitting: list[tuple[tuple[int, float, int], Candidate]] = []
    dropped: list[tuple[str, str]] = []
    for index, candidate in enumerate(candidates):
        why = misfit(candidate.info, needs)
        if why is not None:
            dropped.append((candidate.name, why))
        else:
            fitting.append((_rank(candidate, needs, prefer, index), candidate))
    fitting.sort(key=lambda ranked: ranked[0])
    return Choice(tuple(candidate for _, candidate in fitting), tuple(dropped))


def estimated_cost(prices: Prices, needs: Needs) -> float:
    output = needs.output_tokens or DEFAULT_OUTPUT_TOKENS
    return cost(prices, Tokens(needs.prompt_tokens, output))


def _rank(candidate: Candidate, needs: Needs, prefer: str, index: int) -> tuple[int, float, int]:
    if prefer == "cost":
        prices = candidate.prices
        return (1, 0.0, index) if prices is None else (0, estimated_cost(prices, needs), index)
    if prefer == "latency":
        latency = candidate.latency_s
        return (0, 0.0, index) if latency is None else (1, latency, index)
    return (0, 0.0, index)


def explanation(prefer: str, needs: Needs) -> str:
    """The route header's reason for a chosen candidate: ``auto:cost(needs=tools+vision)``."""
    labels = needs.labels()
    return f"auto:{prefer}(needs={'+'.join(labels)})" if labels else f"auto:{prefer}"


def no_model_fits(route: str, dropped: Sequence[tuple[str, str]]) -> InvalidRequest:
    reasons = "; ".join(f"{name}: {why}" for name, why in dropped)
    return InvalidRequest(
        f"No candidate of {route!r} can serve this request ({reasons}).",
        param="model",
        code="no_model_fits",
    )
