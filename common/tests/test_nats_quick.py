"""The two shortcuts into nats-py (nhi_common.nats_quick): the same answers as the library's own code, installed only
on the version they were checked against, and a pull subscription's fetch unchanged in what it brings."""

from __future__ import annotations

import asyncio
import pathlib
import random
import re

import nats
import pytest
from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeoutError

from nhi_common import nats_quick

PYPROJECT = pathlib.Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_the_pinned_library_is_the_version_the_shortcuts_were_checked_against():
    """Upgrading nats-py turns the shortcuts off until someone checks them again and moves CHECKED_VERSION."""
    pinned = re.search(r'"nats-py==([^"]+)"', PYPROJECT.read_text()).group(1)
    assert pinned == nats_quick.CHECKED_VERSION
    assert nats_quick.APPLIES


FIXED = [
    b"",
    b"\r\n",
    b"ce-id: 1\r\nce-type: t.v1\r\n\r\n",
    b"Nats-Msg-Id:abc\r\n",
    b"traceparent:\t00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n",
    b"no colon here\r\nkey: value\r\n",
    b"key: value: with colons\r\n",
    b"  padded  :   value  \r\n",
    b"two words: refused\r\nok: kept\r\n",
    b"tab\tname: refused\r\n",
    b"file\x1csep: refused\r\n",  # str.isspace() holds U+001C to U+001F as whitespace
    b"unit\x1fsep: refused\r\n",
    b"\xe5\x90\x8d: non-ASCII name skipped\r\n",
    "ce-subject: 氏名\r\n".encode(),
    b"bad-utf8: \xff\xfe\r\n",
    b"empty:\r\n",
    b": empty name\r\n",
    b"dup: 1\r\ndup: 2\r\n",
    b"lf-only: a\nb: c\r\n",
    b"ce-id: 1\r\n\r\nafter-blank: still read\r\n",
]


@pytest.mark.parametrize("raw", FIXED)
def test_header_lines_are_parsed_as_the_library_parses_them(raw):
    assert nats_quick.parse_header_lines(raw) == Client._parse_header_lines(raw)  # noqa: SLF001


def test_header_lines_of_generated_blocks_are_parsed_as_the_library_parses_them():
    rng = random.Random(20261207)
    pieces = [b"a", b"Z", b"-", b":", b" ", b"\t", b"\x0b", b"\x0c", b"\x1c", b"\x1e", b"\xc2\xa0", b"\xe3\x80\x80"]
    pieces += [b"\r", b"\n", b"\r\n", b"\xff", "名".encode(), b"0", b"ce-id", b"traceparent"]
    for _ in range(5000):
        raw = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        assert nats_quick.parse_header_lines(raw) == Client._parse_header_lines(raw), raw  # noqa: SLF001


def test_a_connection_parses_headers_with_the_shortcut_and_messages_carry_them(nats_server):
    async def go():
        nc = await nats.connect(nats_server.url)
        try:
            assert nats_quick.install_header_parser(nc)
            sub = await nc.subscribe("quick.headers")
            await nc.publish("quick.headers", b"{}", headers={"ce-id": "1", "ce-subject": "氏名", "x": " padded "})
            msg = await sub.next_msg(timeout=5)
            return msg.headers
        finally:
            await nc.close()

    assert asyncio.run(go()) == {"ce-id": "1", "ce-subject": "氏名", "x": "padded"}


def test_a_fetch_brings_every_message_in_order_once_and_times_out_when_there_is_none(nats_server):
    async def go():
        nc = await nats.connect(nats_server.url)
        js = nc.jetstream()
        try:
            await js.add_stream(name="QUICKFETCH", subjects=["quick.fetch.>"])
            for n in range(620):
                await js.publish("quick.fetch.a", str(n).encode())
            sub = await js.pull_subscribe("quick.fetch.a", durable="quick", stream="QUICKFETCH")
            assert nats_quick.quick_next_msg(sub._sub)  # noqa: SLF001
            seen: list[int] = []
            sizes: list[int] = []
            while len(seen) < 620:
                batch = await sub.fetch(250, timeout=5)
                sizes.append(len(batch))
                for msg in batch:
                    seen.append(int(msg.data))
                    await msg.ack()
            pending_bytes = sub._sub._pending_size  # noqa: SLF001
            try:
                await sub.fetch(250, timeout=0.5)
                timed_out = False
            except (NatsTimeoutError, asyncio.TimeoutError):
                timed_out = True
            await js.publish("quick.fetch.a", b"620")  # a message arriving while nothing is queued
            late = [int(m.data) for m in await sub.fetch(250, timeout=5)]
            await js.delete_stream("QUICKFETCH")
            return seen, sizes, pending_bytes, timed_out, late
        finally:
            await nc.close()

    seen, sizes, pending_bytes, timed_out, late = asyncio.run(go())
    assert seen == list(range(620))
    assert max(sizes) == 250  # whole batches, not one message a fetch
    assert pending_bytes == 0  # the subscription's accounting of queued bytes kept
    assert timed_out
    assert late == [620]
