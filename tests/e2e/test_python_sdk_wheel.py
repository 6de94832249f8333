"""The built wheel, installed beside ``openai`` alone, talks to a real gateway.

This proves ``pip install behest`` needs none of the gateway's dependencies: the fresh
environment has no aiohttp, SQLAlchemy or Redis, yet ``from behest import Behest`` works.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tenancy import Tenant

REPO = Path(__file__).resolve().parents[2]
SCRIPT = """
import importlib.util, json, sys
from behest import Behest, behest_headers

missing = [m for m in ("aiohttp", "sqlalchemy", "redis", "orjson") if importlib.util.find_spec(m)]
assert not missing, missing
behest = Behest()  # BEHEST_KEY and BEHEST_BASE_URL
reply = behest.chat.completions.create(
    model="gpt-4o-mini", messages=[{"role": "user", "content": "from the wheel"}], user_id="whl"
)
chunks = behest.chat.completions.create(
    model="gpt-4o-mini", messages=[{"role": "user", "content": "streamed"}], user_id="whl",
    stream=True,
)
raw = behest.chat.completions.with_raw_response.create(
    model="gpt-4o-mini", messages=[{"role": "user", "content": "raw"}], user_id="whl"
)
print(json.dumps({
    "reply": reply.choices[0].message.content,
    "stream": "".join(c.choices[0].delta.content or "" for c in chunks if c.choices),
    "request_id": behest_headers(raw).request_id,
    "minted": behest.tokens.mint("whl").session_id,
    "gateway_importable": importlib.util.find_spec("behest.gateway") is not None,
}))
"""


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, check=False, capture_output=True, text=True, timeout=90, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def wheel_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(root), str(REPO)])
    (wheel,) = root.glob("behest-*.whl")
    env = root / "venv"
    run([sys.executable, "-m", "venv", str(env)])
    pip = [str(env / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    run([*pip, "-c", str(REPO / "requirements.lock"), "openai", str(wheel)])
    return env / "bin" / "python"


@pytest.mark.slow
def test_the_wheel_with_only_openai_serves_calls(wheel_python: Path, tenant: Tenant) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "BEHEST_KEY": tenant.api_key,
        "BEHEST_BASE_URL": tenant.gateway.url,
    }
    result = run([str(wheel_python), "-c", SCRIPT], env=env)
    seen = json.loads(result.stdout)
    assert seen["reply"] == "Echo: from the wheel"
    assert seen["stream"] == "Echo: streamed"
    assert seen["request_id"].startswith("req_") and seen["minted"].startswith("sess_")
