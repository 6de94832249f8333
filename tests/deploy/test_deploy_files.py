"""The deployment files hold together (no Docker engine here): compose and nginx agree,
the Dockerfile is slim, non-root and health-checked, and its install script works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent.parent
DEPLOY = REPO / "deploy"


def _compose() -> dict[str, dict[str, object]]:
    document = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return document["services"]  # type: ignore[no-any-return]


def test_compose_runs_three_replicas_on_postgres_and_redis_behind_nginx() -> None:
    services = _compose()
    gateways = [name for name in services if name.startswith("gateway-")]
    assert len(gateways) == 3
    for name in gateways:
        env = services[name]["environment"]
        assert isinstance(env, dict)
        assert env["BEHEST_DATABASE_URL"].startswith("postgresql://")
        assert env["BEHEST_REDIS_URL"].startswith("redis://")
        assert "BEHEST_MASTER_KEY" in env and "BEHEST_ADMIN_TOKEN" in env
        assert services[name]["stop_grace_period"] == "45s"
    assert {"postgres", "redis", "lb"} <= set(services)
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert sorted(re.findall(r"server (gateway-\d):8080", nginx)) == sorted(gateways)
    assert "proxy_buffering off" in nginx


def test_the_dockerfile_is_slim_non_root_health_checked_and_uses_the_install_script() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert re.findall(r"^FROM (\S+)", text, re.MULTILINE) == ["python:3.11-slim"] * 2
    assert "RUN sh deploy/install.sh /opt/behest /src" in text
    user = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert user and user[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", text, re.MULTILINE)
    assert 'CMD ["behest", "serve"]' in text


def test_kubernetes_page_names_the_probes_and_the_grace_period() -> None:
    page = (REPO / "docs" / "kubernetes.md").read_text()
    for needle in ("/healthz", "/readyz", "terminationGracePeriodSeconds", "preStop"):
        assert needle in page
    manifests = re.findall(r"```yaml\n(.*?)```", page, re.DOTALL)
    assert manifests and all(list(yaml.safe_load_all(block)) for block in manifests)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_install_script_installs_a_working_gateway_into_a_plain_venv(tmp_path: Path) -> None:
    prefix = tmp_path / "venv"
    env = {**os.environ, "PYTHON": sys.executable}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        ["sh", str(DEPLOY / "install.sh"), str(prefix), str(REPO)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=850,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    listing = subprocess.run(
        [str(prefix / "bin" / "pip"), "list", "--format=freeze"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "prometheus_client==" in listing.replace("-", "_") and "pytest==" not in listing
