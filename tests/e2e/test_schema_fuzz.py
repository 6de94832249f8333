"""Schemathesis against the gateway's own ``/openapi.json``, on a real server.

Every ``/v1`` and ``/admin/v1`` operation gets generated requests, authenticated as its
``security`` says (a minted JWT, the project's API key, or the admin token), positive
and negative data alike. Each answer must be no 5xx, conform to the schema (status,
content type, body), and, when it is an error, have OpenAI's shape
``{"error": {"message", "type", "param", "code"}}`` and an ``x-request-id``.

Path parameters named ``project`` are the tenant's real project half the time, so the
admin routes are exercised past their 404; the destructive ones (deleting the project,
its keys or credentials, rotating the signing key) are generated against ids that do
not exist, so the run does not saw off the branch it sits on.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks
from tenancy import ADMIN, Tenant

EXAMPLES = 25  # per operation and generation mode
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]
SESSION = requests.Session()  # keep-alive: the run measures the gateway, not TCP set-up
DESTRUCTIVE = {
    ("DELETE", "/admin/v1/projects/{project}"),
    ("POST", "/admin/v1/signing-keys/rotate"),
}


@pytest.fixture(scope="module")
def schema(tenant: Tenant) -> Any:
    return schemathesis.openapi.from_url(f"{tenant.gateway.url}/openapi.json")


@pytest.fixture(scope="module")
def tokens(tenant: Tenant) -> dict[str, str]:
    return {
        "AccessToken": tenant.mint("fuzz-user")["access_token"],
        "ApiKey": tenant.api_key,
        "AdminToken": ADMIN,
    }


def _operations(schema: Any) -> Iterator[Any]:
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(("/v1/", "/admin/v1/")):
            yield operation


def _authorize(case: Case, tokens: dict[str, str]) -> dict[str, str]:
    security = case.operation.definition.raw.get("security") or [{}]
    scheme = next(iter(security[0]), None)
    return {"Authorization": f"Bearer {tokens[scheme]}"} if scheme else {}


def assert_openai_error(case: Case, response: Any) -> None:
    if response.status_code < 400:
        return
    assert response.headers.get("x-request-id"), (case.operation.label, response.headers)
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert {"message", "type", "param", "code"} <= set(error), body
    assert isinstance(error["message"], str) and error["message"], body
    assert isinstance(error["type"], str), body


def _fuzz(operation: Any, mode: GenerationMode, tenant: Tenant, tokens: dict[str, str]) -> Counter:
    statuses: Counter[int] = Counter()
    real = None if (operation.method.upper(), operation.path) in DESTRUCTIVE else tenant.project_id
    strategy = operation.as_strategy(generation_mode=mode)
    project = st.sampled_from([real, None]) if real else st.just(None)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, project=project)
    def run(case: Case, project: str | None) -> None:
        if project and "project" in (case.path_parameters or {}):
            case.path_parameters["project"] = project
        response = case.call(session=SESSION, headers=_authorize(case, tokens), timeout=10)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)
        assert_openai_error(case, response)

    run()
    return statuses


def test_every_operation_survives_generated_requests(
    schema: Any, tenant: Tenant, tokens: dict[str, str]
) -> None:
    began = time.monotonic()
    report: dict[str, Counter] = {}
    for operation in _operations(schema):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            report[f"{operation.label} {mode.value}"] = _fuzz(operation, mode, tenant, tokens)
    elapsed = time.monotonic() - began
    total = sum(sum(counts.values()) for counts in report.values())
    print(f"schemathesis: {len(report)} operation/mode pairs, {total} requests in {elapsed:.1f}s")
    for label, counts in sorted(report.items()):
        print(f"  {label}: {dict(sorted(counts.items()))}")
    assert len({label.rsplit(" ", 1)[0] for label in report}) >= 25
    assert elapsed < 60
