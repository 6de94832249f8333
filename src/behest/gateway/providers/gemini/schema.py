"""JSON Schema (as OpenAI tools carry it) → Gemini's ``Schema``, an OpenAPI 3.0 subset.

Gemini answers 400 "Unknown name …" for keywords outside its subset, so tool
parameters are rewritten rather than forwarded:

- ``$ref`` into ``$defs``/``definitions`` is inlined (recursion cut at a fixed depth);
- ``allOf`` is merged; ``oneOf``/``anyOf`` become ``anyOf``;
- ``type: [X, "null"]`` and ``anyOf [..., {type: null}]`` become ``nullable: true``;
  other type lists become ``anyOf``;
- ``const`` becomes a one-value ``enum``; enums of non-strings are dropped (Gemini
  enums are strings only);
- ``additionalProperties``, ``$schema``, ``$id``, ``default``, ``title``, ``examples``,
  ``exclusiveMinimum``… and every other unknown keyword are dropped;
- ``format`` survives only where Gemini supports it.
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]

_MAX_DEPTH = 12
_SCALAR_KEYS = (
    "description",
    "pattern",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "minProperties",
    "maxProperties",
    "propertyOrdering",
)
_FORMATS = {
    "STRING": {"enum", "date-time"},
    "NUMBER": {"float", "double"},
    "INTEGER": {"int32", "int64"},
}


def to_gemini_schema(schema: Any) -> JSON:
    """The Gemini ``Schema`` for a JSON Schema; never raises on odd input."""
    if not isinstance(schema, dict):
        return {}
    defs = {**_as_dict(schema.get("definitions")), **_as_dict(schema.get("$defs"))}
    return _convert(schema, defs, 0)


def has_properties(schema: Any) -> bool:
    return isinstance(schema, dict) and bool(_as_dict(schema.get("properties")))


def _as_dict(value: Any) -> JSON:
    return value if isinstance(value, dict) else {}


def _convert(node: JSON, defs: JSON, depth: int) -> JSON:
    if depth > _MAX_DEPTH:
        return {"type": "OBJECT"}
    node = _resolve(node, defs)
    if isinstance(node.get("allOf"), list):
        node = _merge_all_of(node, defs)
    alternatives = node.get("anyOf") or node.get("oneOf")
    if isinstance(alternatives, list):
        return _convert_union(node, alternatives, defs, depth)
    types = node.get("type")
    if isinstance(types, list):
        return _convert_type_list(node, types, defs, depth)
    return _convert_plain(node, defs, depth)


def _resolve(node: JSON, defs: JSON) -> JSON:
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    target = defs.get(ref.rsplit("/", 1)[-1])
    merged = dict(target) if isinstance(target, dict) else {}
    merged.update({key: value for key, value in node.items() if key != "$ref"})
    return merged


def _merge_all_of(node: JSON, defs: JSON) -> JSON:
    merged: JSON = {key: value for key, value in node.items() if key != "allOf"}
    properties = dict(_as_dict(merged.get("properties")))
    required = list(merged.get("required") or [])
    for item in node["allOf"]:
        if not isinstance(item, dict):
            continue
        part = _resolve(item, defs)
        properties.update(_as_dict(part.get("properties")))
        required += [name for name in part.get("required") or [] if name not in required]
        for key, value in part.items():
            merged.setdefault(key, value)
    if properties:
        merged["properties"] = properties
        merged.setdefault("type", "object")
    if required:
        merged["required"] = required
    return merged


def _convert_union(node: JSON, alternatives: list[Any], defs: JSON, depth: int) -> JSON:
    options = [item for item in alternatives if isinstance(item, dict)]
    nullable = any(item.get("type") == "null" for item in options)
    options = [item for item in options if item.get("type") != "null"]
    rest = {key: value for key, value in node.items() if key not in ("anyOf", "oneOf")}
    if len(options) == 1:
        out = _convert({**rest, **options[0]}, defs, depth + 1)
    else:
        out = _copy_scalars(rest)
        out["anyOf"] = [_convert(item, defs, depth + 1) for item in options]
    if nullable:
        out["nullable"] = True
    return out


def _convert_type_list(node: JSON, types: list[Any], defs: JSON, depth: int) -> JSON:
    names = [name for name in types if isinstance(name, str) and name != "null"]
    nullable = "null" in types
    if len(names) <= 1:
        out = _convert_plain({**node, "type": names[0] if names else "null"}, defs, depth)
    else:
        out = _copy_scalars(node)
        out["anyOf"] = [_convert_plain({**node, "type": name}, defs, depth) for name in names]
    if nullable:
        out["nullable"] = True
    return out


def _convert_plain(node: JSON, defs: JSON, depth: int) -> JSON:
    out = _copy_scalars(node)
    kind = node.get("type")
    if isinstance(kind, str):
        out["type"] = kind.upper()
    _copy_enum(node, out)
    if node.get("format") in _FORMATS.get(str(out.get("type")), ()):
        out["format"] = node["format"]
    if node.get("nullable") is True:
        out["nullable"] = True
    properties = _as_dict(node.get("properties"))
    if properties:
        out["properties"] = {
            str(name): _convert(_as_dict(value), defs, depth + 1)
            for name, value in properties.items()
        }
        out.setdefault("type", "OBJECT")
        required = [name for name in node.get("required") or [] if name in properties]
        if required:
            out["required"] = required
    if isinstance(node.get("items"), dict):
        out["items"] = _convert(node["items"], defs, depth + 1)
        out.setdefault("type", "ARRAY")
    return out


def _copy_scalars(node: JSON) -> JSON:
    return {key: node[key] for key in _SCALAR_KEYS if key in node}


def _copy_enum(node: JSON, out: JSON) -> None:
    if "const" in node and isinstance(node["const"], str):
        out["enum"] = [node["const"]]
        out.setdefault("type", "STRING")
    values = node.get("enum")
    if isinstance(values, list) and values and all(isinstance(value, str) for value in values):
        out["enum"] = list(values)
        out.setdefault("type", "STRING")
