"""The SDK's unit tests run against a fake gateway on an in-memory transport."""

from __future__ import annotations

import pytest
from fake_gateway import FakeClock, FakeGateway


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
