"""Load balancing over the credentials that serve the same model.

The leading targets of a call that serve the same upstream model (several credentials
whose patterns match the name) are put in an order per call; the targets after them
(the fallback chain) keep theirs. Strategies:

    ordered          creation order (the default: the others are fallbacks)
    weighted         a weighted random order (Efraimidis-Spirakis keys, u ** (1 / w))
    least_in_flight  fewest calls open per unit of weight first; ties by weighted chance

Pure: the random numbers and the in-flight counts are passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from behest.gateway.providers.base import Target

STRATEGIES = ("ordered", "weighted", "least_in_flight")


def group_size(targets: list[Target]) -> int:
    """How many leading targets serve the first one's upstream model."""
    if not targets:
        return 0
    first, size = targets[0], 1
    while size < len(targets) and targets[size].model == first.model:
        size += 1
    return size


def balanced(
    targets: list[Target],
    strategy: str,
    weights: Mapping[str, float],
    in_flight: Callable[[Target], int],
    rand: Callable[[], float],
) -> list[Target]:
    size = group_size(targets)
    if strategy == "ordered" or size < 2:
        return targets

    def chance(target: Target) -> float:
        return float(rand() ** (1.0 / weights.get(target.credential_id, 1.0)))

    group = targets[:size]
    if strategy == "weighted":
        order = sorted(group, key=lambda t: -chance(t))
    else:
        load = {id(t): in_flight(t) / weights.get(t.credential_id, 1.0) for t in group}
        order = sorted(group, key=lambda t: (load[id(t)], -chance(t)))
    return order + targets[size:]
