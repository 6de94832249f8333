"""The header read timeout (slow-loris bound) comes from BEHEST_HEADER_TIMEOUT_S."""

from __future__ import annotations

import pytest

from behest.gateway.runtime.settings import Settings


def test_header_timeout_defaults_to_75_s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BEHEST_HEADER_TIMEOUT_S", raising=False)
    assert Settings.from_env().header_timeout_s == 75.0


def test_header_timeout_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEHEST_HEADER_TIMEOUT_S", "3")
    assert Settings.from_env().header_timeout_s == 3.0
