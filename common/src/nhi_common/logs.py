"""Structured JSON logs carrying trace and span ids; numbers shaped like a My Number are masked."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys

from opentelemetry import trace

# Twelve digits in a row could be a My Number: never let one reach a log line.
_TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")
# What a database error may echo of the data: PostgreSQL's DETAIL and CONTEXT lines (a failing row, a key, a COPY's
# line) and the bound parameters SQLAlchemy prints. The services' engines tell their errors without them
# (db.make_engine); this keeps them out of a log line whatever made the error.
_ECHOED_VALUES = re.compile(r"^(DETAIL|CONTEXT): .*$|\[parameters: .*?\](?=\n|$)", re.MULTILINE)


def redact(text: str) -> str:
    """Mask every run of exactly twelve digits, and the values a database error echoes."""
    return _TWELVE_DIGITS.sub("************", _ECHOED_VALUES.sub(_hidden, text))


# A quoted literal in an exception's message: where Python and the libraries echo the value they could not take
# ("invalid literal for int() with base 10: '山田'", "Invalid isoformat string: '…'"), a name, an address or a
# number from the data as likely as not.
_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
DESCRIBED_LENGTH = 500


def describe(exc: BaseException) -> str:
    """An exception as a failure record may keep it (a dead letter's reason, a job's error): its type and its
    message, with each quoted literal and each number shaped like a My Number masked, at most 500 characters."""
    return f"{type(exc).__name__}: {redact(_QUOTED.sub(_MASKED, str(exc)))}"[:DESCRIBED_LENGTH]


def redact_exception(text: str) -> str:
    """A formatted traceback for a log line: `redact`, and the quoted literals of the exception lines (those not
    indented: the lines of source code, indented, keep theirs) masked as `describe` masks them."""
    lines = [line if line[:1].isspace() else _QUOTED.sub(_MASKED, line) for line in text.split("\n")]
    return redact("\n".join(lines))


_MASKED = "'…'"


def _hidden(match: re.Match) -> str:
    return f"{match.group(1)}: (hidden)" if match.group(1) else "[parameters: (hidden)]"


class JsonFormatter(logging.Formatter):
    """One JSON object per line with the current trace context."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        span_context = trace.get_current_span().get_span_context()
        if span_context.is_valid:
            entry["trace_id"] = format(span_context.trace_id, "032x")
            entry["span_id"] = format(span_context.span_id, "016x")
        for key in (
            "event_id",
            "subject",
            "job_id",
            "change_id",
            "method",
            "route",
            "status",
            "duration_ms",
            "trace_id",
        ):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = redact_exception(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send JSON lines to stderr for this process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("nats", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
