"""The mock Gemini API's request checks: unknown fields, enums, the rules the API enforces."""

from __future__ import annotations

import re
from typing import Any

JSON = dict[str, Any]
_ANY = "*"
# fmt: off
_FIELDS: dict[str, dict[str, str]] = {
    "GenerateContentRequest": {
        "contents": "Content", "systemInstruction": "Content", "tools": "Tool",
        "toolConfig": "ToolConfig", "generationConfig": "GenerationConfig",
        "safetySettings": "SafetySetting", "cachedContent": "", "model": "", "serviceTier": "",
        "store": "",
    },
    "Content": {"parts": "Part", "role": ""},
    "Part": {
        "text": "", "inlineData": "Blob", "fileData": "FileData", "functionCall": "FunctionCall",
        "functionResponse": "FunctionResponse", "thought": "", "thoughtSignature": "",
        "executableCode": _ANY, "codeExecutionResult": _ANY, "videoMetadata": _ANY,
        "partMetadata": _ANY, "mediaResolution": _ANY,
    },
    "Blob": {"mimeType": "", "data": ""},
    "FileData": {"mimeType": "", "fileUri": ""},
    "FunctionCall": {"id": "", "name": "", "args": _ANY},
    "FunctionResponse": {
        "id": "", "name": "", "response": _ANY, "parts": _ANY, "willContinue": "", "scheduling": "",
    },
    "Tool": {
        "functionDeclarations": "FunctionDeclaration", "googleSearch": _ANY, "codeExecution": _ANY,
        "urlContext": _ANY, "googleSearchRetrieval": _ANY, "fileSearch": _ANY, "googleMaps": _ANY,
        "computerUse": _ANY, "mcpServers": _ANY,
    },
    "FunctionDeclaration": {
        "name": "", "description": "", "parameters": "Schema", "parametersJsonSchema": _ANY,
        "response": "Schema", "responseJsonSchema": _ANY, "behavior": "",
    },
    "Schema": {
        "type": "", "format": "", "title": "", "description": "", "nullable": "", "enum": "",
        "maxItems": "", "minItems": "", "properties": "map:Schema", "required": "",
        "minProperties": "", "maxProperties": "", "minLength": "", "maxLength": "", "pattern": "",
        "example": _ANY, "anyOf": "Schema", "propertyOrdering": "", "default": _ANY,
        "items": "Schema", "minimum": "", "maximum": "",
    },
    "ToolConfig": {
        "functionCallingConfig": "FunctionCallingConfig", "retrievalConfig": _ANY,
        "includeServerSideToolInvocations": "",
    },
    "FunctionCallingConfig": {"mode": "", "allowedFunctionNames": ""},
    "GenerationConfig": {
        "stopSequences": "", "responseMimeType": "", "responseSchema": "Schema",
        "responseJsonSchema": _ANY, "_responseJsonSchema": _ANY, "responseModalities": "",
        "candidateCount": "", "maxOutputTokens": "", "temperature": "", "topP": "", "topK": "",
        "seed": "", "presencePenalty": "", "frequencyPenalty": "", "responseLogprobs": "",
        "logprobs": "", "enableEnhancedCivicAnswers": "", "speechConfig": _ANY,
        "thinkingConfig": "ThinkingConfig", "imageConfig": _ANY, "mediaResolution": "",
        "responseFormat": _ANY, "translationConfig": _ANY, "enableAffectiveDialog": "",
    },
    "ThinkingConfig": {"includeThoughts": "", "thinkingBudget": "", "thinkingLevel": ""},
    "SafetySetting": {"category": "", "threshold": ""},
    "EmbedContentRequest": {
        "model": "", "content": "Content", "taskType": "", "title": "", "outputDimensionality": "",
        "embedContentConfig": _ANY,
    },
    "BatchEmbedContentsRequest": {"requests": "EmbedContentRequest"},
}
_TYPES = ("STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL")
_ENUMS = {
    ("Content", "role"): {"user", "model"},
    ("FunctionCallingConfig", "mode"): {"MODE_UNSPECIFIED", "AUTO", "ANY", "NONE", "VALIDATED"},
    ("ThinkingConfig", "thinkingLevel"): {"MINIMAL", "LOW", "MEDIUM", "HIGH"},
    ("Schema", "type"): {*_TYPES, *(name.lower() for name in _TYPES)},
}
_GRPC = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
         404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
         504: "DEADLINE_EXCEEDED"}
# fmt: on


class ApiError(Exception):
    def __init__(self, code: int, message: str, details: list[JSON] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details

    def body(self) -> JSON:
        error: JSON = {
            "code": self.code,
            "message": self.message,
            "status": _GRPC.get(self.code, "UNKNOWN"),
        }
        if self.details:
            error["details"] = self.details
        return {"error": error}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def validate(node: Any, kind: str, path: str) -> None:
    """Raises ``ApiError(400)`` the way the API does for unknown fields and bad enums."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            validate(item, kind, f"{path}[{index}]")
        return
    if not isinstance(node, dict):
        raise ApiError(400, f"Invalid value at '{path}': expected a message.")
    fields = _FIELDS[kind]
    for key, value in node.items():
        name = key if key in fields else _camel(key)
        if name not in fields:
            where = f" at '{path}'" if path else ""
            raise ApiError(
                400,
                f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find field.',
            )
        allowed = _ENUMS.get((kind, name))
        if allowed is not None and value not in allowed:
            raise ApiError(400, f"Invalid value at '{_join(path, key)}' ({value!r}).")
        child = fields[name]
        if child.startswith("map:") and isinstance(value, dict):
            for prop, schema in value.items():
                validate(schema, child[4:], f"{_join(path, key)}[{prop!r}]")
        elif child and child != _ANY:
            validate(value, child, _join(path, key))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def get(node: Any, name: str, default: Any = None) -> Any:
    if not isinstance(node, dict):
        return default
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    return node.get(name, node.get(snake, default))


def check_semantics(body: JSON, model: str) -> None:
    contents = get(body, "contents") or []
    if not contents:
        raise ApiError(400, "* GenerateContentRequest.contents: contents is not specified")
    for index, content in enumerate(contents):
        if not get(content, "parts"):
            raise ApiError(
                400,
                f"* GenerateContentRequest.contents[{index}].parts: "
                "contents.parts must not be empty.",
            )
        if model.startswith("gemini-3") and get(content, "role") == "model":
            _check_signature(get(content, "parts"))
    for tool in get(body, "tools") or []:
        for declaration in get(tool, "functionDeclarations") or []:
            _check_declaration(declaration)
    config = get(body, "generationConfig") or {}
    schema = get(config, "responseSchema") or get(config, "responseJsonSchema")
    if schema is not None and get(config, "responseMimeType") != "application/json":
        raise ApiError(
            400, "responseMimeType must be application/json when a response schema is set."
        )
    if len(get(config, "stopSequences") or []) > 5 or int(get(config, "candidateCount", 1)) > 8:
        raise ApiError(
            400, "* GenerationConfig: at most 5 stopSequences and 8 candidates are allowed."
        )


def _check_signature(parts: list[JSON]) -> None:
    calls = [part for part in parts if get(part, "functionCall")]
    if calls and not get(calls[0], "thoughtSignature"):
        raise ApiError(
            400,
            "Function call is missing a thought_signature in functionCall parts. "
            "This is required for tools to work correctly.",
        )


def _check_declaration(declaration: JSON) -> None:
    if not get(declaration, "name"):
        raise ApiError(
            400, "* GenerateContentRequest.tools.function_declarations.name: Name cannot be empty."
        )
    parameters = get(declaration, "parameters")
    if parameters is not None and get(declaration, "parametersJsonSchema") is not None:
        raise ApiError(400, "parameters and parameters_json_schema are mutually exclusive.")
    if (
        isinstance(parameters, dict)
        and str(parameters.get("type", "")).upper() == "OBJECT"
        and not parameters.get("properties")
    ):
        raise ApiError(
            400,
            "* GenerateContentRequest.tools.function_declarations.parameters.properties: "
            "should be non-empty for OBJECT type",
        )
