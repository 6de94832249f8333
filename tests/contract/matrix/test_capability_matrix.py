"""The capability matrix: one test per feature by provider cell of ``matrix_table``.

Supported and mapped cells run the feature through the adapter and the provider's mock,
validate the upstream request against the provider's spec and the gateway's answer
against OpenAI's. Unsupported cells assert the clear 400 before any upstream call.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from matrix_cases import CASES
from matrix_table import FEATURES, MATRIX, PROVIDERS, cells
from matrix_wire import PROVIDERS as WIRES
from matrix_wire import exchange, load_specs, make_call

from behest.gateway.errors import InvalidRequest


def _params() -> list[object]:
    return [
        pytest.param(
            feature,
            provider,
            id=f"{feature}-{provider}",
            marks=[pytest.mark.shared] if cell.status != "unsupported" else [],
        )
        for feature, provider, cell in cells()
    ]


def test_every_feature_has_a_case_and_every_provider_a_cell() -> None:
    assert set(CASES) == set(FEATURES) == set(MATRIX)
    assert all(set(row) == set(PROVIDERS) for row in MATRIX.values())
    declared = [cell for row in MATRIX.values() for cell in row.values()]
    assert all(cell.how for cell in declared if cell.status != "supported")


@pytest.mark.parametrize(("feature", "provider"), _params())
async def test_cell(feature: str, provider: str, request: pytest.FixtureRequest) -> None:
    case = CASES[feature]
    call = make_call(provider, case.body, case.operation)
    if MATRIX[feature][provider].status == "unsupported":
        spec = WIRES[provider]
        with pytest.raises(InvalidRequest) as refused:
            spec.adapter.build_request(call, spec.target("http://upstream.invalid", call.operation))
        assert refused.value.status == 400
        assert refused.value.message and (refused.value.param or refused.value.code)
        return
    shared_dir: Path = request.getfixturevalue("shared_dir")
    specs = load_specs(shared_dir)
    fault = case.fault(provider) if case.fault else None
    result = await exchange(provider, call, fault)
    assert specs.outbound(result) == [], result.sent
    assert specs.inbound(result) == [], result.result or result.sse
    if case.twin:
        unstreamed = {**case.body, "stream": False}
        result.twin = await exchange(provider, make_call(provider, unstreamed, case.operation))
        assert specs.inbound(result.twin) == []
    case.check(result)
