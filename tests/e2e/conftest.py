"""A real gateway on a port, a mock OpenAI upstream, and a project wired to it."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tenancy import ADMIN, Tenant

from servers import Process, http, start_gateway, start_mock


@pytest.fixture(scope="session")
def mock_openai_upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Process]:
    process = start_mock("openai", tmp_path_factory.mktemp("mock"))
    yield process
    process.stop()


@pytest.fixture(scope="module")
def tenant(
    tmp_path_factory: pytest.TempPathFactory, mock_openai_upstream: Process
) -> Iterator[Tenant]:
    gateway = start_gateway(tmp_path_factory.mktemp("gw") / "data")
    try:
        provider_key = "sk-mock-" + secrets.token_hex(16)
        status, project, _ = http(
            "POST", f"{gateway.url}/admin/v1/projects", {"name": "e2e"}, token=ADMIN
        )
        assert status == 201, project
        project_id = project["id"]  # type: ignore[index]
        status, key, _ = http(
            "POST", f"{gateway.url}/admin/v1/projects/{project_id}/keys", {"name": "t"}, token=ADMIN
        )
        assert status == 201, key
        status, credential, _ = http(
            "POST",
            f"{gateway.url}/admin/v1/projects/{project_id}/credentials",
            {
                "provider": "openai",
                "base_url": mock_openai_upstream.url + "/v1",
                "api_key": provider_key,
                "models": [
                    "gpt-4o-mini",
                    "gpt-4o",
                    "text-embedding-3-small",
                    "omni-moderation-latest",
                ],
            },
            token=ADMIN,
        )
        assert status == 201, credential
        yield Tenant(
            gateway,
            mock_openai_upstream,
            project_id,
            key["key"],
            key["id"],  # type: ignore[index]
            provider_key,
            credential["id"],
        )  # type: ignore[index]
    finally:
        gateway.stop()


@pytest.fixture(autouse=True)
def _clear_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "tenant" in request.fixturenames:
        tenant: Tenant = request.getfixturevalue("tenant")
        tenant.fault(clear=True)
