"""``warm_up`` loads what the detectors would otherwise load on the first request."""

from __future__ import annotations

from behest.gateway import guard
from behest.gateway.guard import gazetteer
from behest.gateway.guard.learned import shipped_model

LOADED_ON_FIRST_USE = (
    gazetteer.first_names,
    gazetteer.last_names,
    gazetteer.places,
    gazetteer.common_words,
    shipped_model,
)


def test_warm_up_loads_every_list_and_the_model() -> None:
    for load in LOADED_ON_FIRST_USE:
        load.cache_clear()

    guard.warm_up()

    assert [load.cache_info().currsize for load in LOADED_ON_FIRST_USE] == [1] * 5
