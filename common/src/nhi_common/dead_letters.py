"""`nhi-dead-letters`: the messages consumers gave up on (NHI_DEAD, `nhi.dead.v1.<consumer>`), listed and replayed.

    nhi-dead-letters list [--consumer NAME] [--limit N]
    nhi-dead-letters replay --seq N [--seq N ...]
    nhi-dead-letters replay --consumer NAME --all

A consumer gives a message up after its bounded deliveries failed, or at once when its data can never be processed
(`bus.unprocessable`), and keeps it here with the reason and the subject it came from. `list` prints one JSON line
per dead letter: its number in NHI_DEAD, the consumer, the event's CloudEvents attributes, the subject, the reason
and when it was given up; never the event's data (it may hold a My Number, a name, an address). Once the cause is
fixed (a database back, a new release), `replay` sends each named dead letter to the subject it came from, with
a message id of its own so that JetStream's duplicate window does not drop it, and removes it from NHI_DEAD. Every
consumer on that subject takes an event once by its id, so only the one that gave up acts on it again; a job
message comes back to a job that ended failed and changes nothing (start the job again instead). A replay that
fails again leaves a new dead letter. The svc-integration resident feed keeps its own dead letters, which a clerk
fixes and replays through the API (docs/feeds).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import sys
from typing import Any

from nats.js.errors import NotFoundError

from . import config, logs
from .bus import DEAD_REASON_HEADER, DEAD_SUBJECT_HEADER, DEAD_SUBJECT_PREFIX, Bus
from .config import setting

log = logging.getLogger(__name__)

DEAD_STREAM = "NHI_DEAD"
CONNECT_SECONDS = 15.0
ATTRIBUTES = ("ce-id", "ce-type", "ce-source", "ce-subject", "ce-time")


@dataclasses.dataclass(frozen=True)
class Settings:
    nats_url: str = setting("NATS_URL", "nats://127.0.0.1:4222", "NATS server with JetStream")
    log_level: str = setting("LOG_LEVEL", "INFO", "log level")


def _entry(msg) -> dict[str, Any]:
    headers = msg.headers or {}
    return {
        "seq": msg.seq,
        "consumer": msg.subject.removeprefix(DEAD_SUBJECT_PREFIX),
        **{name.removeprefix("ce-").replace("-", "_"): headers.get(name) for name in ATTRIBUTES},
        "from_subject": headers.get(DEAD_SUBJECT_HEADER),
        "reason": headers.get(DEAD_REASON_HEADER),
        "given_up_at": msg.time.isoformat() if msg.time is not None else None,
    }


async def listed(js, *, consumer: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """The dead letters, oldest first (those of one consumer when named), at most `limit`."""
    subject = DEAD_SUBJECT_PREFIX + (consumer or ">")
    found: list[dict[str, Any]] = []
    seq = 1
    while len(found) < limit:
        try:
            msg = await js.get_msg(DEAD_STREAM, seq=seq, subject=subject, next=True)
        except NotFoundError:
            break
        found.append(_entry(msg))
        seq = msg.seq + 1
    return found


async def replay(js, seq: int) -> dict[str, Any]:
    """Send dead letter `seq` to the subject it came from and remove it from NHI_DEAD: what was done, or why not."""
    try:
        msg = await js.get_msg(DEAD_STREAM, seq=seq)
    except NotFoundError:
        return {"seq": seq, "replayed": False, "error": "no dead letter with this number"}
    entry = _entry(msg)
    headers = dict(msg.headers or {})
    target = headers.pop(DEAD_SUBJECT_HEADER, None)
    headers.pop(DEAD_REASON_HEADER, None)
    if not target or not headers.get("ce-id"):
        # Given up before the subject was recorded with it (an earlier release): where it came from is not known.
        return {**entry, "replayed": False, "error": "the subject it came from is not recorded"}
    headers["Nats-Msg-Id"] = f"{headers['ce-id']}.replay.{seq}"
    await js.publish(target, msg.data or b"", headers=headers, timeout=10)
    await js.delete_msg(DEAD_STREAM, seq)
    log.info("dead letter %d of %s (event %s) replayed to %s", seq, entry["consumer"], entry["id"], target)
    return {**entry, "replayed": True, "error": None}


async def _run(args: argparse.Namespace, nats_url: str) -> int:
    bus = Bus(nats_url, "nhi-dead-letters")
    try:
        await asyncio.wait_for(bus.connect(), timeout=CONNECT_SECONDS)
    except TimeoutError:
        print(f"error: NATS not reachable at NATS_URL within {CONNECT_SECONDS:.0f} s", file=sys.stderr)
        return 2
    try:
        if args.command == "list":
            for entry in await listed(bus.js, consumer=args.consumer, limit=args.limit):
                print(json.dumps(entry, ensure_ascii=False))
            return 0
        if args.all:
            numbers = [e["seq"] for e in await listed(bus.js, consumer=args.consumer, limit=sys.maxsize)]
        else:
            numbers = args.seq
        failed = 0
        for seq in numbers:
            outcome = await replay(bus.js, seq)
            failed += not outcome["replayed"]
            print(json.dumps(outcome, ensure_ascii=False))
        return 1 if failed else 0
    finally:
        await bus.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="nhi-dead-letters", description="list and replay the messages consumers gave up on (NHI_DEAD)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="one JSON line per dead letter (never the event's data)")
    listing.add_argument("--consumer", help="only this consumer's (the durable name, e.g. qualification-jobs)")
    listing.add_argument("--limit", type=int, default=1000, help="at most this many (default 1000)")
    again = commands.add_parser("replay", help="send dead letters back to the subject they came from")
    again.add_argument("--seq", type=int, action="append", default=[], help="a dead letter's number; repeat")
    again.add_argument("--consumer", help="with --all: every dead letter of this consumer")
    again.add_argument("--all", action="store_true", help="every dead letter of --consumer")
    args = parser.parse_args(argv)
    if args.command == "replay" and not (args.seq or (args.all and args.consumer)):
        parser.error("replay needs --seq N, or --consumer NAME with --all")
    if args.command == "replay" and args.seq and args.all:
        parser.error("replay takes --seq or --all, not both")
    settings = config.load_or_exit(Settings)
    logs.configure_logging("nhi-dead-letters", settings.log_level)
    return asyncio.run(_run(args, settings.nats_url))


if __name__ == "__main__":
    raise SystemExit(main())
