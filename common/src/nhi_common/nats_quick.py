"""Two per-message costs of nats-py taken off a consumer's path, for the library version they were checked against.

A pull subscription's `fetch(n)` takes each message of the batch with `Subscription.next_msg`, which makes a task,
a `wait_for` (another task and a timer) and a uuid4 for every message, even when the message is already in the
subscription's queue. Measured with the suite's BatchConsumer against a real server (fetches of 250, a no-op
handler), that was about 45 % of the consumer's CPU per message. `quick_next_msg` answers a message already queued
at once, as `next_msg` would after its tasks ran, and leaves waiting for one to `next_msg` itself.

The client parses every message's header block in Python (`Client._parse_header_lines`), testing each character
of each name for whitespace with a generator; `parse_header_lines` gives the same answer with one regular
expression per name (about 4 µs less per message of the suite's nine headers).

Both reach into the library's private parts, so they are installed only on the version named here; on any other,
the library's own code runs (a test compares the pinned version, and both functions with the library's on the same
inputs)."""

from __future__ import annotations

import importlib.metadata
import re
from typing import Any

CHECKED_VERSION = "2.16.0"
_WHITESPACE = re.compile(r"\s")  # for str patterns, the characters str.isspace() holds whitespace


def _installed_version() -> str | None:
    try:
        return importlib.metadata.version("nats-py")
    except importlib.metadata.PackageNotFoundError:
        return None


APPLIES = _installed_version() == CHECKED_VERSION


def parse_header_lines(raw: bytes) -> dict[str, str]:
    """`nats.aio.client.Client._parse_header_lines` of nats-py 2.16: each `Name: Value` line of a header block; a
    line without a colon, a name that is not ASCII or holds whitespace is skipped; values decoded as UTF-8 with
    replacement characters."""
    out: dict[str, str] = {}
    for line in raw.split(b"\r\n"):
        name, sep, value = line.partition(b":")
        if not sep:
            continue
        try:
            key = name.strip().decode("ascii")
        except UnicodeDecodeError:
            continue
        if _WHITESPACE.search(key) is not None:
            continue
        out[key] = value.strip().decode("utf-8", "replace")
    return out


def install_header_parser(nc: Any) -> bool:
    """Let this connection parse header blocks with `parse_header_lines` (the client calls the method through the
    instance). False, and nothing changed, on a library version it was not checked against."""
    if not APPLIES:
        return False
    nc._parse_header_lines = parse_header_lines  # noqa: SLF001 - see the module's docstring
    return True


def quick_next_msg(subscription: Any) -> bool:
    """Let this subscription's `next_msg` answer a message already queued without a task, a timer and a uuid4;
    with none queued (or the connection closed), the library's own `next_msg` waits or raises as always. False,
    and nothing changed, on a library version it was not checked against."""
    if not APPLIES:
        return False
    waiting_next_msg = subscription.next_msg

    async def next_msg(timeout: float | None = 1.0):
        queue = subscription._pending_queue  # noqa: SLF001
        if queue.empty() or subscription._conn.is_closed:  # noqa: SLF001
            return await waiting_next_msg(timeout)
        msg = queue.get_nowait()
        subscription._pending_size -= len(msg.data)  # noqa: SLF001 - as next_msg keeps it
        queue.task_done()
        return msg

    subscription.next_msg = next_msg
    return True
