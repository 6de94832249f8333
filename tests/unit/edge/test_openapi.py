"""The OpenAPI document describes every route the server registers, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import orjson

from behest.gateway.edge import openapi
from behest.gateway.runtime.bootstrap import open_foundation
from behest.gateway.runtime.settings import Settings
from behest.gateway.serving.app import build_app


def _registered(tmp_path: Path) -> set[tuple[str, str]]:
    foundation = open_foundation(Settings(data_dir=tmp_path, admin_token="t"))
    app = build_app(foundation)
    routes = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        # the dashboard's HTML pages and static files are not part of the API
        if route.method in ("HEAD", "OPTIONS") or not path or path.startswith("/dashboard"):
            continue
        routes.add((route.method.lower(), re.sub(r"\{(\w+)(:[^}]*)?\}", r"{\1}", path)))
    foundation.db.close()
    return routes


def test_every_registered_route_is_described(tmp_path: Path) -> None:
    spec = orjson.loads(openapi.document())
    described = {(method, path) for path, ops in spec["paths"].items() for method in ops}
    assert _registered(tmp_path) == described


def test_document_is_openapi_3_1_with_resolvable_refs() -> None:
    spec = orjson.loads(openapi.document())
    assert spec["openapi"] == "3.1.0"
    text = openapi.document().decode()
    for ref in set(re.findall(r'"\$ref":"#/components/(\w+)/(\w+)"', text)):
        assert ref[1] in spec["components"][ref[0]], ref


def test_component_schemas_are_valid_json_schema_2020_12() -> None:
    spec = orjson.loads(openapi.document())
    for schema in spec["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
