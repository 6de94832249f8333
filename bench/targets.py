"""What the benchmark loads: the mock upstream itself, the bare reference, behest, LiteLLM.

Every target serves two models: ``gpt-4o-mini`` from a mock that streams 20 words and
``gpt-4o`` from a mock that streams 1,000 (the long-stream case).
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from procs import Proc, closed_port, free_port, spawn, wait_ready

BENCH_DIR = Path(__file__).resolve().parent
LITELLM_BIN = BENCH_DIR / ".litellm-venv" / "bin" / "litellm"
ADMIN_TOKEN = "bench-admin-token"
SHORT_MODEL, LONG_MODEL = "gpt-4o-mini", "gpt-4o"
HUGE = 10**12

# The "full pipeline": every limit layer, set far above the load so nothing is refused,
# and the guard redacting PII and secrets and scoring injection. Override with --settings.
FULL_SETTINGS: dict[str, Any] = {
    "limits": {
        "project": {"rpm": HUGE, "tpm": HUGE},
        "user": {"rpm": HUGE, "tpm": HUGE},
        "ip": {"rpm": HUGE},
        "budgets": {
            "project": {
                "daily": {"tokens": HUGE, "cost_usd": 1e8},
                "monthly": {"tokens": HUGE, "cost_usd": 1e8},
            },
            "user": {
                "daily": {"tokens": HUGE, "cost_usd": 1e8},
                "monthly": {"tokens": HUGE, "cost_usd": 1e8},
            },
        },
    },
    "guard": {
        "pii_mode": "redact",
        "secrets": True,
        "heuristics": True,
        "injection_mode": "detect",
    },
}


# "Features off": no limits, and the guard told to do nothing (its default is to redact).
OFF_SETTINGS: dict[str, Any] = {
    "limits": {},
    "guard": {
        "pii_mode": "off",
        "secrets": False,
        "heuristics": False,
        "injection_mode": "off",
    },
}


# "Features": the full pipeline plus routing (a fallback chain, retries, breakers), the
# response cache and, during its runs, /metrics scraped once a second (load.py). Half its
# requests ask for a fresh answer (X-Behest-Cache: refresh: a miss that is called and
# kept), half find the answer kept before them: a 50 % hit rate.
FEATURES_SETTINGS: dict[str, Any] = FULL_SETTINGS | {
    "fallbacks": {SHORT_MODEL: [LONG_MODEL]},
    "retries": {"max": 1},
    "breaker": {"failures": 5, "error_rate": 0.5, "min_calls": 20},
    "cache": {"enabled": True, "allow_temperature": True},
}
THREAD_HISTORY = 50  # messages each bench thread holds before the load starts


@dataclass
class Mocks:
    short: Proc
    long: Proc
    short_url: str
    long_url: str

    def url_for(self, model: str) -> str:
        return self.long_url if model == LONG_MODEL else self.short_url


@dataclass
class Target:
    name: str
    proc: Proc
    chat_url: str
    tokens_file: Path
    notes: list[str] = field(default_factory=list)
    per_model_urls: dict[str, str] = field(default_factory=dict)
    project_id: str = ""
    many_users_file: Path | None = None  # one token per distinct user, for the users-* cases
    threads_file: Path | None = None  # one user and its long thread a line, thread-* cases
    scrape_url: str = ""  # GET once a second while loaded (with the admin token)

    def url_for(self, model: str) -> str:
        return self.per_model_urls.get(model, self.chat_url)


def http(method: str, url: str, body: Any = None, token: str = "") -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    try:
        return status, json.loads(payload) if payload else None
    except ValueError:
        return status, payload.decode(errors="replace")


def _python(module_or_script: str) -> list[str]:
    if module_or_script.endswith(".py"):
        return [sys.executable, str(BENCH_DIR / module_or_script)]
    return [sys.executable, "-m", module_or_script]


def start_mocks(core: str, log_dir: Path) -> Mocks:
    procs = []
    for name, words in (("mock-20", 20), ("mock-1000", 1000)):
        port = free_port()
        command = [
            *_python("behest.gateway.cli"),
            "mock-upstream",
            "--provider",
            "openai",
            "--port",
            str(port),
            "--reply-words",
            str(words),
        ]
        proc = spawn(name, command, core=core, log_dir=log_dir)
        wait_ready(proc, f"http://127.0.0.1:{port}/__mock__/last_request", timeout=20)
        procs.append((proc, f"http://127.0.0.1:{port}"))
    (short, short_url), (long, long_url) = procs
    return Mocks(short, long, short_url, long_url)


def _tokens_file(log_dir: Path, name: str, tokens: list[str]) -> Path:
    path = log_dir / f"{name}.tokens"
    path.write_text("\n".join(tokens) + "\n")
    return path


def direct(mocks: Mocks, log_dir: Path) -> Target:
    urls = {m: mocks.url_for(m) + "/v1/chat/completions" for m in (SHORT_MODEL, LONG_MODEL)}
    return Target(
        "direct",
        mocks.short,
        urls[SHORT_MODEL],
        _tokens_file(log_dir, "direct", ["sk-bench-direct"]),
        per_model_urls=urls,
    )


def reference(mocks: Mocks, core: str, log_dir: Path) -> Target:
    port = free_port()
    command = [
        *_python("reference_passthrough.py"),
        "--port",
        str(port),
        "--upstream",
        f"{SHORT_MODEL}={mocks.short_url}",
        "--upstream",
        f"{LONG_MODEL}={mocks.long_url}",
    ]
    proc = spawn("reference", command, core=core, log_dir=log_dir)
    wait_ready(proc, f"http://127.0.0.1:{port}/healthz", timeout=20)
    return Target(
        "reference",
        proc,
        f"http://127.0.0.1:{port}/v1/chat/completions",
        _tokens_file(log_dir, "reference", [""]),
    )


@dataclass
class BehestConfig:
    name: str
    redis_url: str = ""
    database_url: str = ""
    workers: int = 1
    users: int = 16
    many_users: int = 0  # also mint this many distinct users' tokens (0: none)
    thread_users: int = 0  # users given a thread of THREAD_HISTORY messages each (0: none)
    settings: dict[str, Any] = field(default_factory=lambda: OFF_SETTINGS)
    features: bool = False  # half the requests refresh the cache; /metrics scraped


def behest(config: BehestConfig, mocks: Mocks, core: str, log_dir: Path) -> Target:
    port = free_port()
    data_dir = log_dir / f"{config.name}-data"
    env = {
        "BEHEST_DATA_DIR": str(data_dir),
        "BEHEST_PORT": str(port),
        "BEHEST_ADMIN_TOKEN": ADMIN_TOKEN,
        "BEHEST_LOG_LEVEL": "WARNING",
        "BEHEST_CONFIG_POLL_S": "1.0",
        "BEHEST_WORKERS": str(config.workers),
        "BEHEST_REDIS_URL": config.redis_url,
        "BEHEST_DATABASE_URL": config.database_url,
    }
    proc = spawn(
        config.name, [*_python("behest.gateway.cli"), "serve"], core=core, log_dir=log_dir, env=env
    )
    base = f"http://127.0.0.1:{port}"
    wait_ready(proc, base + "/healthz", timeout=30)
    project, key, notes = _provision(base, config, mocks)
    tokens = mint_tokens(base, key, config.users)
    many = mint_tokens(base, key, config.many_users) if config.many_users else []
    lines = [line for t in tokens for line in (t, f"{t} X-Behest-Cache:refresh")]
    target = Target(
        config.name,
        proc,
        base + "/v1/chat/completions",
        _tokens_file(log_dir, config.name, lines if config.features else tokens),
        notes,
        project_id=project,
        many_users_file=_tokens_file(log_dir, f"{config.name}-many", many) if many else None,
        scrape_url=base + "/metrics" if config.features else "",
    )
    _wait_serving(target)
    if config.thread_users:
        threads = seed_threads(target.chat_url, mint_tokens(base, key, config.thread_users))
        target.threads_file = _tokens_file(log_dir, f"{config.name}-threads", threads)
    return target


def seed_threads(chat_url: str, tokens: list[str]) -> list[str]:
    """One thread per token, holding THREAD_HISTORY messages (one turn whose request
    carries the history: its messages and the reply are stored); the tokens-file lines
    that continue them."""
    history: list[dict[str, str]] = [{"role": "system", "content": "You are a helpful assistant."}]
    for turn in range((THREAD_HISTORY - 2) // 2):
        history += [
            {"role": "user", "content": f"Question {turn}: what is a good name for a cat?"},
            {"role": "assistant", "content": f"Answer {turn}: Miso, Pepper or Biscuit."},
        ]
    history.append({"role": "user", "content": "And for a dog?"})
    body = json.dumps({"model": SHORT_MODEL, "messages": history, "max_tokens": 64}).encode()

    def seed(index: int) -> str:
        thread = f"bench-thread-{index}"
        request = urllib.request.Request(chat_url, data=body, method="POST")
        request.add_header("Authorization", f"Bearer {tokens[index]}")
        request.add_header("Content-Type", "application/json")
        request.add_header("X-Thread-Id", thread)
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        return f"{tokens[index]} X-Thread-Id:{thread}"

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(seed, range(len(tokens))))


def admin(base: str, method: str, path: str, body: Any = None) -> Any:
    status, payload = http(method, f"{base}/admin/v1{path}", body, ADMIN_TOKEN)
    if status not in (200, 201):
        raise RuntimeError(f"{method} {path}: HTTP {status}: {payload}")
    return payload


def mint_tokens(base: str, key: str, users: int) -> list[str]:
    """One JWT for each of ``users`` distinct users, minted eight at a time."""

    def mint(index: int) -> str:
        status, minted = http("POST", f"{base}/v1/auth/mint", {"user_id": f"user_{index}"}, key)
        if status != 200:
            raise RuntimeError(f"mint: HTTP {status}: {minted}")
        return str(minted["access_token"])

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(mint, range(users)))


def _provision(base: str, config: BehestConfig, mocks: Mocks) -> tuple[str, str, list[str]]:
    """A project, an API key, one credential per mock and the settings."""
    project = admin(base, "POST", "/projects", {"name": config.name})["id"]
    key = admin(base, "POST", f"/projects/{project}/keys", {"name": "bench"})["key"]
    credential_ids = []
    for model in (SHORT_MODEL, LONG_MODEL):
        credential = admin(
            base,
            "POST",
            f"/projects/{project}/credentials",
            {
                "provider": "openai",
                "name": f"mock-{model}",
                "api_key": "sk-bench-upstream",
                "base_url": mocks.url_for(model) + "/v1",
                "models": [model],
            },
        )
        credential_ids.append(credential["id"])
    notes = _apply_settings(base, project, config, credential_ids)
    return project, key, notes


def _apply_settings(
    base: str, project: str, config: BehestConfig, credential_ids: list[str]
) -> list[str]:
    settings = json.loads(json.dumps(config.settings))
    limits = settings.get("limits")
    if limits and "credentials" not in limits:
        limits["credentials"] = {cid: {"rpm": HUGE, "tpm": HUGE} for cid in credential_ids}
    status, payload = http(
        "PATCH", f"{base}/admin/v1/projects/{project}", {"settings": settings}, ADMIN_TOKEN
    )
    if status != 200:
        return [f"project settings refused (HTTP {status}): {payload}"]
    return []


def _wait_serving(target: Target, timeout: float = 10.0) -> None:
    """Config reaches the serving path by polling; wait until a real request answers."""
    token = target.tokens_file.read_text().split()[0]
    body = {"model": SHORT_MODEL, "messages": [{"role": "user", "content": "hi"}]}
    deadline = time.monotonic() + timeout
    status, payload = 0, None
    while time.monotonic() < deadline:
        status, payload = http("POST", target.chat_url, body, token)
        if status == 200:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{target.name}: chat answered HTTP {status}: {payload}")


def litellm_installed() -> bool:
    return LITELLM_BIN.exists()


def litellm(mocks: Mocks, core: str, log_dir: Path) -> Target:
    """LiteLLM's proxy, no database, with every remote fetch pointed at a closed port."""
    port, dead = free_port(), f"http://127.0.0.1:{closed_port()}/"
    master = "sk-bench-litellm-master"
    config = log_dir / "litellm.yaml"
    models = [
        {
            "model_name": model,
            "litellm_params": {
                "model": f"openai/{model}",
                "api_base": mocks.url_for(model) + "/v1",
                "api_key": "sk-bench-upstream",
            },
        }
        for model in (SHORT_MODEL, LONG_MODEL)
    ]
    config.write_text(
        json.dumps({"model_list": models, "general_settings": {"master_key": master}})
    )
    env = {
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_LOCAL_BLOG_POSTS": "True",
        "LITELLM_LOCAL_POLICY_TEMPLATES": "true",
        "LITELLM_LOCAL_AUTOROUTER_PRESETS": "True",
        "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS": "True",
        "LITELLM_MODE": "PRODUCTION",
        "LITELLM_LOG": "ERROR",
        "DO_NOT_TRACK": "1",
        "LITELLM_MODEL_COST_MAP_URL": dead,
        "LITELLM_BLOG_POSTS_URL": dead,
        "LITELLM_ANTHROPIC_BETA_HEADERS_URL": dead,
        "LITELLM_AUTOROUTER_PRESETS_URL": dead,
    }
    command = [
        str(LITELLM_BIN),
        "--config",
        str(config),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--num_workers",
        "1",
    ]
    proc = spawn("litellm", command, core=core, log_dir=log_dir, env=env)
    wait_ready(proc, f"http://127.0.0.1:{port}/health/liveliness", timeout=90)
    target = Target(
        "litellm",
        proc,
        f"http://127.0.0.1:{port}/v1/chat/completions",
        _tokens_file(log_dir, "litellm", [master]),
    )
    _wait_serving(target, timeout=30)
    return target
