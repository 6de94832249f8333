"""Load balancing over the credentials of one model: weights and least in flight."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.errors import InvalidRequest
from behest.gateway.providers.base import Target
from behest.gateway.routing.balance import balanced, group_size


def _t(credential: str, model: str = "gpt-4o") -> Target:
    return Target("openai", "openai", model, "http://x", "sk", credential_id=credential)


TARGETS = [_t("a"), _t("b"), _t("c"), _t("z", "claude-sonnet-4-5")]


def test_only_the_leading_targets_of_one_model_are_reordered() -> None:
    assert group_size(TARGETS) == 3 and group_size([]) == 0
    rng = random.Random(1)
    for _ in range(50):
        order = balanced(TARGETS, "weighted", {}, lambda t: 0, rng.random)
        assert sorted(t.credential_id for t in order[:3]) == ["a", "b", "c"]
        assert order[3].credential_id == "z"  # the fallback chain keeps its place
    assert balanced(TARGETS, "ordered", {}, lambda t: 0, rng.random) is TARGETS


def test_weights_spread_first_choices_within_two_percent() -> None:
    rng, weights = random.Random(7), {"a": 3.0, "b": 1.0, "c": 1.0}
    firsts = Counter(
        balanced(TARGETS, "weighted", weights, lambda t: 0, rng.random)[0].credential_id
        for _ in range(20_000)
    )
    assert abs(firsts["a"] / 20_000 - 0.6) < 0.02
    assert abs(firsts["b"] / 20_000 - 0.2) < 0.02


def test_least_in_flight_first_per_unit_of_weight() -> None:
    load = {"a": 4, "b": 1, "c": 2}
    order = balanced(TARGETS, "least_in_flight", {}, lambda t: load[t.credential_id], random.random)
    assert [t.credential_id for t in order] == ["b", "c", "a", "z"]
    weighted = balanced(
        TARGETS, "least_in_flight", {"a": 8.0}, lambda t: load[t.credential_id], random.random
    )
    assert weighted[0].credential_id == "a"  # 4 / 8 beats 1 / 1


@pytest.mark.parametrize(
    "value",
    [{"strategy": "round_robin"}, {"weights": {"a": 0}}, {"weights": {"a": "2"}}, {"x": 1}, []],
)
def test_bad_load_balance_settings_are_refused(value: object) -> None:
    with pytest.raises(InvalidRequest):
        ProjectSettings().merged({"load_balance": value})
