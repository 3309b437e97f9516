"""Benchmark of the daily aggregation link of svc-interchange on PostgreSQL.

    python bench/interchange/run.py full-load [--database-url URL] [--persons 1000000]
    python bench/interchange/run.py day       [--database-url URL] [--changes 2000]

`full-load`: the initial load of every insured person as 個人 file records (one change each, as the acquisitions of
the migration give them) and their 世帯 records, streamed from the table of record snapshots through the layout
encoder into the atomic file drop, beside a raw `COPY ... TO STDOUT` of the same rows in the same run; the resident
set is sampled every 100,000 records (it must stay flat). `day`: a normal day's run through the service (2,000
changes received, validated, written, recorded). Not part of `make test`. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pathlib
import random
import tempfile
import time

import sqlalchemy as sa

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_interchange"
DAY = dt.date(2026, 12, 5)
KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
KANJI = "山田中川本井上高橋佐藤鈴木伊渡辺小林加吉松清水森池野村石原斎藤髙﨑𠮷"


def _rss_mb(field: str = "VmRSS") -> float:
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _my_number(rng: random.Random) -> str:
    body = "".join(str(rng.randrange(10)) for _ in range(11))
    digits = [int(c) for c in reversed(body)]
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(digits, start=1))
    return body + str(0 if total % 11 <= 1 else 11 - total % 11)


def _snapshot(rng: random.Random, n: int) -> dict:
    household = n // 2
    return {
        "person_id": f"{n:09d}",
        "household_id": f"H{household:08d}",
        "head_person_id": f"{household * 2:09d}",
        "name_kanji": "".join(rng.choice(KANJI) for _ in range(2)) + " " + "".join(rng.choice(KANJI) for _ in range(2)),
        "name_kana": "".join(rng.choice(KANA) for _ in range(4)) + " " + "".join(rng.choice(KANA) for _ in range(3)),
        "birth_date": f"{rng.randrange(1952, 2026)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        "sex": rng.choice("12"),
        "dv_support": False,
        "address": {
            "postal_code": "1000001",
            "address_code": f"131010{household % 100000:05d}",
            "district_code": "0101",
        },
        "insurer_number": "139998",
        "symbol": "みどり",
        "number": f"{household:07d}",
        "branch_no": f"{n % 2 + 1:02d}",
        "acquired_on": "2026-04-01",
        "lost_on": "",
        "coverage_starts_on": "2026-04-01",
        "coverage_ends_on": "",
        "reason": "migration",
        "period_id": f"p{n}",
        "change_id": f"c{n}",
        "event_kind": "acquired",
        "effective_date": "2026-04-01",
        "my_number": _my_number(rng),  # in the bench table only: the service reads it from svc-qualification
    }


def _engine(url: str):
    from nhi_common import db
    from nhi_interchange import bootstrap

    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{SCHEMA}"'))
    admin.dispose()
    engine = db.service_engine(url, SCHEMA)
    db.migrate(engine, bootstrap.MIGRATIONS)
    return engine


def _load(engine, persons: int) -> float:
    """COPY the record snapshots of `persons` insured into pending_aggregation; seconds taken."""
    rng = random.Random(7)
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur:
            columns = "record_id, event_id, event_type, person_id, household_id, change_id, effective_date, payload, "
            columns += "received_at, state, snapshot"
            with cur.copy(f'COPY "{SCHEMA}".pending_aggregation ({columns}) FROM STDIN') as copy:
                for n in range(persons):
                    s = _snapshot(rng, n)
                    copy.write_row(
                        (
                            f"r{n}",
                            f"e{n}",
                            "jp.nhi.qualification.acquired.v1",
                            s["person_id"],
                            s["household_id"],
                            s["change_id"],
                            "2026-04-01",
                            "{}",
                            "2026-12-05T00:00:00+00:00",
                            "pending",
                            json.dumps(s, ensure_ascii=False, sort_keys=True),
                        )
                    )
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


QUERY = f'SELECT snapshot FROM "{SCHEMA}".pending_aggregation ORDER BY seq'
# the latest snapshot of each household, by household id (what the 世帯 file carries)
HOUSEHOLDS = (
    f'SELECT DISTINCT ON (household_id) snapshot FROM "{SCHEMA}".pending_aggregation ORDER BY household_id, seq DESC'
)


def _copy_out(engine) -> tuple[int, float]:
    """Raw COPY out of the same rows, every byte read and dropped: rows and seconds."""
    raw = engine.raw_connection()
    rows, started = 0, time.perf_counter()
    try:
        with raw.cursor() as cur, cur.copy(f"COPY ({QUERY}) TO STDOUT") as copy:
            for _row in copy.rows():
                rows += 1
    finally:
        raw.close()
    return rows, time.perf_counter() - started


def _write_files(engine, out: pathlib.Path) -> dict:
    """The full load as the 個人 and 世帯 files, streamed; rows, seconds, resident-set samples, sizes."""
    from nhi_interchange.adapters.files import DirectoryDrop
    from nhi_interchange.domain import files as f

    drop = DirectoryDrop(out)
    header = f.FileHeader("139998", DAY, dt.datetime(2026, 12, 6, tzinfo=f.JST), 1)
    samples: list[float] = []

    def stream(query: str):
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur, cur.copy(f"COPY ({query}) TO STDOUT") as copy:
                for serial, (text,) in enumerate(copy.rows(), start=1):
                    if serial % 100_000 == 0:
                        samples.append(round(_rss_mb(), 1))
                    yield serial, json.loads(text)
        finally:
            raw.close()

    started = time.perf_counter()
    people, homes = f.Tally(), f.Tally()
    rows = (f.person_values(n, s, s["my_number"]) for n, s in stream(QUERY))
    size, _ = drop.deliver(f.file_name("139998", "P", DAY), f.records("P", header, rows, people))
    person_seconds = time.perf_counter() - started
    started = time.perf_counter()
    rows = (f.household_values(n, {**s, "action": "1"}) for n, s in stream(HOUSEHOLDS))
    drop.deliver(f.file_name("139998", "H", DAY), f.records("H", header, rows, homes, key="household_id"))
    household_seconds = time.perf_counter() - started
    return {
        "records": people.records,
        "seconds": person_seconds,
        "bytes": size,
        "degraded": len(people.degraded),
        "rss_samples_mb": samples,
        "households": homes.records,
        "household_seconds": household_seconds,
    }


def full_load(args) -> None:
    engine = _engine(args.database_url)
    print(f"loading {args.persons:,} record snapshots ...", flush=True)
    load_s = _load(engine, args.persons)
    print(f"  loaded in {load_s:.1f}s; resident set {_rss_mb():.0f} MB", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        rows, copy_s = _copy_out(engine)
        rss_before = _rss_mb()
        written = _write_files(engine, pathlib.Path(tmp))
        rows_again, copy_again_s = _copy_out(engine)
    copy_rate = (rows + rows_again) / (copy_s + copy_again_s)
    rate = written["records"] / written["seconds"]
    print(
        json.dumps(
            {
                "persons": args.persons,
                "copy_out_rows_per_s": round(copy_rate),
                "person_file_records_per_s": round(rate),
                "ratio": round(rate / copy_rate, 3),
                "person_file_seconds": round(written["seconds"], 1),
                "person_file_bytes": written["bytes"],
                "household_file_records": written["households"],
                "household_file_seconds": round(written["household_seconds"], 1),
                "degraded_characters": written["degraded"],
                "rss_before_mb": round(rss_before, 1),
                "rss_every_100k_mb": written["rss_samples_mb"],
                "peak_rss_mb": round(_rss_mb("VmHWM"), 1),
            },
            ensure_ascii=False,
            indent=1,
        )
    )


def day(args) -> None:
    from nhi_common.events import Event
    from nhi_interchange.adapters.files import DirectoryDrop
    from nhi_interchange.adapters.store import SqlStore
    from nhi_interchange.service_layer.services import InterchangeService

    engine = _engine(args.database_url)
    rng = random.Random(11)
    numbers: dict[str, str] = {}

    class Numbers:
        def my_number(self, person_id: str) -> str:
            return numbers[person_id]

    clock = {"now": dt.datetime(2026, 12, 5, 3, tzinfo=dt.UTC)}
    with tempfile.TemporaryDirectory() as tmp:
        service = InterchangeService(
            SqlStore(engine), numbers=Numbers(), drop=DirectoryDrop(tmp), clock=lambda: clock["now"]
        )
        for n in range(args.changes):
            s = _snapshot(rng, n)
            numbers[s["person_id"]] = s.pop("my_number")
            s["address"] = dict(s["address"])
            event = Event.new(
                source="urn:bench", type="jp.nhi.qualification.acquired.v1", subject=s["person_id"], data=s
            )
            service.record_qualification_event(event)
        clock["now"] = dt.datetime(2026, 12, 5, 16, 30, tzinfo=dt.UTC)
        started = time.perf_counter()
        result = service.run_daily_aggregation(DAY)
        first = time.perf_counter() - started
        started = time.perf_counter()
        service.run_daily_aggregation(DAY)
        rerun = time.perf_counter() - started
    print(
        json.dumps(
            {
                "changes": args.changes,
                "sent": result.sent,
                "errors": result.errors,
                "households": result.households,
                "run_seconds": round(first, 2),
                "rerun_seconds": round(rerun, 2),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    full = commands.add_parser("full-load")
    full.add_argument("--database-url", default=DEFAULT_URL)
    full.add_argument("--persons", type=int, default=1_000_000)
    normal = commands.add_parser("day")
    normal.add_argument("--database-url", default=DEFAULT_URL)
    normal.add_argument("--changes", type=int, default=2000)
    args = parser.parse_args()
    {"full-load": full_load, "day": day}[args.command](args)


if __name__ == "__main__":
    main()
