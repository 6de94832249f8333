"""The documentation site builds in strict mode, its OpenAPI page is current, and every
sample marked runnable runs against a real gateway.

Convention: a fenced block right after a line ``<!-- run -->`` is runnable. ``bash`` runs
with bash (``set -euo pipefail``; curl and jq), ``python`` with this interpreter (the
``openai`` package installed), ``js``/``ts`` with Node (``ts`` transpiled by the pinned
typescript; ``@behest/client-ts`` importable; ``fetch("/api/token")`` answered with a
token minted for ``docs-user``, as the app's token route would). Every sample gets
``BEHEST_BASE_URL``, ``BEHEST_KEY``, ``BEHEST_ADMIN_TOKEN`` and ``BEHEST_PROJECT_ID``, and
the gateway address ``http://127.0.0.1:8080`` written in a sample is replaced with the
test stack's.
Everything read is inside the repository.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/: shared helpers
from stack_process import REPO, RunningStack, node_env, running_stack

DOCS = REPO / "docs"
NODE_ENV = Path(__file__).resolve().parent / "node"
MARKER = "<!-- run -->"
LANGUAGES = {"bash": ".sh", "python": ".py", "js": ".js", "ts": ".ts"}
DOCUMENTED_GATEWAY = "http://127.0.0.1:8080"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)


@dataclass(frozen=True)
class Sample:
    page: str
    line: int
    language: str
    code: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}:{self.language}"


def extract(page: Path) -> list[Sample]:
    text = page.read_text()
    samples = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if before.strip() != MARKER:
            continue
        line = text.count("\n", 0, match.start()) + 1
        samples.append(Sample(str(page.relative_to(DOCS)), line, match.group(1), match.group(2)))
    return samples


SAMPLES = [sample for page in sorted(DOCS.rglob("*.md")) for sample in extract(page)]


def test_every_runnable_marker_is_followed_by_a_sample_in_a_known_language() -> None:
    markers = sum(
        line.strip() == MARKER
        for page in DOCS.rglob("*.md")
        for line in page.read_text().splitlines()
    )
    assert markers == len(SAMPLES), "a <!-- run --> line is not right before a fenced block"
    assert {s.language for s in SAMPLES} <= set(LANGUAGES), {s.language for s in SAMPLES}
    assert len(SAMPLES) >= 10


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="pip install -e '.[docs]'")
def test_the_site_builds_in_strict_mode(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        check=False, cwd=REPO, capture_output=True, text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    for page in ["quickstart", "guides/nextjs", "reference/openapi", "api/errors"]:
        assert (tmp_path / "site" / page / "index.html").exists(), page
    assert (tmp_path / "site" / "openapi.json").exists()


def test_the_openapi_page_is_generated_from_the_current_document() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_openapi_docs.py"), "--check"],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def stack() -> Iterator[RunningStack]:
    with running_stack() as running:
        yield running


@pytest.fixture(scope="module")
def node_samples_env() -> Path:
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("node and npm are missing")
    for cwd, args in [
        (REPO / "sdks" / "typescript", [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"]),
        (REPO / "sdks" / "typescript", [npm, "run", "build"]),
        (NODE_ENV, [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"]),
    ]:
        done = subprocess.run(
            args, check=False, cwd=cwd, env=node_env(), capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
    return NODE_ENV


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_the_sample_runs_against_a_gateway(
    sample: Sample, stack: RunningStack, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    code = sample.code.replace(DOCUMENTED_GATEWAY, stack.gateway_url)
    source = tmp_path / f"sample{LANGUAGES[sample.language]}"
    source.write_text(code)
    env = {
        **os.environ,
        "BEHEST_BASE_URL": stack.gateway_url,
        "BEHEST_KEY": stack.api_key,
        "BEHEST_ADMIN_TOKEN": str(stack.info["admin_token"]),
        "BEHEST_PROJECT_ID": str(stack.info["project_id"]),
    }
    if sample.language == "bash":
        if not (shutil.which("curl") and shutil.which("jq")):
            pytest.skip("curl and jq are needed for the shell samples")
        args = ["bash", "-euo", "pipefail", str(source)]
    elif sample.language == "python":
        args = [sys.executable, str(source)]
    else:
        node_dir: Path = request.getfixturevalue("node_samples_env")
        (tmp_path / "node_modules").symlink_to(node_dir / "node_modules")
        args = ["node", "--import", str(node_dir / "prelude.mjs"),
                str(node_dir / "run-sample.mjs"), str(source)]  # fmt: skip
        env = node_env(**{k: env[k] for k in ("BEHEST_BASE_URL", "BEHEST_KEY")})
    done = subprocess.run(
        args, check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"{sample.id} failed:\n{done.stdout}\n{done.stderr}"
    assert done.stdout.strip(), f"{sample.id} printed nothing"
    assert stack.api_key not in done.stdout
