"""The model label cannot be grown without bound by the names callers send."""

from __future__ import annotations

from behest.gateway.observability.metrics import MAX_MODELS, Metrics


def test_models_past_the_cap_are_reported_as_other() -> None:
    metrics = Metrics()
    names = [metrics._model(f"gpt-{n}") for n in range(MAX_MODELS + 5)]
    assert names[:MAX_MODELS] == [f"gpt-{n}" for n in range(MAX_MODELS)]
    assert set(names[MAX_MODELS:]) == {"other"}
    assert metrics._model("gpt-0") == "gpt-0"
