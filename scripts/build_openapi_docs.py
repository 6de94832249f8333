"""Writes docs/openapi.json and docs/reference/openapi.md from the gateway's OpenAPI document.

The document comes from ``behest.gateway.edge.openapi.document()``, the same bytes a running
gateway serves at ``/openapi.json``, so no server is needed. The page is a static table of
operations per tag (no JavaScript, nothing fetched when it is read). ``--check`` exits 1
when the committed files differ from what would be written (tests/docs runs it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from behest.gateway.edge.openapi import document

DOCS = Path(__file__).resolve().parent.parent / "docs"
METHODS = ("get", "post", "put", "patch", "delete")
SECURITY = {"AccessToken": "token", "ApiKey": "API key", "AdminToken": "admin token"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(spec: dict[str, Any]) -> str:
    by_tag: dict[str, list[str]] = {}
    for path, operations in spec["paths"].items():
        for method in METHODS:
            op = operations.get(method)
            if op is None:
                continue
            auth = ", ".join(
                SECURITY.get(name, name) for item in op.get("security", []) for name in item
            )
            summary = _cell(op.get("summary", ""))
            row = f"| `{method.upper()}` | `{path}` | {summary} | {auth or 'none'} |"
            by_tag.setdefault(op.get("tags", ["other"])[0], []).append(row)
    lines = [
        "# OpenAPI",
        "",
        f"behest {spec['info']['version']} describes every public route in OpenAPI "
        f"{spec['openapi']}: [openapi.json](../openapi.json) (the same document a running "
        "gateway serves at `/openapi.json`). This page is generated from it by "
        "`scripts/build_openapi_docs.py`; do not edit it by hand.",
        "",
    ]
    for tag, rows in by_tag.items():
        lines += [f"## {tag}", "", "| method | path | summary | credential |",
                  "| --- | --- | --- | --- |", *rows, ""]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    spec = json.loads(document())
    outputs = {
        DOCS / "openapi.json": json.dumps(spec, indent=2, sort_keys=False) + "\n",
        DOCS / "reference" / "openapi.md": render(spec),
    }
    stale = [p for p, text in outputs.items() if not p.exists() or p.read_text() != text]
    if args.check:
        for path in stale:
            print(f"{path} is out of date: run scripts/build_openapi_docs.py", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
