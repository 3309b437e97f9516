"""CloudEvents 1.0 envelopes for NATS messages, with the trace context in the headers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import uuid
from typing import Any

from .text import CONTROL_CHARACTER

CONTENT_TYPE = "application/json"
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")  # a UTF-16 surrogate written as an escape in a JSON body
# The longest value of each attribute a service keeps (the inbox keys an event by its id, the outbox and dead
# letters keep the rest): a longer one could never be stored, so the message is unreadable, not a failure to retry.
ATTRIBUTE_LIMITS = {"ce-id": 100, "ce-source": 200, "ce-type": 200, "ce-subject": 200, "ce-time": 40}


@dataclasses.dataclass(frozen=True)
class Event:
    """One CloudEvent: the attributes travel as `ce-*` headers, the data as the JSON body."""

    id: str
    source: str
    type: str
    subject: str
    time: str
    data: dict[str, Any]

    @classmethod
    def new(cls, *, source: str, type: str, subject: str, data: dict[str, Any]) -> "Event":
        return cls(
            id=str(uuid.uuid4()),
            source=source,
            type=type,
            subject=subject,
            time=dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds"),
            data=data,
        )

    def headers(self) -> dict[str, str]:
        return {
            "ce-specversion": "1.0",
            "ce-id": self.id,
            "ce-source": self.source,
            "ce-type": self.type,
            "ce-subject": self.subject,
            "ce-time": self.time,
            "content-type": CONTENT_TYPE,
            "Nats-Msg-Id": self.id,
        }

    def body(self) -> bytes:
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_message(cls, headers: dict[str, str] | None, body: bytes) -> "Event":
        """Parse a received message; raise ValueError when it is not a CloudEvent we can read."""
        headers = headers or {}
        missing = [k for k in ("ce-id", "ce-source", "ce-type") if not headers.get(k)]
        if missing:
            raise ValueError(f"message lacks CloudEvents headers {missing}")
        for name, limit in ATTRIBUTE_LIMITS.items():
            value = headers.get(name, "")
            if len(value) > limit or CONTROL_CHARACTER.search(value):
                raise ValueError(
                    f"message header {name} is longer than {limit} characters or holds a control character"
                )
        try:
            data = json.loads(body or b"{}")
        except json.JSONDecodeError as exc:
            raise ValueError(f"message body is not JSON: {exc}") from exc
        except (ValueError, RecursionError) as exc:  # a number of 4,300+ digits; arrays nested past the parser's depth
            raise ValueError(f"message body is not JSON this service reads ({type(exc).__name__})") from None
        if not isinstance(data, dict):
            raise ValueError("message body is not a JSON object")
        if _ESCAPED_SURROGATE.search(body or b""):
            try:  # a pair escaped is a character beyond the BMP; one alone is no text any store or log can take
                json.dumps(data, ensure_ascii=False).encode()
            except UnicodeEncodeError:
                raise ValueError("message body holds a lone surrogate (\\uD800-\\uDFFF)") from None
        return cls(
            id=headers["ce-id"],
            source=headers["ce-source"],
            type=headers["ce-type"],
            subject=headers.get("ce-subject", ""),
            time=headers.get("ce-time", ""),
            data=data,
        )
