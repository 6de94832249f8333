"""OpenAI ``tools`` / ``tool_choice`` / ``parallel_tool_calls`` → Anthropic tools."""

from __future__ import annotations

import re
from typing import Any

from behest.gateway.errors import InvalidRequest, UnsupportedFeature
from behest.gateway.providers.base import JSON

JSON_TOOL = "json_response"  # the forced tool of the json_schema fallback (quirk)
_SCHEMA_DROPPED = ("$schema", "$id")
_CHOICES = {"auto": "auto", "required": "any", "none": "none"}
_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")


def translate_tools(tools: list[Any]) -> list[JSON]:
    return [_tool(tool, f"tools[{index}]") for index, tool in enumerate(tools)]


def _tool(tool: Any, param: str) -> JSON:
    if not isinstance(tool, dict) or tool.get("type", "function") != "function":
        kind = tool.get("type") if isinstance(tool, dict) else None
        raise UnsupportedFeature(f"Tool type {kind!r} is not supported.", param=param)
    function = tool.get("function") or {}
    name = function.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidRequest("Tool names must match ^[a-zA-Z0-9_-]{1,128}$.", param=param)
    result: JSON = {"name": name, "input_schema": input_schema(function.get("parameters"))}
    if function.get("description"):
        result["description"] = function["description"]
    if function.get("strict") is not None:
        result["strict"] = bool(function["strict"])
    return result


def input_schema(parameters: Any) -> JSON:
    """Anthropic wants an object schema and rejects ``$schema``/``$id`` at the top."""
    if not isinstance(parameters, dict) or not parameters:
        return {"type": "object", "properties": {}}
    schema = {key: value for key, value in parameters.items() if key not in _SCHEMA_DROPPED}
    schema.setdefault("type", "object")
    return schema


def tool_choice(choice: Any, no_parallel: bool) -> JSON | None:
    if choice is None:
        return {"type": "auto", "disable_parallel_tool_use": True} if no_parallel else None
    if isinstance(choice, str) and choice in _CHOICES:
        result: JSON = {"type": _CHOICES[choice]}
    elif isinstance(choice, dict) and choice.get("type") == "function":
        name = (choice.get("function") or {}).get("name")
        if not isinstance(name, str):
            raise InvalidRequest("tool_choice.function.name is required.", param="tool_choice")
        result = {"type": "tool", "name": name}
    else:
        raise UnsupportedFeature("This tool_choice is not supported.", param="tool_choice")
    if no_parallel and result["type"] != "none":
        result["disable_parallel_tool_use"] = True
    return result


def json_tool(json_schema: JSON) -> JSON:
    tool: JSON = {"name": JSON_TOOL, "input_schema": input_schema(json_schema.get("schema"))}
    tool["description"] = str(
        json_schema.get("description") or "Give the final answer as this tool's input."
    )
    return tool
