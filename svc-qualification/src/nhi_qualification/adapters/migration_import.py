"""Initial data migration (データ移行): load households, persons and current qualifications from a JSON Lines file."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa

from nhi_common.plumbing import utcnow

from ..domain import residence
from ..domain.errors import RuleViolation
from ..domain.kana import search_key
from ..domain.numbers import my_number_problem
from . import bulk
from .repositories.persons import VERSIONED
from .tables import branches, households, periods, person_versions, persons
from .vault import MyNumberVault

NO_MY_NUMBER = {"my_number_enc": None, "my_number_hash": None, "my_number_key_version": None}

CHUNK = 2000


def read_lines(path: str) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise RuleViolation(f"line {number}", f"not JSON: {exc}", code="INVALID_JSON") from None


TABLES = (households, persons, person_versions, branches, periods)


def import_households(
    engine: sa.Engine, vault: MyNumberVault, insurer_number: str, records: Iterable[dict[str, Any]]
) -> dict[str, int]:
    """Insert households not yet present (re-running the same file is a no-op); returns counts.

    A first load (PostgreSQL, the tables empty) is one transaction, with the indexes (keys included) built once
    after the rows are in (bulk.indexes_built_after): it loads all or nothing, and a household met again in the
    file is skipped by its id as on a re-run (the keys are not there to look it up). A person or 記号・番号 in two
    households fails the load, naming the key. Otherwise each chunk of CHUNK households is a transaction of its own."""
    counts = {"households": 0, "persons": 0, "insured": 0, "skipped": 0}
    try:
        with engine.begin() as conn:
            with bulk.indexes_built_after(conn, TABLES) as first:
                if first:
                    seen: set[str] = set()
                    for batch in _batches(records):
                        _flush(conn, vault, insurer_number, batch, counts, seen)
                    return counts
    except bulk.DuplicateKey as exc:
        raise RuleViolation(
            exc.table,
            f"the file holds the same key twice ({exc.detail}); nothing was loaded",
            rule="uniqueItems",
            code="DUPLICATE_KEY",
        ) from None
    for batch in _batches(records):
        with engine.begin() as conn:
            _flush(conn, vault, insurer_number, batch, counts)
    return counts


def _batches(records: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _flush(conn, vault, insurer_number, batch, counts, seen: set[str] | None = None) -> None:
    """Insert a chunk. `seen`: the household ids loaded so far by a first load, kept here because the tables have
    no keys to look them up while it runs."""
    now = utcnow()
    ids = [r["household_id"] for r in batch]
    if seen is None:
        existing = set(
            conn.execute(sa.select(households.c.household_id).where(households.c.household_id.in_(ids))).scalars()
        )
    else:
        existing = seen
    house_rows, person_rows, branch_rows, period_rows = [], [], [], []
    for record in batch:
        if record["household_id"] in existing:
            counts["skipped"] += 1
            continue
        if seen is not None:
            seen.add(record["household_id"])
        insured = [m for m in record["members"] if m.get("insured")]
        house_rows.append(
            {
                "household_id": record["household_id"],
                "head_person_id": record["head_person_id"],
                "symbol": record.get("symbol") if insured else None,
                "number": record.get("number") if insured else None,
                "next_branch": 1 + max((int(m["branch_no"]) for m in insured), default=0),
                "address": json.dumps(record.get("address") or {}, ensure_ascii=False, sort_keys=True),
                "version": 1,
                "updated_at": now,
            }
        )
        for index, member in enumerate(record["members"]):
            my_number = member.get("my_number") or ""
            if my_number and my_number_problem(my_number):
                raise RuleViolation(
                    f"{record['household_id']}.members[{index}].my_number",
                    my_number_problem(my_number),
                    rule="NUM-MYNUMBER",
                    code="INVALID_MY_NUMBER",
                )
            person_rows.append(
                {
                    "person_id": member["person_id"],
                    "household_id": record["household_id"],
                    "name_kanji": member["name_kanji"],
                    "name_kana": member["name_kana"],
                    "name_kana_key": search_key(member["name_kana"]),
                    "birth_date": dt.date.fromisoformat(member["birth_date"]),
                    "sex": member.get("sex", ""),
                    "relationship": member.get("relationship", ""),
                    "listing_order": int(member.get("listing_order") or index + 1),
                    "resident_since": _date(member.get("resident_since")),
                    "resident_status": "resident",
                    "nationality": member.get("nationality") or "",
                    "residence_status": residence.as_code(
                        f"{record['household_id']}.members[{index}].residence_status",
                        member.get("residence_status") or "",
                    ),
                    "residence_expires_on": _date(member.get("residence_expires_on")),
                    "dv_support": bool(member.get("dv_support")),
                    **(vault.seal(my_number) if my_number else NO_MY_NUMBER),
                    "version": 1,
                    "updated_at": now,
                }
            )
            if member.get("insured"):
                branch_rows.append(
                    {
                        "symbol": record["symbol"],
                        "number": record["number"],
                        "branch_no": member["branch_no"],
                        "person_id": member["person_id"],
                    }
                )
                period_rows.append(
                    {
                        "period_id": str(uuid.uuid4()),
                        "person_id": member["person_id"],
                        "household_id": record["household_id"],
                        "insurer_number": insurer_number,
                        "symbol": record["symbol"],
                        "number": record["number"],
                        "branch_no": member["branch_no"],
                        "acquired_on": dt.date.fromisoformat(member["acquired_on"]),
                        "acquired_reason": "migration",
                        "lost_on": None,
                        "lost_reason": None,
                        "recorded_at": now,
                        "superseded_at": None,
                        "change_id": "migration",
                        "reasons": "[]",
                    }
                )
        counts["households"] += 1
    version_rows = [
        {
            "person_id": r["person_id"],
            "version": 1,
            "recorded_at": now,
            "cause": "migration",
            "attributes": json.dumps({k: _plain(r.get(k, DEFAULTS.get(k))) for k in VERSIONED}, ensure_ascii=False),
        }
        for r in person_rows
    ]
    for table, rows in (
        (households, house_rows),
        (persons, person_rows),
        (person_versions, version_rows),
        (branches, branch_rows),
        (periods, period_rows),
    ):
        bulk.insert(conn, table, rows)
    counts["persons"] += len(person_rows)
    counts["insured"] += len(period_rows)


DEFAULTS = {"display_name": "", "card_registered": False}


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
