"""Benchmark of resident changes end to end beside the raw JetStream consume rate, measured in the same run.

    python bench/integration/stream.py [--database-url URL] [--changes N] [--households N]

Starts the whole suite (every service and the gateway as processes, PostgreSQL schemas bench_e2e_*, a NATS of its
own), makes --households NHI households (a 転入 on resident.v1.changes, then the counter's join through the gateway),
then measures:
  raw   N messages of the same size and headers as the changes, published on a scratch stream and read back by one
        pull consumer that fetches in batches and acks each message (what a consumer can do at best on this NATS);
  e2e   N 出生 (births) into those households published on resident.v1.changes: svc-integration hands each to
        svc-qualification, which decides ACQ-BIRTH and commits the period and its event; svc-integration turns the
        event into a resident-feed record (nhi.v1.outbound.resident.acquired). The clock runs from the first publish
        to the N-th outbound record; the moment the N-th change was committed by svc-qualification is shown too.
A birth is the heaviest change there is (a decision, a period, an event, a feed record); a 転居 or 氏名変更 only
records. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import uuid

import httpx
import sqlalchemy as sa

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
DAY = "2026-12-06"
JOINED = "2026-10-01"
BORN = "2026-12-01"
ADDRESS = {
    "postal_code": "399-0101",
    "address_code": "99999001002",
    "address": "みどり市若葉町2丁目3番5号",
    "building": "",
    "district_code": "03",
}


def person(person_id: str, relationship: str, birth_date: str, sequence: int) -> dict:
    return {
        "person_id": person_id,
        "name_kanji": "山﨑\u3000一郎",
        "name_kana": "ヤマサキ\u3000イチロウ",
        "birth_date": birth_date,
        "sex": "1",
        "relationship": relationship,
        "listing_order": 1,
        "my_number": "",
        "nationality": "",
        "residence_status": "",
        "residence_expires_on": "",
        "dv_support": False,
        "sequence": sequence,
    }


def change(kind: str, household: int, persons: list[dict], event_date: str) -> dict:
    return {
        "change_id": f"B{uuid.uuid4().hex[:24]}",
        "change_kind": kind,
        "event_date": event_date,
        "notified_on": event_date,
        "household_id": f"HB{household:07d}",
        "head_person_id": f"5{household:08d}",
        "address": ADDRESS,
        "previous_municipality": "",
        "persons": persons,
    }


def publish(nats_url: str, subject: str, changes: list[dict]) -> float:
    """Publish every change as the registry does (CloudEvents headers, 500 acks awaited together); seconds."""
    from nhi_common.bus import Bus
    from nhi_common.events import Event

    async def go() -> float:
        bus = Bus(nats_url, "bench-registry")
        await bus.connect()
        started = time.perf_counter()
        try:
            pending = []
            for data in changes:
                event = Event.new(
                    source="urn:resident-registry:bench",
                    type="jp.lg.resident.change.v1",
                    subject=data["household_id"],
                    data=data,
                )
                pending.append(bus.publish(subject, event, timeout=60))
                if len(pending) >= 500:
                    await asyncio.gather(*pending)
                    pending = []
            await asyncio.gather(*pending)
            return time.perf_counter() - started
        finally:
            await bus.close()

    return asyncio.run(go())


def raw_consume(nats_url: str, changes: list[dict]) -> tuple[float, float, float]:
    """(publish seconds, consume seconds, consume seconds with the suite's shortcuts) of the same messages on a
    scratch stream, read by one pull consumer with nats-py as it comes, then by another with nhi_common.nats_quick
    installed (the fetch and header parsing every consumer of the suite uses)."""
    import nats

    from nhi_common import nats_quick

    async def setup() -> None:
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        try:
            await js.delete_stream("BENCHRAW")
        except Exception:  # noqa: BLE001 - not there yet
            pass
        await js.add_stream(name="BENCHRAW", subjects=["benchraw.>"])
        await nc.close()

    asyncio.run(setup())
    published = publish(nats_url, "benchraw.changes", changes)

    async def consume(quick: bool) -> float:
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        durable = "bench-raw-quick" if quick else "bench-raw"
        sub = await js.pull_subscribe("benchraw.changes", durable=durable, stream="BENCHRAW")
        if quick:
            nats_quick.install_header_parser(nc)
            nats_quick.quick_next_msg(sub._sub)  # noqa: SLF001
        seen = 0
        started = time.perf_counter()
        while seen < len(changes):
            for message in await sub.fetch(500, timeout=5):
                json.loads(message.data)  # the consumer reads the body, as every handler does
                await message.ack()
                seen += 1
        seconds = time.perf_counter() - started
        if quick:
            await js.delete_stream("BENCHRAW")
        await nc.close()
        return seconds

    plain = asyncio.run(consume(False))
    return published, plain, asyncio.run(consume(True))


def count(engine: sa.Engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


def wait_until(probe, target: int, *, timeout: float, what: str, suite) -> float:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value >= target:
            return time.perf_counter()
        if time.monotonic() > deadline:
            raise SystemExit(f"{what}: {value} of {target} after {timeout:.0f}s")
        suite.check_alive()
        time.sleep(0.05)


def token(env: dict[str, str], role: str) -> str:
    result = subprocess.run(
        [str(BIN / "nhi-gateway"), "token", "--role", role], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def main() -> None:
    from nhi_devtools.suite import exit_on_sigterm

    exit_on_sigterm()  # a killed run still stops what it started and drops what it created
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--households", type=int, default=500)
    parser.add_argument(
        "--kind",
        choices=("birth", "move_within"),
        default="birth",
        help="birth: the full path; move_within: recorded only",
    )
    args = parser.parse_args()

    from nhi_devtools.suite import SERVICES, Suite, free_port

    tag = uuid.uuid4().hex[:6]
    env = {"NHI_BUSINESS_DATE": DAY, "LOG_LEVEL": "WARNING", "RESIDENT_GAP_WAIT_SECONDS": "60"}
    schemas = []
    for name, _script, prefix in SERVICES:
        env[f"{prefix}_DATABASE_URL"] = args.database_url
        env[f"{prefix}_DATABASE_SCHEMA"] = f"bench_e2e_{tag}_{name}"
        schemas.append(f"bench_e2e_{tag}_{name}")
    var = pathlib.Path(tempfile.mkdtemp(prefix="bench-integration-"))
    suite = Suite(var=var, gateway_port=free_port(), demo_households=0, documents_workers=0, extra_env=env)
    suite.start(timeout=180)
    integration = sa.create_engine(args.database_url)
    schema = f"bench_e2e_{tag}_integration"
    try:
        nats_url = suite.env["NATS_URL"]
        # NHI households: the registry's 転入, then the counter's join (births reflect only into an NHI household).
        move_ins = [
            change("move_in", h, [person(f"5{h:08d}", "世帯主", "1985-04-02", 1)], JOINED)
            for h in range(args.households)
        ]
        publish(nats_url, "resident.v1.changes", move_ins)
        wait_until(
            lambda: count(integration, f'SELECT count(*) FROM "{schema}".received_changes'),
            args.households,
            timeout=600,
            what="move-ins",
            suite=suite,
        )
        headers = {"Authorization": f"Bearer {token(suite.env, 'counter')}"}
        with httpx.Client(base_url=suite.url, timeout=60) as http:

            def join(h: int) -> None:
                answer = http.post(
                    "/api/v1/notifications",
                    json={
                        "kind": "join",
                        "reason": "move_in",
                        "household_id": f"HB{h:07d}",
                        "persons": [{"person_id": f"5{h:08d}"}],
                        "event_date": JOINED,
                        "notified_on": JOINED,
                        "identity_check": {"document_kind": "my_number_card", "checked_by": "bench"},
                    },
                    headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
                )
                assert answer.status_code == 201, answer.text

            # One at a time: the set-up, not what is measured (two first joins at once each get their own 番号 since
            # 0a41e5f; svc-qualification's test_household_numbers checks it).
            for h in range(args.households):
                join(h)
        if args.kind == "birth":
            births = [
                change("birth", i % args.households, [person(f"6{i:08d}", "子", BORN, 1)], BORN)
                for i in range(args.changes)
            ]
        else:  # 転居 of the heads: recorded only, no event and no feed record (the floor of the pipeline)
            births = [
                change(
                    "move_within",
                    i % args.households,
                    [person(f"5{i % args.households:08d}", "世帯主", "1985-04-02", 2 + i // args.households)],
                    BORN,
                )
                for i in range(args.changes)
            ]
        sample = len(json.dumps(births[0], ensure_ascii=False).encode())
        outbound = (
            f"SELECT count(*) FROM \"{schema}\".outbound_records WHERE feed = 'resident' "
            "AND record_kind = 'acquired' AND person_id LIKE '6%'"
        )
        committed = f"SELECT count(*) FROM \"{schema}\".received_changes WHERE change_kind = '{args.kind}'"
        time.sleep(5)  # let the joins' events drain out of the way

        raw_pub, raw, raw_quick = raw_consume(nats_url, births)

        started = time.perf_counter()
        e2e_pub = publish(nats_url, "resident.v1.changes", births)
        at_commit = wait_until(
            lambda: count(integration, committed), args.changes, timeout=3600, what="committed", suite=suite
        )
        at_outbound = at_commit
        if args.kind == "birth":
            at_outbound = wait_until(
                lambda: count(integration, outbound), args.changes, timeout=3600, what="outbound", suite=suite
            )
    finally:
        suite.stop()
        with integration.begin() as conn:
            for name in schemas:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        integration.dispose()
    n = args.changes
    e2e = at_outbound - started
    print(f"changes {n:,d} ({args.kind} in {args.households:,d} NHI households), message body {sample} bytes")
    print(f"raw JetStream consume     {raw:7.2f}s  {n / raw:>9,.0f}/s   (publish {raw_pub:.2f}s; nats-py's fetch)")
    print(f"  with the suite's fetch  {raw_quick:7.2f}s  {n / raw_quick:>9,.0f}/s   (nhi_common.nats_quick)")
    print(f"end to end (to outbound)  {e2e:7.2f}s  {n / e2e:>9,.0f}/s   (publish {e2e_pub:.2f}s)")
    print(
        f"  of which committed by svc-qualification at {at_commit - started:.2f}s ({n / (at_commit - started):,.0f}/s)"
    )
    print(f"ratio end to end / raw    {raw / e2e:7.3f}x  (target >= 0.25x)")
    print(f"  against the suite's fetch {raw_quick / e2e:5.3f}x")


if __name__ == "__main__":
    os.environ.setdefault("NHI_BENCH", "1")
    main()
