"""Request bodies → Call. Reads what the gateway acts on; never validates the whole schema."""

from __future__ import annotations

import itertools
import secrets
from typing import Any

import orjson

from behest.gateway.errors import InvalidRequest
from behest.gateway.request.call import Call, Operation

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


_PROCESS = secrets.token_hex(6)  # unique per process; a counter makes ids unique within it
_COUNTER = itertools.count(1)


def new_request_id() -> str:
    return f"req_{_PROCESS}{next(_COUNTER):010x}"


DEFAULT_MODERATION_MODEL = "omni-moderation-latest"
MISSING_MODEL = "you must provide a model parameter"


def load_object(raw: bytes) -> dict[str, Any]:
    if not raw:
        raise InvalidRequest("The request body is empty; send a JSON object.")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}.") from exc
    if not isinstance(data, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    return data


def parse_call(operation: Operation, raw: bytes, request_id: str) -> Call:
    body = load_object(raw)
    if operation == "moderations" and "model" not in body:
        body["model"] = DEFAULT_MODERATION_MODEL  # as OpenAI: the model is optional there
    model = body.get("model")
    if model is None and operation == "chat":
        model = ""  # the project's default model serves it, if it has one (stages/route)
    elif not isinstance(model, str) or not model:
        raise InvalidRequest(MISSING_MODEL, param="model")
    if operation == "chat":
        _check_messages(body.get("messages"))
    elif operation == "embeddings" and not _is_input(body.get("input")):
        raise InvalidRequest(
            "'input' must be a string or an array of strings or tokens.", param="input"
        )
    elif operation == "moderations" and not _is_moderation_input(body.get("input")):
        raise InvalidRequest(
            "'input' must be a string, an array of strings or content parts.", param="input"
        )
    stream = _bool(body, "stream") if operation == "chat" else False
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise InvalidRequest("'stream_options' must be an object.", param="stream_options")
    include_usage = bool(stream and options and options.get("include_usage") is True)
    return Call(operation, model, body, stream, include_usage, request_id, len(raw))


def _bool(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidRequest(f"'{name}' must be a boolean.", param=name)
    return value


def _check_messages(messages: Any) -> None:
    if not isinstance(messages, list) or not messages:
        raise InvalidRequest("'messages' must be a non-empty array.", param="messages")
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            param = f"messages[{index}]"
            raise InvalidRequest(f"'{param}' must be an object.", param=param)
        role = message.get("role")
        if not isinstance(role, str) or role not in _ROLES:  # a list or object is unhashable
            param = f"messages[{index}].role"
            raise InvalidRequest(
                f"'{param}' must be one of {', '.join(sorted(_ROLES))}.", param=param
            )
        content = message.get("content")
        if content is not None and not isinstance(content, str | list):
            param = f"messages[{index}].content"
            raise InvalidRequest(
                f"'{param}' must be a string or an array of content parts.", param=param
            )


def _is_input(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, str | int | list) for item in value)
    )


def _is_moderation_input(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(i, str | dict) for i in value)
