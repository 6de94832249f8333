"""The smart-route chooser over any candidates and any request's needs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from behest.gateway.routing.catalog import ModelInfo
from behest.gateway.routing.chooser import Candidate, choose, estimated_cost
from behest.gateway.routing.needs import Needs
from behest.gateway.routing.prices import Prices

limits = st.none() | st.integers(1, 2_000_000)
infos = st.builds(
    ModelInfo,
    id=st.just("p/m"),
    provider=st.just("p"),
    upstream_model=st.just("m"),
    tools=st.booleans(),
    vision=st.booleans(),
    json_schema=st.booleans(),
    streaming=st.booleans(),
    embeddings=st.booleans(),
    context_window=limits,
    max_output_tokens=limits,
    prices=st.none(),
)
prices = st.none() | st.builds(Prices.of, st.floats(0, 100), st.floats(0, 100))
latencies = st.none() | st.floats(0, 60)
candidates = st.lists(
    st.builds(Candidate, st.text(min_size=1, max_size=8), st.none() | infos, prices, latencies),
    max_size=8,
)
needs = st.builds(
    Needs,
    tools=st.booleans(),
    vision=st.booleans(),
    json_schema=st.booleans(),
    stream=st.booleans(),
    prompt_tokens=st.integers(0, 2_000_000),
    output_tokens=st.none() | st.integers(1, 200_000),
)
preferences = st.sampled_from(["cost", "latency", "order"])


def _fits(info: ModelInfo | None, needs: Needs) -> bool:
    if info is None or info.embeddings:
        return False
    if (needs.tools and not info.tools) or (needs.vision and not info.vision):
        return False
    if (needs.json_schema and not info.json_schema) or (needs.stream and not info.streaming):
        return False
    output = needs.output_tokens
    most = info.max_output_tokens
    if output is not None and most is not None and output > most:
        return False
    window = info.context_window
    return window is None or needs.prompt_tokens + (output or 0) <= window


@given(candidates, needs, preferences)
def test_every_chosen_candidate_satisfies_the_needs(
    offered: list[Candidate], needs: Needs, prefer: str
) -> None:
    choice = choose(offered, needs, prefer)
    assert all(_fits(candidate.info, needs) for candidate in choice.order)
    # nothing lost: what is not chosen is dropped, with a reason, in candidate order
    fitting = [c for c in offered if _fits(c.info, needs)]
    assert sorted(map(id, choice.order)) == sorted(map(id, fitting))
    assert [name for name, _ in choice.dropped] == [
        c.name for c in offered if not _fits(c.info, needs)
    ]
    assert all(why for _, why in choice.dropped)


@given(candidates, needs, preferences)
def test_the_choice_is_deterministic(offered: list[Candidate], needs: Needs, prefer: str) -> None:
    assert choose(offered, needs, prefer) == choose(list(offered), needs, prefer)


@given(candidates, needs)
def test_cost_orders_by_estimated_price_unknown_last(
    offered: list[Candidate], needs: Needs
) -> None:
    order = choose(offered, needs, "cost").order
    priced = [c for c in order if c.prices is not None]
    assert list(order[: len(priced)]) == priced  # the unpriced come after every priced one
    costs = [estimated_cost(c.prices, needs) for c in priced if c.prices is not None]
    assert costs == sorted(costs)


@given(candidates, needs)
def test_order_keeps_the_candidate_order(offered: list[Candidate], needs: Needs) -> None:
    order = choose(offered, needs, "order").order
    assert list(order) == [c for c in offered if _fits(c.info, needs)]
