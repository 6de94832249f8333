"""OpenAI ``messages`` → Gemini ``contents`` + ``systemInstruction``.

- ``system``/``developer`` messages, wherever they stand, become ``systemInstruction``
  parts in their original order (Gemini has no mid-conversation system turn).
- ``user`` → role ``user``; ``assistant`` → role ``model``; messages with no parts are
  skipped (Gemini rejects empty ``parts``).
- Images: a data URL becomes ``inlineData``; an http(s) URL becomes ``fileData`` with
  ``fileUri`` and a MIME type guessed from the file extension (``image/jpeg`` when
  unknown). The adapter does no I/O, so URLs are never fetched and inlined.
- Assistant ``tool_calls`` become ``functionCall`` parts (arguments parsed to an object;
  ``""`` gives ``{}``), with the Gemini id and ``thoughtSignature`` recovered from the
  tool-call id (see ``ids``).
- ``tool`` messages become ``functionResponse`` parts named after the earlier call with
  that id; consecutive results share one ``user`` turn.
"""

from __future__ import annotations

from typing import Any

import orjson

from behest.gateway.errors import InvalidRequest, UnsupportedFeature
from behest.gateway.providers.gemini.ids import decode_call_id, signature_of

JSON = dict[str, Any]

_MIME_BY_SUFFIX = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
    "heif": "image/heif",
    "pdf": "application/pdf",
}


def build_contents(messages: list[Any]) -> tuple[list[JSON], JSON | None]:
    """(contents, systemInstruction or None)."""
    system: list[JSON] = []
    contents: list[JSON] = []
    names: dict[str, str] = {}
    for position, message in enumerate(messages):
        if not isinstance(message, dict):
            raise InvalidRequest("Each message must be an object.", param=f"messages[{position}]")
        role = message.get("role")
        if role in ("system", "developer"):
            system += _text_parts(message.get("content"), position)
        elif role == "user":
            _append(contents, "user", _user_parts(message.get("content"), position))
        elif role == "assistant":
            _append(contents, "model", _model_parts(message, names, position))
        elif role in ("tool", "function"):
            _append_result(contents, _function_response(message, names, position))
        else:
            raise InvalidRequest(
                f"Unknown message role {role!r}.", param=f"messages[{position}].role"
            )
    if not contents and system:
        return [{"role": "user", "parts": system}], None
    return contents, {"parts": system} if system else None


def _append(contents: list[JSON], role: str, parts: list[JSON]) -> None:
    if parts:
        contents.append({"role": role, "parts": parts})


def _append_result(contents: list[JSON], part: JSON) -> None:
    last = contents[-1] if contents else None
    if last and last["role"] == "user" and all("functionResponse" in p for p in last["parts"]):
        last["parts"].append(part)
    else:
        contents.append({"role": "user", "parts": [part]})


def _text_parts(content: Any, position: int) -> list[JSON]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}] if content else []
    if not isinstance(content, list):
        raise InvalidRequest(
            "Message content must be a string or a list.", param=f"messages[{position}]"
        )
    texts = [part.get("text") or part.get("refusal") for part in content if isinstance(part, dict)]
    return [{"text": text} for text in texts if isinstance(text, str) and text]


def _user_parts(content: Any, position: int) -> list[JSON]:
    if not isinstance(content, list):
        return _text_parts(content, position)
    parts: list[JSON] = []
    for number, part in enumerate(content):
        converted = _content_part(part, f"messages[{position}].content[{number}]")
        if converted is not None:
            parts.append(converted)
    return parts


def _content_part(part: Any, param: str) -> JSON | None:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind == "text":
        text = part.get("text")
        return {"text": text} if isinstance(text, str) and text else None
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        return _media_part(str(url or ""), param)
    if kind == "input_audio":
        audio = part.get("input_audio") or {}
        return {
            "inlineData": {
                "mimeType": f"audio/{audio.get('format', 'wav')}",
                "data": audio.get("data", ""),
            }
        }
    if kind == "file" and isinstance(part.get("file"), dict) and part["file"].get("file_data"):
        return _media_part(str(part["file"]["file_data"]), param)
    raise UnsupportedFeature(
        f"Content parts of type {kind!r} are not supported by Gemini.", param=param
    )


def _media_part(url: str, param: str) -> JSON:
    if url.startswith("data:"):
        header, _, data = url[5:].partition(",")
        mime, _, encoding = header.partition(";")
        if encoding != "base64" or not data:
            raise InvalidRequest("Data URLs must be base64-encoded.", param=param)
        return {"inlineData": {"mimeType": mime or "application/octet-stream", "data": data}}
    if url.startswith(("https://", "http://", "gs://")):
        suffix = url.split("?", 1)[0].rsplit(".", 1)[-1].lower()
        return {"fileData": {"mimeType": _MIME_BY_SUFFIX.get(suffix, "image/jpeg"), "fileUri": url}}
    raise InvalidRequest("Image URLs must be https or data URLs.", param=param)


def _model_parts(message: JSON, names: dict[str, str], position: int) -> list[JSON]:
    parts = _text_parts(message.get("content"), position)
    calls = list(message.get("tool_calls") or [])
    if isinstance(message.get("function_call"), dict):
        calls.append({"id": "", "function": message["function_call"]})
    for number, call in enumerate(calls):
        function = call.get("function") or {}
        name = str(function.get("name") or "")
        call_id = str(call.get("id") or "")
        names[call_id] = name
        param = f"messages[{position}].tool_calls[{number}].function.arguments"
        function_call: JSON = {
            "name": name,
            "args": parse_arguments(function.get("arguments"), param),
        }
        gemini_id = decode_call_id(call_id)[0]
        if gemini_id:
            function_call["id"] = gemini_id
        part: JSON = {"functionCall": function_call}
        signature = signature_of(call)
        if signature:
            part["thoughtSignature"] = signature
        parts.append(part)
    return parts


def parse_arguments(arguments: Any, param: str) -> JSON:
    if isinstance(arguments, dict):
        return arguments
    if arguments is None or not str(arguments).strip():
        return {}
    try:
        value = orjson.loads(str(arguments))
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest("Tool call arguments must be a JSON object.", param=param) from exc
    return value if isinstance(value, dict) else {"value": value}


def _function_response(message: JSON, names: dict[str, str], position: int) -> JSON:
    call_id = str(message.get("tool_call_id") or "")
    name = names.get(call_id) if message.get("role") == "tool" else message.get("name")
    if not name:
        raise InvalidRequest(
            f"Tool result {call_id!r} does not answer an earlier assistant tool call.",
            param=f"messages[{position}].tool_call_id",
        )
    text = "".join(part["text"] for part in _text_parts(message.get("content"), position))
    response: JSON = {"name": name, "response": _response_object(text)}
    gemini_id = decode_call_id(call_id)[0]
    if gemini_id:
        response["id"] = gemini_id
    return {"functionResponse": response}


def _response_object(text: str) -> JSON:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {"result": text}
    return value if isinstance(value, dict) else {"result": value}
