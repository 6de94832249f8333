"""``BEHEST_LOG_FORMAT=json``: one JSON object a line, access lines among them.

An access line carries what identifies a request and how it went, never a credential,
a header value or message content: the edge hands over exactly the fields of ``Access``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass

import orjson

ACCESS_LOG = logging.getLogger("behest.access")


@dataclass(frozen=True, slots=True)
class Access:
    request_id: str
    method: str
    route: str
    status: int
    latency_ms: float
    project_id: str | None = None
    user_id: str | None = None
    model: str | None = None


def log_access(access: Access) -> None:
    ACCESS_LOG.info("request", extra={"access": asdict(access)})


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            line.update(access)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()
