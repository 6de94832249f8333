"""Several processes sharing one Redis admit exactly the limit of every layer."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.redis, pytest.mark.slow]

REDIS_URL = os.environ.get("BEHEST_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WORKER = Path(__file__).with_name("limits_hammer.py")
PROCESSES = 4
EXPECTED = {
    "project rpm": 137,
    "project tpm": 100,
    "user rpm": 61,
    "ip rpm": 45,
    "credential rpm": 77,
    "user daily tokens": 100,
    "project monthly cost": 100,
    "concurrency": 23,
}


def test_processes_sharing_redis_admit_exactly_the_limit(prefix: str) -> None:
    command = [sys.executable, str(WORKER), REDIS_URL, prefix, str(PROCESSES)]
    workers = [subprocess.Popen(command, stdout=subprocess.PIPE) for _ in range(PROCESSES)]
    results = []
    for worker in workers:
        out, _ = worker.communicate(timeout=60)
        assert worker.returncode == 0
        results.append(json.loads(out))
    totals = {name: sum(result[name] for result in results) for name in EXPECTED}
    assert totals == EXPECTED
    # With the server's clock the bucket refills during the run: 90 per minute.
    window = max(r["ended"] for r in results) - min(r["started"] for r in results)
    admitted = sum(result["server clock rpm"] for result in results)
    assert 90 <= admitted <= 90 + math.ceil(90 * window / 60)
