"""The layout of docs/architecture.md holds: no upward import, and the table matches the tree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GATEWAY = REPO / "src" / "behest" / "gateway"
SDK = REPO / "src" / "behest" / "sdk"
ARCHITECTURE = REPO / "docs" / "architecture.md"


def _tree() -> set[str]:
    packages = {f"{p.name}/" for p in GATEWAY.iterdir() if (p / "__init__.py").is_file()}
    modules = {p.name for p in GATEWAY.glob("*.py") if p.name != "__init__.py"}
    return packages | modules


def _table() -> set[str]:
    text = ARCHITECTURE.read_text()
    section = text.split("## Where things live", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for row in section.splitlines():
        cells = re.split(r"(?<!\\)\|", row)
        if len(cells) > 3 and cells[1].strip().isdigit():
            names.update(re.findall(r"`([^`]+)`", cells[2]))
    return names


def test_every_package_of_the_gateway_is_in_the_architecture_table() -> None:
    assert _tree() - _table() == set(), "add these to docs/architecture.md 'Where things live'"


def test_the_architecture_table_names_only_what_exists() -> None:
    assert _table() - _tree() == set()


def test_no_layer_imports_a_layer_above_it() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _sdk_row() -> set[str]:
    section = ARCHITECTURE.read_text().split("## Where things live", 1)[1]
    row = next(line for line in section.splitlines() if "`behest/sdk/`" in line)
    return set(re.findall(r"`([a-z_]+)`", row))


def test_the_sdk_row_names_every_module_of_the_sdk() -> None:
    modules = {p.stem for p in SDK.glob("*.py") if p.name != "__init__.py"}
    assert modules - _sdk_row() == set(), "name these in docs/architecture.md's SDK row"
