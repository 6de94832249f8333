"""Metrics, JSON access logs and admin token rotation, on a real gateway process.

One gateway runs a representative session (admin calls, a provider credential added,
mint, chat, stream, guard findings, limit rejections, errors); then its /metrics is
scraped and ALL of its log output is scanned for every key and token it was handed.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families

from servers import Process, http, start_gateway

pytestmark = pytest.mark.slow


@dataclass
class Session:
    gateway: Process
    admin_token: str
    previous_token: str
    metrics_token: str
    project_id: str = ""
    api_key: str = ""
    secrets_used: list[str] = field(default_factory=list)
    metrics_text: str = ""
    audit: list[dict[str, object]] = field(default_factory=list)

    def admin(self, method: str, path: str, body: object = None, token: str | None = None):  # type: ignore[no-untyped-def]
        return http(
            method, f"{self.gateway.url}/admin/v1{path}", body, token=token or self.admin_token
        )

    def mint(self, user: str) -> str:
        status, body, _ = http(
            "POST", f"{self.gateway.url}/v1/auth/mint", {"user_id": user}, token=self.api_key
        )
        assert status == 200, body
        self.secrets_used.append(body["access_token"])
        return str(body["access_token"])

    def client(self, user: str) -> openai.OpenAI:
        return openai.OpenAI(
            base_url=f"{self.gateway.url}/v1", api_key=self.mint(user), max_retries=0
        )


def _setup(session: Session, upstream: Process) -> None:
    status, project, _ = session.admin("POST", "/projects", {"name": "obs"})
    assert status == 201, project
    session.project_id = project["id"]
    status, key, _ = session.admin("POST", f"/projects/{session.project_id}/keys", {"name": "k"})
    assert status == 201, key
    session.api_key = key["key"]
    provider_key = "sk-mock-" + secrets.token_hex(20)
    status, credential, _ = session.admin(
        "POST",
        f"/projects/{session.project_id}/credentials",
        {"provider": "openai", "base_url": upstream.url + "/v1", "api_key": provider_key,
         "models": ["gpt-4o-mini"]},
    )  # fmt: skip
    assert status == 201, credential
    settings = {"limits": {"user": {"rpm": 3}}, "guard": {"pii_mode": "redact"}}
    status, body, _ = session.admin(
        "PATCH", f"/projects/{session.project_id}", {"settings": settings}
    )
    assert status == 200, body
    session.secrets_used += [session.api_key, session.api_key.rsplit("_", 1)[1], provider_key]


def _traffic(session: Session) -> None:
    client = session.client("alice")
    message = [{"role": "user", "content": "mail jane.doe@example.com please"}]
    client.chat.completions.create(model="gpt-4o-mini", messages=message)  # type: ignore[arg-type]
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "y"}]
        )
    with pytest.raises(openai.NotFoundError):
        session.client("bob").chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": "z"}]
        )
    forged = session.api_key.rsplit("_", 1)[0] + "_" + secrets.token_urlsafe(30)
    fake_jwt = "eyJhbGciOiJFZERTQSJ9." + secrets.token_urlsafe(40) + "." + secrets.token_urlsafe(40)
    session.secrets_used += [forged, fake_jwt]
    assert (
        http("POST", f"{session.gateway.url}/v1/auth/mint", {"user_id": "u"}, token=forged)[0]
        == 401
    )
    url = f"{session.gateway.url}/v1/chat/completions"
    assert http("POST", url, {"model": "gpt-4o-mini", "messages": []}, token=fake_jwt)[0] == 401
    assert session.admin("GET", "/projects", token="wrong-" + secrets.token_hex(8))[0] == 401


def _scrape(session: Session, token: str | None) -> tuple[int, object]:
    status, body, _ = http("GET", f"{session.gateway.url}/metrics", token=token)
    return status, body


@pytest.fixture(scope="module")
def session(
    tmp_path_factory: pytest.TempPathFactory, mock_openai_upstream: Process
) -> Iterator[Session]:
    tokens = ["behest_admin_" + secrets.token_urlsafe(32) for _ in range(2)]
    metrics_token = "metrics-" + secrets.token_urlsafe(24)
    env = {
        "BEHEST_ADMIN_TOKEN": tokens[0],
        "BEHEST_ADMIN_TOKEN_PREVIOUS": tokens[1],
        "BEHEST_METRICS_TOKEN": metrics_token,
        "BEHEST_LOG_FORMAT": "json",
    }
    gateway = start_gateway(tmp_path_factory.mktemp("obs") / "data", extra_env=env)
    run = Session(
        gateway, tokens[0], tokens[1], metrics_token, secrets_used=[*tokens, metrics_token]
    )
    try:
        _setup(run, mock_openai_upstream)
        _traffic(run)
        assert run.admin("GET", "/projects", token=run.previous_token)[0] == 200
        status, text = _scrape(run, metrics_token)
        assert status == 200
        run.metrics_text = str(text)
        assert (
            run.admin("DELETE", f"/projects/{run.project_id}", token=run.previous_token)[0] == 200
        )
        run.audit = _audit_pages(run)
    finally:
        gateway.stop()
    yield run


def _audit_pages(session: Session) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    query = "?limit=2"
    while True:
        status, page, _ = session.admin("GET", f"/audit{query}")
        assert status == 200, page
        entries += page["data"]
        if not page["has_more"]:
            return entries
        query = f"?limit=2&before={page['next_before']}"


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(text: str, name: str, **labels: str) -> float:
    return sum(
        value
        for (sample, have), value in _samples(text).items()
        if sample == name and set(labels.items()) <= have
    )


def test_metrics_count_the_requests_served(session: Session) -> None:
    text = session.metrics_text
    chat = {"route": "chat", "model": "gpt-4o-mini", "provider": "openai"}
    assert _value(text, "behest_requests_total", status="200", **chat) == 3
    assert _value(text, "behest_requests_total", status="429", **chat) == 1
    assert _value(text, "behest_requests_total", status="404", route="chat", model="unrouted") == 1
    assert _value(text, "behest_request_duration_seconds_count", route="chat") == 5
    assert _value(text, "behest_time_to_first_token_seconds_count", route="chat") >= 1
    assert _value(text, "behest_limit_rejections_total", layer="user:requests:minute") == 1
    assert _value(text, "behest_guard_findings_total", type="email") == 1
    assert _value(text, "behest_usage_queue_depth") >= 0
    assert _value(text, "behest_asyncio_tasks") >= 1
    assert _value(text, "process_resident_memory_bytes") > 0
    assert _value(text, "behest_http_requests_total", route="/v1/auth/mint", status="401") == 1
    assert _value(text, "behest_http_requests_total", route="/admin/v1/projects", status="401") == 1


def test_metrics_need_a_token(session: Session, mock_openai_upstream: Process) -> None:
    # the gateway of the session has stopped; a fresh one answers for the token rules
    gateway = start_gateway(
        Path(session.gateway.log_path).parent / "scrape" / "data",
        extra_env={"BEHEST_METRICS_TOKEN": session.metrics_token},
    )
    try:
        check = Session(gateway, "admin-test-token", "", session.metrics_token)
        assert _scrape(check, None)[0] == 401
        assert _scrape(check, "not-the-token")[0] == 401
        assert _scrape(check, session.metrics_token)[0] == 200
        assert _scrape(check, "admin-test-token")[0] == 200
    finally:
        gateway.stop()


def test_json_logs_have_one_access_line_per_request(session: Session) -> None:
    lines = [
        json.loads(line) for line in session.gateway.log().splitlines() if line.startswith("{")
    ]
    access = [line for line in lines if line["logger"] == "behest.access"]
    chats = [line for line in access if line["route"] == "/v1/chat/completions"]
    assert len(chats) == 6  # 3 served, 1 limited, 1 unknown model, 1 forged token
    served = next(line for line in chats if line["status"] == 200)
    assert served["project_id"] == session.project_id and served["user_id"] == "alice"
    assert served["model"] == "gpt-4o-mini" and served["request_id"].startswith("req_")
    assert isinstance(served["latency_ms"], float | int)
    assert len({line["request_id"] for line in access}) == len(access)


def test_no_key_or_token_appears_in_any_log_line(session: Session) -> None:
    log = session.gateway.log()
    assert "behest.access" in log  # the log was captured at all
    leaked = [secret[:12] + "…" for secret in session.secrets_used if secret in log]
    assert leaked == []
    assert "jane.doe@example.com" not in log  # nor message content


def test_a_wrong_admin_token_is_refused_and_both_current_ones_accepted(session: Session) -> None:
    log = session.gateway.log()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    admin = [line for line in lines if line.get("route") == "/admin/v1/projects"]
    assert {line["status"] for line in admin if line["method"] == "GET"} == {200, 401}


def test_every_admin_change_is_in_the_audit_log_without_secrets(session: Session) -> None:
    actions = [(entry["actor"], entry["action"], entry["status"]) for entry in session.audit]
    project = session.project_id
    assert actions == [
        ("admin (previous token)", "DELETE /admin/v1/projects/{project}", 200),
        ("admin", "PATCH /admin/v1/projects/{project}", 200),
        ("admin", "POST /admin/v1/projects/{project}/credentials", 201),
        ("admin", "POST /admin/v1/projects/{project}/keys", 201),
        ("admin", "POST /admin/v1/projects", 201),
    ]
    assert session.audit[0]["target"] == {"project": project}
    assert all(str(entry["at"]).endswith("+00:00") for entry in session.audit)
    text = json.dumps(session.audit)
    assert [secret for secret in session.secrets_used if secret in text] == []
