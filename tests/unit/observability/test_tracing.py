"""Traces: off (and not imported) by default; on, one span per pipeline stage per request."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from behest.gateway.edge.context import SERVICES
from behest.gateway.observability import Tracing, tracing_wanted
from behest.gateway.runtime.bootstrap import open_foundation
from behest.gateway.runtime.settings import Settings
from behest.gateway.serving.app import build_app
from behest.testing import mock_openai

pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")


def test_tracing_is_wanted_only_when_otel_variables_ask() -> None:
    assert not tracing_wanted({})
    assert tracing_wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert tracing_wanted({"OTEL_TRACES_EXPORTER": "otlp"})
    assert not tracing_wanted({"OTEL_TRACES_EXPORTER": "none"})
    assert not tracing_wanted({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"})


def test_without_otel_the_gateway_imports_nothing_of_opentelemetry(tmp_path: Path) -> None:
    script = (
        "import sys\nfrom pathlib import Path\n"
        "from behest.gateway.runtime.bootstrap import open_foundation\n"
        "from behest.gateway.runtime.settings import Settings\n"
        "from behest.gateway.serving.app import build_app\n"
        f"build_app(open_foundation(Settings(data_dir=Path({str(tmp_path)!r}), admin_token='t')))\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    result = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.fixture
async def traced(
    tmp_path: Path,
) -> AsyncIterator[tuple[TestClient[Any, Any], InMemorySpanExporter]]:
    async with TestClient(TestServer(mock_openai.build_app())) as upstream:
        foundation = open_foundation(Settings(data_dir=tmp_path, admin_token="t"))
        project = foundation.admin.create_project({"name": "A"})["id"]
        key = foundation.admin.create_api_key(project, {"name": "k"})["key"]
        base_url = str(upstream.make_url("/v1"))
        foundation.admin.add_credential(
            project,
            {
                "provider": "openai",
                "base_url": base_url,
                "api_key": "sk-x",
                "models": ["gpt-4o-mini"],
            },
        )
        app = build_app(foundation)
        exporter = InMemorySpanExporter()
        app[SERVICES].observability.tracing = Tracing(exporter, batch=False)
        async with TestClient(TestServer(app)) as client:
            minted = await client.post(
                "/v1/auth/mint", json={"user_id": "u"}, headers={"Authorization": f"Bearer {key}"}
            )
            client.session.headers["Authorization"] = (
                f"Bearer {(await minted.json())['access_token']}"
            )
            yield client, exporter


async def test_one_span_per_stage_under_one_request_span(
    traced: tuple[TestClient[Any, Any], InMemorySpanExporter],
) -> None:
    client, exporter = traced
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    reply = await client.post("/v1/chat/completions", json=body)
    assert reply.status == 200, await reply.text()
    spans = exporter.get_finished_spans()
    root = next(span for span in spans if span.name == "behest.request")
    children = [span for span in spans if span is not root]
    stages = ["thread", "guard", "route", "admit", "call", "commit", "settle"]
    assert [span.name for span in children] == [f"behest.{stage}" for stage in stages]
    assert {span.context.trace_id for span in spans} == {root.context.trace_id}
    assert all(span.parent and span.parent.span_id == root.context.span_id for span in children)
    assert root.attributes is not None and root.attributes["http.response.status_code"] == 200
    assert root.attributes["behest.request_id"] == reply.headers["x-request-id"]


async def test_a_stream_and_a_refusal_are_traced_too(
    traced: tuple[TestClient[Any, Any], InMemorySpanExporter],
) -> None:
    client, exporter = traced
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    reply = await client.post("/v1/chat/completions", json=body)
    await reply.read()
    missing = await client.post("/v1/chat/completions", json={**body, "model": "nope"})
    assert missing.status == 404
    names = [span.name for span in exporter.get_finished_spans()]
    assert names.count("behest.request") == 2 and names.count("behest.call") == 1
