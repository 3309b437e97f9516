"""svc-interchange's records on its tables (SQLAlchemy Core): pending changes, runs, files, lists, jobs."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from nhi_common import db, paging
from nhi_common.plumbing import Plumbing, utcnow

from ..domain.aggregation import PendingRecord
from ..service_layer.ports import LISTED_PERSONS
from .tables import AGGREGATION, SUBCOPY, metadata, pending

runs = AGGREGATION["aggregation_runs"]
files = AGGREGATION["aggregation_files"]
errors = AGGREGATION["aggregation_errors"]
imports = AGGREGATION["interchange_imports"]
results = AGGREGATION["registration_results"]
jobs = AGGREGATION["interchange_jobs"]
START_JOB = "StartInterchangeJob"  # the operation an Idempotency-Key of StartJob is kept under
queries = AGGREGATION["subcopy_queries"]
transfers = AGGREGATION["subcopy_transfers"]
subcopy_records = SUBCOPY["subcopy_records"]
manual = SUBCOPY["manual_requests"]
receipts = SUBCOPY["intermediate_receipts"]

EVENT_SOURCE = "urn:nhi:svc-interchange"
CHUNK = 1000  # ids in one IN list: a batch of events fits in one, a bound keeps any list within the driver's limits


class SqlPendingRecords:
    """PendingRecords inside the transaction of `conn`."""

    def __init__(self, conn: sa.Connection, plumbing: Plumbing) -> None:
        self.conn = conn
        self.plumbing = plumbing

    def claim(self, event_id: str, consumer: str) -> bool:
        return self.plumbing.claim_inbox(self.conn, event_id=event_id, consumer=consumer)

    def claim_many(self, event_ids: list[str], consumer: str) -> list[bool]:
        return self.plumbing.claim_inbox_many(self.conn, event_ids, consumer)

    def audit(self, **entry) -> None:
        self.plumbing.audit(self.conn, **entry)

    def add_pending(
        self, record: PendingRecord, payload: dict[str, Any], snapshot: dict[str, Any], received_at: dt.datetime
    ) -> None:
        self.conn.execute(sa.insert(pending).values(**_pending_row(record, payload, snapshot, received_at)))

    def add_pending_many(
        self, records: list[tuple[PendingRecord, dict[str, Any], dict[str, Any], dt.datetime]]
    ) -> None:
        db.insert_rows(self.conn, pending, [_pending_row(*r) for r in records])

    def list_pending(self, *, person_id: str, page: paging.Page) -> tuple[list[dict[str, Any]], str, int]:
        query = sa.select(pending).where(pending.c.state == "pending")
        total_query = sa.select(sa.func.count()).select_from(pending).where(pending.c.state == "pending")
        if person_id:
            query = query.where(pending.c.person_id == person_id)
            total_query = total_query.where(pending.c.person_id == person_id)
        rows, next_cursor = paging.keyset(self.conn, query, pending.c.seq, page)
        total = self.conn.execute(total_query).scalar_one()
        return [_record(row) for row in rows], next_cursor, total

    def withhold_address(self, household_id: str, person_ids: list[str]) -> int:
        """Rule DV: no address left in the stored payload or snapshot of any record of the household's members."""
        who = sa.or_(pending.c.household_id == household_id, pending.c.person_id.in_(person_ids))
        changed = 0
        for row in self.conn.execute(sa.select(pending.c.seq, pending.c.payload, pending.c.snapshot).where(who)).all():
            payload = json.loads(row.payload)
            snapshot = json.loads(row.snapshot) if row.snapshot else None
            if payload.get("address") or (snapshot and any((snapshot.get("address") or {}).values())):
                payload["address"] = {}
                if snapshot is not None:
                    snapshot["address"] = {}
                self.conn.execute(
                    sa.update(pending)
                    .where(pending.c.seq == row.seq)
                    .values(
                        payload=json.dumps(payload, ensure_ascii=False),
                        snapshot=json.dumps(snapshot, ensure_ascii=False, sort_keys=True) if snapshot else row.snapshot,
                    )
                )
                changed += 1
        return changed

    def latest_snapshot(self, person_id: str) -> dict[str, Any] | None:
        query = (
            sa.select(pending.c.snapshot)
            .where(pending.c.person_id == person_id, pending.c.snapshot.is_not(None))
            .order_by(pending.c.seq.desc())
            .limit(1)
        )
        found = self.conn.execute(query).scalar()
        return json.loads(found) if found else None

    def latest_snapshots(self, person_ids: list[str]) -> dict[str, dict[str, Any]]:
        """`latest_snapshot` of each person at once (one statement per thousand), those with none left out."""
        wanted = list(dict.fromkeys(person_ids))
        found: dict[str, dict[str, Any]] = {}
        for part in db.id_slices(self.conn, wanted, CHUNK):
            latest = (
                sa.select(sa.func.max(pending.c.seq))
                .where(db.one_of(self.conn, pending.c.person_id, part), pending.c.snapshot.is_not(None))
                .group_by(pending.c.person_id)
            )
            query = sa.select(pending.c.person_id, pending.c.snapshot).where(pending.c.seq.in_(latest))
            found.update((r.person_id, json.loads(r.snapshot)) for r in self.conn.execute(query) if r.snapshot)
        return found

    def candidates(self, cutoff: str) -> list[dict[str, Any]]:
        query = (
            sa.select(pending.c.seq, pending.c.person_id, pending.c.snapshot)
            .where(
                pending.c.state.in_(("pending", "error")),
                pending.c.received_at < dt.datetime.fromisoformat(cutoff).astimezone(dt.UTC),
                pending.c.snapshot.is_not(None),
            )
            .order_by(pending.c.seq)
        )
        return [
            {"seq": r.seq, "person_id": r.person_id, "snapshot": json.loads(r.snapshot)}
            for r in self.conn.execute(query)
        ]

    def was_sent(self, person_id: str, period_id: str, before_seq: int) -> bool:
        query = sa.select(pending.c.snapshot).where(
            pending.c.person_id == person_id,
            pending.c.seq < before_seq,
            pending.c.state.in_(("sent", "accepted", "rejected")),
        )
        return any(json.loads(s).get("period_id") == period_id for s in self.conn.execute(query).scalars())

    def get_run(self, business_date: str) -> dict[str, Any] | None:
        row = self.conn.execute(sa.select(runs).where(runs.c.business_date == business_date)).first()
        return dict(row._mapping) if row else None

    def latest_run(self) -> dict[str, Any] | None:
        row = self.conn.execute(sa.select(runs).order_by(runs.c.business_date.desc()).limit(1)).first()
        return dict(row._mapping) if row else None

    def run_rows(self, business_date: str) -> list[dict[str, Any]]:
        query = (
            sa.select(pending.c.seq, pending.c.serial, pending.c.snapshot)
            .where(pending.c.run_date == business_date, pending.c.serial > 0)
            .order_by(pending.c.serial)
        )
        return [
            {"seq": r.seq, "serial": r.serial, "snapshot": json.loads(r.snapshot)} for r in self.conn.execute(query)
        ]

    def save_run(self, run, outcomes, errors_found, fixed_persons) -> None:
        self.conn.execute(sa.insert(runs).values(**run, created_at=utcnow()))
        day = run["business_date"]
        for seq, outcome, serial in outcomes:
            values = {"state": outcome, "run_date": day, "serial": serial}
            self.conn.execute(sa.update(pending).where(pending.c.seq == seq).values(**values))
        if errors_found:
            self.conn.execute(
                sa.insert(errors),
                # The pending record's seq is record_seq here: the error rows number themselves.
                [
                    {**{k: v for k, v in e.items() if k != "seq"}, "record_seq": e["seq"], "business_date": day}
                    for e in map(dict, errors_found)
                ],
            )
        if fixed_persons:
            self.conn.execute(
                sa.update(pending)
                .where(pending.c.person_id.in_(fixed_persons), pending.c.state == "rejected")
                .values(state="superseded")
            )

    def save_files(self, business_date: str, found: list[dict[str, Any]], warnings: list[dict[str, Any]]) -> None:
        self.conn.execute(sa.delete(files).where(files.c.business_date == business_date))
        self.conn.execute(
            sa.delete(errors).where(errors.c.business_date == business_date, errors.c.error_code == "W01")
        )
        if warnings:
            self.conn.execute(
                sa.insert(errors), [{**w, "business_date": business_date, "record_seq": 0} for w in warnings]
            )
        self.conn.execute(
            sa.insert(files),
            [
                {**f, "file_id": str(uuid.uuid4()), "business_date": business_date, "created_at": utcnow()}
                for f in found
            ],
        )

    def list_files(self, *, page: paging.Page) -> tuple[list[dict[str, Any]], str]:
        rows, cursor = paging.keyset(
            self.conn,
            sa.select(files, runs.c.cutoff_at).join(runs, runs.c.business_date == files.c.business_date),
            files.c.seq,
            page,
        )
        return [_file(r) for r in rows], cursor

    def list_report(self, kind: str, *, page: paging.Page) -> tuple[list[dict[str, Any]], str]:
        if kind == "subcopy_target_list":
            return self.subcopy_target_rows(page=page)
        if kind == "qualification_data_error_list":
            return self._error_rows(page=page)
        table = {"interchange_import_list": imports, "interchange_registration_result_list": results}[kind]
        rows, cursor = paging.keyset(self.conn, sa.select(table), table.c.seq, page)
        found = [_report_row(kind, r) for r in rows]
        if kind == "interchange_registration_result_list":
            for row, r in zip(found, rows, strict=True):
                row[LISTED_PERSONS] = (r.person_id,) if r.person_id else ()
        return found, cursor

    def _error_rows(self, *, page: paging.Page) -> tuple[list[dict[str, Any]], str]:
        """The 資格情報データエラーリスト with the persons each row names (LISTED_PERSONS): a record's person, the
        person of a 個人 file warning, every person sent of the household of a 世帯 file warning."""
        query = sa.select(errors, pending.c.person_id).outerjoin(pending, pending.c.seq == errors.c.record_seq)
        rows, cursor = paging.keyset(self.conn, query, errors.c.seq, page)
        households = {r.record_key for r in rows if r.person_id is None and r.file == "H"}
        members: dict[str, set[str]] = {}
        if households:
            held = sa.select(pending.c.household_id, pending.c.person_id).where(pending.c.household_id.in_(households))
            for household_id, person_id in self.conn.execute(held.distinct()):
                members.setdefault(household_id, set()).add(person_id)
        found = []
        for r in rows:
            row = _report_row("qualification_data_error_list", r)
            if r.person_id is not None:
                row[LISTED_PERSONS] = (r.person_id,)
            elif r.file == "H":
                row[LISTED_PERSONS] = tuple(sorted(members.get(r.record_key, ())))
            else:
                row[LISTED_PERSONS] = (r.record_key,)
            found.append(row)
        return found, cursor

    def imported(self, file_name: str, sha256: str) -> bool:
        query = sa.select(imports.c.seq).where(imports.c.file_name == file_name, imports.c.sha256 == sha256)
        return self.conn.execute(query).first() is not None

    def sent_record(self, person_id: str, change_id: str) -> dict[str, Any] | None:
        query = (
            sa.select(pending.c.seq, pending.c.snapshot)
            .where(
                pending.c.person_id == person_id,
                pending.c.change_id == change_id,
                pending.c.state.in_(("sent", "accepted", "rejected")),
            )
            .order_by(pending.c.seq.desc())
            .limit(1)
        )
        row = self.conn.execute(query).first()
        if row is None:
            return None
        return {"seq": row.seq, "period_id": json.loads(row.snapshot or "{}").get("period_id") or ""}

    def save_import(self, row: dict[str, Any], found: list[dict[str, Any]]) -> None:
        import_seq = self.conn.execute(sa.insert(imports).values(**row, imported_at=utcnow())).inserted_primary_key[0]
        for result in found:
            key = result["person_id"] or f"{result['file_kind']}#{result['original_serial']}"
            reason = None if result["status"] == "accepted" else f"{result['code']} {result['message'] or ''}".strip()
            applied = result["status"] == "accepted" and (not result["person_id"] or result.get("seq") is not None)
            if result["person_id"] and result.get("seq") is None:
                reason = "送付した記録が見つかりません"
            if result.get("seq") is not None:
                self.conn.execute(
                    sa.update(pending)
                    .where(pending.c.seq == result["seq"])
                    .values(
                        state=result["status"],
                        result_code=result["code"],
                        pref_acquired_on=result["pref_acquired_on"],
                    )
                )
            # ACQ-MOVE-IN-PREF: an accepted record's prefecture acquisition date waits to be written back
            write_back = applied and bool(result["pref_acquired_on"] and result.get("period_id"))
            self.conn.execute(
                sa.insert(results).values(
                    import_seq=import_seq,
                    record_key=f"{key}/{result['change_id']}" if result["person_id"] else key,
                    applied=applied,
                    reason=reason,
                    pref_acquired_on=result["pref_acquired_on"],
                    person_id=result["person_id"] or None,
                    period_id=result.get("period_id") or None,
                    change_id=result["change_id"] or None,
                    pref_state="pending" if write_back else None,
                    pref_note=None
                    if write_back or not result["pref_acquired_on"]
                    else "期間が特定できないため資格へ反映しません",
                )
            )

    def pending_write_backs(self) -> list[dict[str, Any]]:
        query = (
            sa.select(
                results.c.seq,
                results.c.person_id,
                results.c.period_id,
                results.c.change_id,
                results.c.pref_acquired_on,
            )
            .where(results.c.pref_state == "pending")
            .order_by(results.c.seq)
        )
        return [dict(r._mapping) for r in self.conn.execute(query)]

    def record_write_back(self, seq: int, state: str, note: str | None) -> None:
        self.conn.execute(sa.update(results).where(results.c.seq == seq).values(pref_state=state, pref_note=note))

    def add_job(self, job: dict[str, Any]) -> None:
        self.conn.execute(sa.insert(jobs).values(**job))

    def update_job(self, job_id: str, **values: Any) -> None:
        self.conn.execute(sa.update(jobs).where(jobs.c.job_id == job_id).values(**values))

    def fail_abandoned_jobs(self, silent_since: dt.datetime, error: str) -> list[str]:
        return db.fail_abandoned_jobs(self.conn, jobs, silent_since=silent_since, now=utcnow(), error=error)

    def replayed_job(self, operator_id: str, key: str, request: bytes) -> str | None:
        return self.plumbing.recall_job(
            self.conn, operator_id=operator_id, key=key, operation=START_JOB, request=request
        )

    def remember_job(self, operator_id: str, key: str, request: bytes, job_id: str) -> None:
        self.plumbing.remember_job(
            self.conn, operator_id=operator_id, key=key, operation=START_JOB, request=request, job_id=job_id
        )

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(sa.select(jobs).where(jobs.c.job_id == job_id)).first()
        return _job(row) if row is not None else None

    def list_jobs(
        self, kinds: Sequence[str], states: Sequence[str], page: paging.Page
    ) -> tuple[list[dict[str, Any]], bool]:
        rows, more = db.jobs_page(self.conn, jobs, kinds=kinds, states=states, page=page)
        return [_job(row) for row in rows], more

    def add_subcopy_query(self, query: dict[str, Any]) -> None:
        self.conn.execute(sa.insert(queries).values(**query))

    def list_transfers(self, *, page: paging.Page) -> tuple[list[dict[str, Any]], str]:
        rows, cursor = paging.keyset(self.conn, sa.select(transfers), transfers.c.seq, page)
        return [_transfer(r) for r in rows], cursor

    # --- sub-copies with the intermediate server ---

    def subcopy_candidates(self) -> tuple[list[dict[str, Any]], int]:
        through = self.conn.execute(sa.select(sa.func.max(transfers.c.through_seq))).scalar() or 0
        latest = (
            sa.select(sa.func.max(pending.c.seq).label("seq"))
            .where(pending.c.seq > through, pending.c.snapshot.is_not(None))
            .group_by(pending.c.person_id)
            .subquery()
        )
        query = (
            sa.select(pending.c.seq, pending.c.person_id, pending.c.snapshot)
            .join(latest, latest.c.seq == pending.c.seq)
            .order_by(pending.c.seq)
        )
        found = [
            {"seq": r.seq, "person_id": r.person_id, "snapshot": json.loads(r.snapshot)}
            for r in self.conn.execute(query)
        ]
        return found, max((f["seq"] for f in found), default=through)

    def subcopy_retries(self, max_attempts: int) -> list[dict[str, Any]]:
        latest = sa.select(sa.func.max(subcopy_records.c.seq).label("seq")).group_by(subcopy_records.c.person_id)
        latest = latest.subquery()
        query = (
            sa.select(
                subcopy_records.c.person_id,
                subcopy_records.c.record_seq,
                subcopy_records.c.attempt,
                pending.c.snapshot,
            )
            .join(latest, latest.c.seq == subcopy_records.c.seq)
            .join(pending, pending.c.seq == subcopy_records.c.record_seq)
            .where(subcopy_records.c.status == "rejected", subcopy_records.c.attempt < max_attempts)
            .order_by(subcopy_records.c.seq)
        )
        return [
            {"seq": r.record_seq, "person_id": r.person_id, "snapshot": json.loads(r.snapshot), "attempt": r.attempt}
            for r in self.conn.execute(query)
        ]

    def next_transfer_sequence(self) -> int:
        return (self.conn.execute(sa.select(sa.func.count()).select_from(transfers)).scalar() or 0) + 1

    def save_transfer(self, transfer: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        self.conn.execute(sa.insert(transfers).values(**transfer))
        if rows:
            self.conn.execute(sa.insert(subcopy_records), rows)

    def transfer_by_file(self, file_name: str) -> dict[str, Any] | None:
        row = self.conn.execute(sa.select(transfers).where(transfers.c.file_name == file_name)).first()
        return dict(row._mapping) if row else None

    def record_transfer_result(
        self, transfer_id: str, found: list[dict[str, Any]], note: str | None, *, max_attempts: int
    ) -> None:
        sent = subcopy_records.c.status.in_(("sent", "accepted", "rejected"))
        of_transfer = subcopy_records.c.transfer_id == transfer_id
        if note:
            self.conn.execute(sa.update(subcopy_records).where(of_transfer, sent).values(status="rejected"))
        for result in found:
            self.conn.execute(
                sa.update(subcopy_records)
                .where(of_transfer, subcopy_records.c.serial == result["original_serial"], sent)
                .values(status="accepted" if result["status"] == "0" else "rejected", code=result["code"])
            )
        counts = dict(
            self.conn.execute(
                sa.select(subcopy_records.c.status, sa.func.count())
                .where(of_transfer, sent)
                .group_by(subcopy_records.c.status)
            ).all()
        )
        accepted, rejected = counts.get("accepted", 0), counts.get("rejected", 0)
        exhausted = self.conn.execute(
            sa.select(sa.func.count())
            .select_from(subcopy_records)
            .where(of_transfer, subcopy_records.c.status == "rejected", subcopy_records.c.attempt >= max_attempts)
        ).scalar()
        state = "refused" if note else "registered" if not rejected else "partly_rejected"
        self.conn.execute(
            sa.update(transfers)
            .where(transfers.c.transfer_id == transfer_id)
            .values(
                state=state,
                accepted=accepted,
                rejected=rejected,
                retry_exhausted=exhausted,
                result_at=utcnow(),
                result_note=note,
            )
        )

    def received(self, file_name: str, sha256: str) -> bool:
        query = sa.select(receipts.c.seq).where(receipts.c.file_name == file_name, receipts.c.sha256 == sha256)
        return self.conn.execute(query).first() is not None

    def save_receipt(self, row: dict[str, Any]) -> None:
        self.conn.execute(sa.insert(receipts).values(**row))

    def queries_in_state(self, state: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(sa.select(queries).where(queries.c.state == state).order_by(queries.c.seq))
        return [dict(r._mapping) for r in rows]

    def get_query(self, query_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(sa.select(queries).where(queries.c.query_id == query_id)).first()
        return dict(row._mapping) if row else None

    def update_query(self, query_id: str, **values: Any) -> None:
        self.conn.execute(sa.update(queries).where(queries.c.query_id == query_id).values(**values))

    def list_queries(self, *, person_id: str, page: paging.Page) -> tuple[list[dict[str, Any]], str]:
        query = sa.select(queries)
        if person_id:
            query = query.where(queries.c.person_id == person_id)
        rows, cursor = paging.keyset(self.conn, query, queries.c.seq, page)
        return [dict(r._mapping) for r in rows], cursor

    def next_query_file_sequence(self) -> int:
        count = sa.select(sa.func.count(sa.distinct(queries.c.request_file))).where(queries.c.request_file.is_not(None))
        return (self.conn.execute(count).scalar() or 0) + 1

    def add_manual_request(self, request: dict[str, Any]) -> bool:
        found = self.conn.execute(sa.select(manual.c.seq).where(manual.c.request_id == request["request_id"])).first()
        if found is not None:
            return False
        self.conn.execute(sa.insert(manual).values(**request))
        return True

    def get_manual_request(self, request_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(sa.select(manual).where(manual.c.request_id == request_id)).first()
        return _manual(row) if row else None

    def update_manual_request(self, request_id: str, **values: Any) -> None:
        self.conn.execute(sa.update(manual).where(manual.c.request_id == request_id).values(**values))

    def list_manual_requests(self, *, state: str, page: paging.Page) -> tuple[list[dict[str, Any]], str]:
        query = sa.select(manual)
        if state:
            query = query.where(manual.c.state == state)
        rows, cursor = paging.keyset(self.conn, query, manual.c.seq, page)
        return [_manual(r) for r in rows], cursor

    def subcopy_target_rows(self, *, page: paging.Page) -> tuple[list[dict[str, Any]], str]:
        query = (
            sa.select(subcopy_records, pending.c.snapshot, transfers.c.state.label("transfer_state"))
            .join(pending, pending.c.seq == subcopy_records.c.record_seq)
            .join(transfers, transfers.c.transfer_id == subcopy_records.c.transfer_id)
        )
        rows, cursor = paging.keyset(self.conn, query, subcopy_records.c.seq, page)
        return [{**_target_row(r), LISTED_PERSONS: (r.person_id,)} for r in rows], cursor


def _pending_row(
    record: PendingRecord, payload: dict[str, Any], snapshot: dict[str, Any], received_at: dt.datetime
) -> dict[str, Any]:
    return {
        "record_id": str(uuid.uuid4()),
        "event_id": record.event_id,
        "event_type": record.event_type,
        "person_id": record.person_id,
        "household_id": record.household_id,
        "change_id": record.change_id,
        "effective_date": record.effective_date,
        "payload": json.dumps(payload, ensure_ascii=False),
        "snapshot": json.dumps(snapshot, ensure_ascii=False, sort_keys=True),
        "received_at": received_at,
    }


def _file(row) -> dict[str, Any]:
    return {
        "file_id": row.file_id,
        "kind": {"H": "household", "P": "person"}[row.kind],
        "file_name": row.file_name,
        "records": row.records,
        "created_at": _iso(row.created_at),
        "business_date": row.business_date,
        "cutoff_at": row.cutoff_at,
        "bytes": row.bytes,
        "sha256": row.sha256,
        "degraded_characters": row.degraded,
    }


def _report_row(kind: str, row) -> dict[str, Any]:
    if kind == "qualification_data_error_list":
        return {
            "record_key": row.record_key,
            "file": {"H": "資格情報（世帯）", "P": "資格情報（個人）"}.get(row.file, row.file),
            "error_code": row.error_code,
            "message": f"{row.message}（{row.field}, {row.rule}）",
        }
    if kind == "interchange_import_list":
        return {"data_type": row.data_type, "count": row.count, "status": row.status, "rejected": row.rejected}
    return {
        "record_key": row.record_key,
        "applied": "反映" if row.applied else "不能",
        "reason": row.reason,
        "pref_acquired_on": _pref_cell(row),
    }


PREF_STATES = {
    "pending": "資格へ未反映（次回取込で再試行）",
    "recorded": "資格取得日へ反映済",
    "unchanged": "資格取得日と一致",
    "refused": "資格へ反映不可",
}


def _pref_cell(row) -> str | None:
    """ACQ-MOVE-IN-PREF on the 連携データ登録結果リスト: the returned date and whether the register took it."""
    if not row.pref_acquired_on:
        return None
    state = PREF_STATES.get(row.pref_state or "", "")
    note = f": {row.pref_note}" if row.pref_note and row.pref_state in ("pending", "refused", None) else ""
    return f"{row.pref_acquired_on}（{state or '資格へ反映しません'}{note}）"


def _transfer(row) -> dict[str, Any]:
    return {
        "transfer_id": row.transfer_id,
        "state": row.state,
        "records": row.records,
        "created_at": _iso(row.created_at),
        "business_date": row.business_date or "",
        "file_name": row.file_name or "",
        "sha256": row.sha256 or "",
        "accepted": row.accepted or 0,
        "rejected": row.rejected or 0,
        "no_auto_answer": row.no_auto_answer or 0,
        "result_at": _iso(row.result_at) if row.result_at else "",
        "result_note": row.result_note or "",
        "retried": row.retried or 0,
        "retry_exhausted": row.retry_exhausted or 0,
    }


def _manual(row) -> dict[str, Any]:
    return {
        "request_id": row.request_id,
        "person_id": row.person_id,
        "item": row.item,
        "requester": row.requester,
        "reason": row.reason,
        "state": row.state,
        "received_at": _iso(row.received_at),
        "decided_at": _iso(row.decided_at) if row.decided_at else "",
        "decided_by": row.decided_by or "",
        "note": row.note or "",
        "answer_file": row.answer_file or "",
    }


SUBCOPY_STATUS = {"sent": "転送済", "accepted": "登録済", "rejected": "登録不可", "error": "作成不可"}
SUBCOPY_ITEM = "国民健康保険資格"


def _target_row(row) -> dict[str, Any]:
    """A row of the 副本データ対象者一覧 (2.8.1): person, item, change type, transfer status (with the code)."""
    snapshot = json.loads(row.snapshot)
    status = SUBCOPY_STATUS.get(row.status, row.status)
    if row.code:
        status += f"（{row.code}）"
    if row.no_auto_answer and row.status != "error":
        status += "・自動応答不可"
    if row.attempt > 1:
        status += f"・再送{row.attempt - 1}回目"
    return {
        "person_id": row.person_id,
        "name": snapshot.get("name_kanji") or None,
        "item_type": SUBCOPY_ITEM,
        "change_type": {"1": "新規", "2": "更新", "3": "削除"}.get(row.change_type, row.change_type),
        "transfer_status": status,
    }


class SqlStore:
    """Store over an engine: one database transaction per unit of work."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.plumbing = Plumbing(metadata, EVENT_SOURCE)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SqlPendingRecords]:
        with self.engine.begin() as conn:
            yield SqlPendingRecords(conn, self.plumbing)


def _record(row) -> dict[str, Any]:
    return {
        "record_id": row.record_id,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "person_id": row.person_id,
        "household_id": row.household_id,
        "change_id": row.change_id,
        "effective_date": row.effective_date,
        "received_at": _iso(row.received_at),
        "state": row.state,
    }


def _job(row) -> dict[str, Any]:
    job = dict(row._mapping)
    job["parameters"] = json.loads(job["parameters"])
    job["created_at"] = _iso(job["created_at"])
    job["finished_at"] = _iso(job["finished_at"]) if job["finished_at"] else ""
    job["error"] = job["error"] or ""
    return job


def _iso(value: dt.datetime) -> str:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return value.isoformat() if value.tzinfo else value.isoformat() + "+00:00"
