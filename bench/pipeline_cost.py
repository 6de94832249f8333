"""The gateway's own CPU per request, in process: no sockets, no load generator, no mock.

Each request goes through the real aiohttp application (router, the observe / audit /
CORS / error middlewares, the ``/v1`` handler: authentication, parsing, every stage of
the pipeline, the response headers serialised by aiohttp's own writer), with the
upstream answering from memory. Usage records queue as in the server; the writer's cost
is then measured separately, per record, on the same SQLite store (the background batch
the server runs on its thread). Process CPU time, so other load on the machine matters
little; compare before and after in the same run.

    python bench/pipeline_cost.py [--requests 5000] [--rounds 3] [--cases plain,stream]
    python bench/pipeline_cost.py --instructions [--requests 500]    # valgrind, repeatable

``--instructions`` counts machine instructions per request instead (valgrind's callgrind,
two runs of N and 2N requests, the difference over N): slow, but the same whatever else
runs on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from aiohttp.base_protocol import BaseProtocol
from aiohttp.http_parser import RawRequestMessage
from aiohttp.http_writer import HttpVersion11, StreamWriter
from aiohttp.streams import StreamReader
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

sys.path.insert(0, str(Path(__file__).resolve().parent))

from targets import FULL_SETTINGS, OFF_SETTINGS

from behest.gateway.auth.tokens import Claims
from behest.gateway.edge.server import build_web_app
from behest.gateway.providers.base import UpstreamRequest
from behest.gateway.runtime.bootstrap import open_foundation
from behest.gateway.runtime.settings import Settings
from behest.gateway.serving.app import build_services
from behest.gateway.upstream.client import Limits, Upstream, UpstreamReply

MODEL = "gpt-4o-mini"
CHUNKS = 20
SYSTEM = "You are a helpful assistant. Answer briefly and precisely."
USER = "Summarise the plot of a short story about a lighthouse keeper in two sentences."
PATH = "/v1/chat/completions"


def _completion() -> bytes:
    return orjson.dumps(
        {
            "id": "chatcmpl-mem",
            "object": "chat.completion",
            "created": 1,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "word " * CHUNKS},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 30, "completion_tokens": CHUNKS, "total_tokens": 50},
        }
    )


def _stream_reads() -> list[bytes]:
    """The mock's stream: a role chunk, one chunk per word, stop, usage, [DONE]; one read
    per event, as from a model generating slowly."""

    def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        chunk = {
            "id": "chatcmpl-mem",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return b"data: " + orjson.dumps(chunk) + b"\n\n"

    reads = [event({"role": "assistant", "content": ""})]
    reads += [event({"content": "word "}) for _ in range(CHUNKS)]
    reads.append(event({}, "stop"))
    usage = {"prompt_tokens": 30, "completion_tokens": CHUNKS, "total_tokens": 50}
    reads.append(
        b"data: "
        + orjson.dumps(
            {
                "id": "chatcmpl-mem",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": MODEL,
                "choices": [],
                "usage": usage,
            }
        )
        + b"\n\n"
    )
    reads.append(b"data: [DONE]\n\n")
    return reads


class _MemoryStream:
    status = 200
    headers: dict[str, str] = {"Content-Type": "text/event-stream"}

    def __init__(self, reads: list[bytes]) -> None:
        self._reads = reads

    async def read(self) -> bytes:
        return b"".join(self._reads)

    async def chunks(self) -> AsyncIterator[bytes]:
        for data in self._reads:
            yield data


class MemoryUpstream(Upstream):
    """Answers every request from memory, as the mock would (no sockets)."""

    def __init__(self) -> None:
        super().__init__()
        self.completion = _completion()
        self.reads = _stream_reads()

    async def send(self, request: UpstreamRequest, limits: Limits | None = None) -> UpstreamReply:
        return UpstreamReply(200, {"Content-Type": "application/json"}, self.completion)

    @contextlib.asynccontextmanager
    async def stream(
        self, request: UpstreamRequest, limits: Limits | None = None
    ) -> AsyncIterator[Any]:
        yield _MemoryStream(self.reads)


class _Sink(asyncio.Transport):
    """A client socket that takes every byte and keeps none."""

    def __init__(self) -> None:
        super().__init__()
        self.written = 0

    def write(self, data: Any) -> None:
        self.written += len(data)

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.written += len(data)

    def is_closing(self) -> bool:
        return False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8080)}.get(
            name, default
        )


class _Protocol(BaseProtocol):
    max_field_size = 8190
    max_line_length = 8190
    max_headers = 128
    peername = ("127.0.0.1", 50000)
    sockname = ("127.0.0.1", 8080)
    ssl_context = None

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        self.connection_made(_Sink())
        self.writer: StreamWriter | None = None


@dataclass
class Gateway:
    app: web.Application
    handler: Any
    token: str
    parts: Any


async def start_gateway(data_dir: Path, settings: dict[str, Any]) -> Gateway:
    foundation = open_foundation(
        Settings(data_dir=data_dir, admin_token="pipeline-cost-admin-token-0123456789ab")
    )
    parts = build_services(foundation)
    admin = foundation.admin
    project = admin.create_project({"name": "cost"})["id"]
    key_id = admin.create_api_key(project, {"name": "cost"})["id"]
    credential = admin.add_credential(
        project,
        {
            "provider": "openai",
            "api_key": "sk-mem",
            "base_url": "http://memory/v1",
            "models": [MODEL],
        },
    )
    settings = json.loads(json.dumps(settings))
    if settings.get("limits"):
        settings["limits"]["credentials"] = {credential["id"]: {"rpm": 10**12, "tpm": 10**12}}
    admin.update_project(project, {"settings": settings})
    await parts.directory.refresh(force=True)
    parts.pipeline.upstream = MemoryUpstream()
    snapshot = parts.directory.snapshot
    token = snapshot.tokens.mint(Claims(project, "user_1", "sess_1", key_id, 0, ""), 3600)
    app = build_web_app(parts)
    app.freeze()
    return Gateway(app, app._handle, token, parts)


def _request(gateway: Gateway, body: bytes, loop: asyncio.AbstractEventLoop) -> web.Request:
    protocol = _Protocol(loop)
    writer = StreamWriter(protocol, loop)
    protocol.writer = writer
    headers = CIMultiDictProxy(
        CIMultiDict(
            {
                "Host": "127.0.0.1:8080",
                "Authorization": f"Bearer {gateway.token}",
                "Content-Type": "application/json",
                "Content-Length": str(len(body)),
            }
        )
    )
    raw = tuple((k.encode(), v.encode()) for k, v in headers.items())
    message = RawRequestMessage(
        "POST", PATH, HttpVersion11, headers, raw, False, None, False, False, URL(PATH)
    )
    payload = StreamReader(protocol, 2**16, loop=loop)
    payload.feed_data(body)
    payload.feed_eof()
    return web.Request(message, payload, protocol, writer, None, loop)  # type: ignore[arg-type]


async def one(gateway: Gateway, body: bytes, loop: asyncio.AbstractEventLoop) -> int:
    request = _request(gateway, body, loop)
    response = await gateway.handler(request)
    if not response.prepared:
        await response.prepare(request)
    await response.write_eof()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {getattr(response, 'body', b'')!r}")
    return int(request.protocol.transport.written)  # type: ignore[union-attr]


def _body(stream: bool) -> bytes:
    body: dict[str, Any] = {
        "model": MODEL,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}],
        "max_tokens": 64,
    }
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return orjson.dumps(body)


async def warm(gateway: Gateway, body: bytes, loop: asyncio.AbstractEventLoop) -> None:
    """The first requests load what loads lazily (price tables, word lists, modules)."""
    for _ in range(200):
        await one(gateway, body, loop)
    gateway.parts.pipeline.usage.sink._queue.clear()
    gc.collect()


async def measure(gateway: Gateway, stream: bool, requests: int) -> float:
    """CPU µs per request over ``requests`` sequential requests (after a warm-up)."""
    loop = asyncio.get_running_loop()
    body = _body(stream)
    await warm(gateway, body, loop)
    started = time.process_time()
    for _ in range(requests):
        await one(gateway, body, loop)
    return (time.process_time() - started) / requests * 1e6


def writer_cost(gateway: Gateway) -> float:
    """CPU µs per usage record to write the queued records in the server's batches."""
    sink = gateway.parts.pipeline.usage.sink
    records = list(sink._queue)
    sink._queue.clear()
    if not records:
        return 0.0
    size = sink.options.batch_size
    write = gateway.parts.pipeline.usage.db.insert_usage
    started = time.process_time()
    for start in range(0, len(records), size):
        write(records[start : start + size])
    return (time.process_time() - started) / len(records) * 1e6


CONFIGS = {"features-off": OFF_SETTINGS, "full": FULL_SETTINGS}


async def run(
    requests: int, rounds: int, cases: list[str], configs: list[str]
) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="behest-cost-") as tmp:
        gateways = {name: await start_gateway(Path(tmp) / name, CONFIGS[name]) for name in configs}
        gc.freeze()  # as the server does once started (serving/app.py)
        for _ in range(rounds):
            for name, gateway in gateways.items():
                for case in cases:
                    us = await measure(gateway, case == "stream", requests)
                    results.setdefault(f"{name} {case}", []).append(us)
                    results.setdefault(f"{name} {case}: usage writer", []).append(
                        writer_cost(gateway)
                    )
        for gateway in gateways.values():
            await gateway.parts.pipeline.limiter.aclose()
            gateway.parts.pipeline.usage.db.close()
    return results


_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def instructions(config: str, case: str, requests: int) -> float:
    """Instructions per request: callgrind over N and 2N requests, the difference over N."""
    counts = []
    for n in (requests, 2 * requests):
        command = [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--requests",
            str(n),
            "--rounds",
            "1",
            "--cases",
            case,
            "--configs",
            config,
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        counts.append(int(_COLLECTED.findall(done.stderr)[-1]))
    return (counts[1] - counts[0]) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cases", default="plain,stream")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--instructions", action="store_true", help="count with valgrind")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = parser.parse_args()
    configs, cases = args.configs.split(","), args.cases.split(",")
    if args.instructions:
        print("| in process | instructions per request (thousands) |\n| --- | ---: |")
        for config in configs:
            for case in cases:
                count = instructions(config, case, args.requests)
                print(f"| {config} {case} | {count / 1000:,.0f} |", flush=True)
        return
    results = asyncio.run(run(args.requests, args.rounds, cases, configs))
    if args.json:
        print(json.dumps(results))
        return
    print("| in process | CPU µs per request (median of rounds) | rounds |")
    print("| --- | ---: | --- |")
    for name, values in results.items():
        rounded = ", ".join(f"{v:.0f}" for v in values)
        print(f"| {name} | {statistics.median(values):.1f} | {rounded} |")


if __name__ == "__main__":
    main()
