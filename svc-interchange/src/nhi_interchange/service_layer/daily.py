"""The daily aggregation link (2.6.1–2.6.5): cut off, validate, write the 世帯 and 個人 files, record the run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

from ..domain import files as f
from ..domain.address import AddressTable
from ..domain.validation import check
from .ports import FileDrop, PersonNumbers, Store

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class RunResult:
    business_date: str
    cutoff: str
    file_sequence: int
    sent: int
    errors: int
    households: int
    degraded: int
    files: list[dict[str, Any]]
    rerun: bool


def run_daily_aggregation(
    *,
    store: Store,
    numbers: PersonNumbers,
    drop: FileDrop,
    insurer_number: str,
    business_date: dt.date,
    now: dt.datetime,
    addresses: AddressTable | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> RunResult:
    """Write the files of `business_date`; a re-run of the latest day writes the same bytes from the same records."""
    day = business_date.isoformat()
    with store.transaction() as records:
        run = records.get_run(day)
        latest = records.latest_run()
        if run is None and latest and latest["business_date"] > day:
            raise ValueError(f"the run of {latest['business_date']} is later than {day}")
        if run is not None and latest and latest["business_date"] != day:
            raise ValueError(f"only the latest run ({latest['business_date']}) can be re-run")
        rerun = run is not None
        if run is None:
            run = {
                "business_date": day,
                "cutoff_at": f.cutoff_of(business_date, now).isoformat(),
                "file_sequence": (latest["file_sequence"] + 1) if latest else 1,
            }
            candidates = records.candidates(run["cutoff_at"])
            for c in candidates:
                c["history_sent"] = records.was_sent(c["person_id"], c["snapshot"].get("period_id", ""), c["seq"])
    if not rerun:
        # validated outside a transaction: the My Numbers are remote calls, and progress is written meanwhile
        outcomes, errors, fixed = _validate(candidates, numbers, run, progress, addresses)
        with store.transaction() as records:
            if records.get_run(day) is not None:
                raise ValueError(f"the run of {day} was recorded meanwhile by another run")
            records.save_run(run, outcomes, errors, fixed)
    with store.transaction() as records:
        sent = records.run_rows(day)
    header = f.FileHeader(
        insurer_number, business_date, dt.datetime.fromisoformat(run["cutoff_at"]), run["file_sequence"]
    )
    person_rows = [
        f.person_values(row["serial"], row["snapshot"], numbers.my_number(row["snapshot"]["person_id"])) for row in sent
    ]
    households = f.households_of(row["snapshot"] for row in sent)
    household_rows = [f.household_values(n, h, addresses) for n, h in enumerate(households, start=1)]
    written = []
    degraded: list[dict[str, str]] = []
    for kind, rows, key in (("H", household_rows, "household_id"), ("P", person_rows, "person_id")):
        tally = f.Tally()
        name = f.file_name(insurer_number, kind, business_date)
        size, digest = drop.deliver(name, f.records(kind, header, rows, tally, key=key))
        written.append({"kind": kind, "file_name": name, "records": tally.records, "bytes": size, "sha256": digest})
        degraded += tally.degraded
    manifest = {
        "business_date": day,
        "cutoff_at": run["cutoff_at"],
        "file_sequence": run["file_sequence"],
        "insurer_number": insurer_number,
        "files": written,
        "degraded_characters": len(degraded),
    }
    body = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    drop.deliver(f.manifest_name(insurer_number, business_date), [body])
    with store.transaction() as records:
        records.save_files(
            day, [{**w, "degraded": _degraded_in(degraded, w["kind"])} for w in written], _degraded_rows(degraded)
        )
    log.info("daily aggregation written", extra={"business_date": day, "records": len(sent), "rerun": rerun})
    return RunResult(
        business_date=day,
        cutoff=run["cutoff_at"],
        file_sequence=run["file_sequence"],
        sent=len(sent),
        errors=run.get("errors", 0),
        households=len(households),
        degraded=len(degraded),
        files=written,
        rerun=rerun,
    )


def _degraded_rows(degraded: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The error-list rows (W01, the record was sent) of the characters written by the mapping or as 〓."""
    return [
        {
            "record_key": d["key"],
            "file": d["file"],
            "error_code": "W01",
            "field": d["field"],
            "rule": "2.6.5",
            "message": f"CP932にない文字 U+{ord(d['character'][0]):04X} を「{d['written']}」で送付しました",
        }
        for d in degraded
    ]


def _degraded_in(degraded: list[dict[str, str]], kind: str) -> int:
    return sum(1 for d in degraded if d["file"] == kind)


def _validate(candidates, numbers: PersonNumbers, run: dict[str, Any], progress, addresses: AddressTable | None):
    """Validate every candidate (2.6.1): the outcome and serial of each, the error list rows, the persons fixed."""
    last_seq = {c["person_id"]: c["seq"] for c in candidates}
    outcomes: list[tuple[int, str, int]] = []
    errors: list[dict[str, Any]] = []
    passed: set[str] = set()
    found: list[tuple[dict[str, Any], list]] = []
    for done, candidate in enumerate(candidates, start=1):
        problems = check(
            candidate["snapshot"],
            my_number=numbers.my_number(candidate["person_id"]),
            history_sent=candidate["history_sent"],
            addresses=addresses,
        )
        found.append((candidate, problems))
        if not problems and candidate["seq"] == last_seq[candidate["person_id"]]:
            passed.add(candidate["person_id"])
        progress(done, len(candidates))
    serial = 0
    for candidate, problems in found:
        if problems and candidate["person_id"] in passed:
            outcomes.append((candidate["seq"], "superseded", 0))
        elif problems:
            outcomes.append((candidate["seq"], "error", 0))
            snapshot = candidate["snapshot"]
            errors += [
                {
                    "seq": candidate["seq"],
                    "record_key": f"{candidate['person_id']}/{snapshot.get('change_id', '')}",
                    "file": p.file,
                    "error_code": p.code,
                    "field": p.field,
                    "rule": p.rule,
                    "message": p.message,
                }
                for p in problems
            ]
        else:
            serial += 1
            outcomes.append((candidate["seq"], "sent", serial))
    run.update(candidates=len(candidates), sent=serial, errors=len({e["seq"] for e in errors}))
    return outcomes, errors, sorted(passed)
