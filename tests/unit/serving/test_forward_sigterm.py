"""With several workers, a SIGTERM to the parent reaches every live worker."""

from __future__ import annotations

import signal
from types import SimpleNamespace

import pytest

from behest.gateway.serving import serve


def test_sigterm_is_forwarded_to_live_workers_only(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(serve.os, "kill", lambda pid, signum: sent.append((pid, signum)))
    workers = [
        SimpleNamespace(pid=11, is_alive=lambda: True),
        SimpleNamespace(pid=12, is_alive=lambda: False),
        SimpleNamespace(pid=None, is_alive=lambda: False),
        SimpleNamespace(pid=13, is_alive=lambda: True),
    ]
    serve._forward(workers, signal.SIGTERM)  # type: ignore[arg-type]
    assert sent == [(11, signal.SIGTERM), (13, signal.SIGTERM)]
