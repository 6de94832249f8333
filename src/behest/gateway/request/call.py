"""The parsed request: what the gateway reads of a body, the rest passed on untouched."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Operation = Literal["chat", "embeddings", "moderations"]


@dataclass(slots=True)
class Call:
    """One client request after parsing.

    ``body`` is the client's JSON object; fields the gateway does not act on stay in it
    and reach the provider as they came. Stages that change the conversation (threads,
    guardrails) replace ``body["messages"]``.
    """

    operation: Operation
    model: str
    body: dict[str, Any]
    stream: bool = False
    include_usage: bool = False
    request_id: str = ""
    size: int = 0  # bytes of the client's body: the cheap base of the token estimate
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.body.get("messages", [])
        return messages
