"""Regression floor on the dev split (quality, never timing). Floors sit a little under the
measured numbers recorded in docs/guardrails.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ADAPTERS = Path(__file__).resolve().parents[3] / "src/behest/gateway/guard/eval_adapters.py"


def run(shared: Path, task: str, name: str, tmp_path: Path) -> dict[str, object]:
    out = tmp_path / f"{task}.json"
    cmd = [sys.executable, str(shared / "evaldata/eval_guard.py"), "--task", task, "--split", "dev",
           "--callable", f"{ADAPTERS}:{name}", "--out", str(out)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    return dict(json.loads(out.read_text()))


def metrics(result: dict[str, object]) -> dict[str, float]:
    found = result.get("metrics", result)
    assert isinstance(found, dict)
    return found


@pytest.mark.shared
def test_pii_floor(shared_dir: Path, tmp_path: Path) -> None:
    m = metrics(run(shared_dir, "pii", "pii", tmp_path))
    any_label = m["redaction_overlap_any_label"]
    assert any_label["precision"] >= 0.98 and any_label["recall"] >= 0.88
    for entity in ("CREDIT_CARD", "US_SSN", "IBAN_CODE", "URL", "PHONE_NUMBER", "IP_ADDRESS"):
        assert m["per_entity"][entity]["f1"] >= 0.97


@pytest.mark.shared
def test_secrets_and_injection_floor(shared_dir: Path, tmp_path: Path) -> None:
    assert metrics(run(shared_dir, "secrets", "secrets", tmp_path))["f1"] >= 0.90
    injection = metrics(run(shared_dir, "injection", "injection", tmp_path))
    assert injection["balanced_accuracy"] >= 0.91 and injection["fpr"] <= 0.015
    assert injection["recall"] >= 0.83
