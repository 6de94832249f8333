"""OpenAI request parameters → Gemini ``generationConfig``, ``tools`` and ``toolConfig``.

Tool parameters are rewritten into Gemini's ``Schema`` subset (see ``schema``), which
every Gemini model accepts; a target with the quirk ``parameters_json_schema`` sends
the client's JSON Schema untouched as ``parametersJsonSchema`` instead. Structured
output (``json_schema``) goes as ``responseJsonSchema`` (full JSON Schema).

``reasoning_effort`` becomes ``thinkingConfig.thinkingBudget`` (none 0, minimal 512,
low 1024, medium 8192, high 24576), or ``thinkingLevel`` with the quirk
``thinking_level`` (Gemini 3). ``parallel_tool_calls`` has no Gemini equivalent: ``false``
is kept by answering with each candidate's first function call only (``response``,
``stream``). ``user`` is dropped; ``logit_bias`` and audio output are refused with a 400.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from behest.gateway.errors import InvalidRequest, UnsupportedFeature
from behest.gateway.providers.gemini.schema import has_properties, to_gemini_schema

JSON = dict[str, Any]

_MAX_STOP_SEQUENCES = 5
_THINKING_BUDGET = {"none": 0, "minimal": 512, "low": 1024, "medium": 8192, "high": 24576}
_THINKING_LEVEL = {
    "none": "MINIMAL",
    "minimal": "MINIMAL",
    "low": "LOW",
    "medium": "MEDIUM",
    "high": "HIGH",
}
_MODES = {"auto": "AUTO", "none": "NONE", "required": "ANY"}
_DIRECT: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "temperature": ("temperature", float),
    "top_p": ("topP", float),
    "top_k": ("topK", int),
    "seed": ("seed", int),
    "presence_penalty": ("presencePenalty", float),
    "frequency_penalty": ("frequencyPenalty", float),
}


def generation_config(body: JSON, quirks: frozenset[str]) -> JSON:
    _refuse_unsupported(body)
    config: JSON = {}
    for name, (key, cast) in _DIRECT.items():
        if body.get(name) is not None:
            config[key] = cast(body[name])
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    if limit is not None:
        config["maxOutputTokens"] = int(limit)
    if body.get("n") is not None and int(body["n"]) != 1:
        config["candidateCount"] = int(body["n"])
    stops = _stop_sequences(body.get("stop"))
    if stops:
        config["stopSequences"] = stops
    if body.get("logprobs"):
        config["responseLogprobs"] = True
        if body.get("top_logprobs") is not None:
            config["logprobs"] = int(body["top_logprobs"])
    config.update(_response_format(body.get("response_format")))
    thinking = _thinking(body.get("reasoning_effort"), quirks)
    if thinking:
        config["thinkingConfig"] = thinking
    return config


def _refuse_unsupported(body: JSON) -> None:
    if body.get("logit_bias"):
        raise UnsupportedFeature("Gemini does not support logit_bias.", param="logit_bias")
    if "audio" in (body.get("modalities") or []) or body.get("audio"):
        raise UnsupportedFeature("Audio output is not supported for Gemini.", param="modalities")


def _stop_sequences(stop: Any) -> list[str]:
    stops = [stop] if isinstance(stop, str) else [s for s in stop or [] if isinstance(s, str)]
    if len(stops) > _MAX_STOP_SEQUENCES:
        raise UnsupportedFeature("Gemini accepts at most 5 stop sequences.", param="stop")
    return stops


def _response_format(response_format: Any) -> JSON:
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "json_object":
        return {"responseMimeType": "application/json"}
    if kind == "json_schema":
        spec = response_format.get("json_schema") or {}
        schema = spec.get("schema") if isinstance(spec, dict) else None
        config: JSON = {"responseMimeType": "application/json"}
        if isinstance(schema, dict):
            config["responseJsonSchema"] = schema
        return config
    if kind not in (None, "text"):
        raise UnsupportedFeature(
            f"response_format {kind!r} is not supported.", param="response_format"
        )
    return {}


def _thinking(effort: Any, quirks: frozenset[str]) -> JSON:
    if not isinstance(effort, str):
        return {}
    if effort not in _THINKING_BUDGET:
        raise InvalidRequest(f"Unknown reasoning_effort {effort!r}.", param="reasoning_effort")
    if "thinking_level" in quirks:
        return {"thinkingLevel": _THINKING_LEVEL[effort]}
    return {"thinkingBudget": _THINKING_BUDGET[effort]}


def tool_fields(body: JSON, quirks: frozenset[str]) -> JSON:
    """``tools`` and ``toolConfig`` for the request (empty without tools)."""
    functions = _functions(body)
    if not functions:
        return {}
    calling = _calling_config(body.get("tool_choice", body.get("function_call")))
    allowed = calling.pop("_only", None)
    if allowed is not None:
        functions = [f for f in functions if f.get("name") in allowed]
    declarations = [_declaration(f, quirks) for f in functions]
    fields: JSON = {"tools": [{"functionDeclarations": declarations}]}
    if calling:
        fields["toolConfig"] = {"functionCallingConfig": calling}
    return fields


def _functions(body: JSON) -> list[JSON]:
    functions: list[JSON] = []
    for number, tool in enumerate(body.get("tools") or []):
        if not isinstance(tool, dict) or tool.get("type", "function") != "function":
            kind = tool.get("type") if isinstance(tool, dict) else None
            raise UnsupportedFeature(
                f"Tools of type {kind!r} are not supported by Gemini.", param=f"tools[{number}]"
            )
        functions.append(tool.get("function") or {})
    functions += [f for f in body.get("functions") or [] if isinstance(f, dict)]
    return functions


def _declaration(function: JSON, quirks: frozenset[str]) -> JSON:
    declaration: JSON = {
        "name": str(function.get("name") or ""),
        "description": str(function.get("description") or ""),
    }
    parameters = function.get("parameters")
    if "parameters_json_schema" in quirks and isinstance(parameters, dict):
        declaration["parametersJsonSchema"] = parameters
    elif has_properties(parameters):
        declaration["parameters"] = to_gemini_schema(parameters)
    return declaration


def _calling_config(choice: Any) -> JSON:
    if choice is None:
        return {}
    if isinstance(choice, str):
        if choice not in _MODES:
            raise InvalidRequest(f"Unknown tool_choice {choice!r}.", param="tool_choice")
        return {"mode": _MODES[choice]}
    if not isinstance(choice, dict):
        raise InvalidRequest("tool_choice must be a string or an object.", param="tool_choice")
    if choice.get("type") == "allowed_tools":
        allowed = choice.get("allowed_tools") or {}
        names = [t.get("function", {}).get("name") for t in allowed.get("tools") or []]
        return {"mode": _MODES.get(allowed.get("mode", "auto"), "AUTO"), "_only": set(names)}
    name = (choice.get("function") or {}).get("name") or choice.get("name")
    if not name:
        raise InvalidRequest("tool_choice names no function.", param="tool_choice")
    return {"mode": "ANY", "allowedFunctionNames": [str(name)]}
