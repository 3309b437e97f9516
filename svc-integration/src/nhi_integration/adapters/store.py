"""Repositories of svc-integration over its tables; every function works inside the caller's transaction."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from nhi_common import db, paging
from nhi_common.mynumber_keys import MyNumberKeys
from nhi_common.plumbing import Plumbing, utcnow

from ..domain.resident import ResidentChange, mask_my_number
from .tables import dead_letters, imports, metadata, person_sequences, received_changes

EVENT_SOURCE = "urn:nhi:svc-integration"


def record_receipt(
    conn: sa.Connection, *, receipt_key: str, change: ResidentChange, origin: str, import_id: str | None = None
) -> None:
    """Note that a change arrived and is being handed on (no personal data: ids and counts only)."""
    conn.execute(
        sa.insert(received_changes).values(
            receipt_key=receipt_key,
            change_id=change.change_id,
            change_kind=change.change_kind,
            household_id=change.household_id,
            persons=len(change.persons),
            origin=origin,
            import_id=import_id,
            received_at=utcnow(),
        )
    )


def record_outcomes(conn: sa.Connection, *, receipt_key: str, outcomes: list[dict[str, Any]]) -> None:
    conn.execute(
        sa.update(received_changes)
        .where(received_changes.c.receipt_key == receipt_key)
        .values(outcomes=json.dumps(outcomes, ensure_ascii=False, sort_keys=True))
    )


def record_receipts(conn: sa.Connection, receipts: list[dict[str, Any]]) -> None:
    """`record_receipt` and `record_outcomes` of several changes in one statement: each a dict of receipt_key,
    change, origin, import_id and outcomes."""
    if not receipts:
        return
    now = utcnow()
    db.insert_rows(
        conn,
        received_changes,
        [
            {
                "receipt_key": r["receipt_key"],
                "change_id": r["change"].change_id,
                "change_kind": r["change"].change_kind,
                "household_id": r["change"].household_id,
                "persons": len(r["change"].persons),
                "origin": r["origin"],
                "import_id": r.get("import_id"),
                "outcomes": json.dumps(r["outcomes"], ensure_ascii=False, sort_keys=True),
                "received_at": now,
            }
            for r in receipts
        ],
    )


def get_receipt(conn: sa.Connection, receipt_key: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(received_changes).where(received_changes.c.receipt_key == receipt_key)).first()
    if row is None:
        return None
    data = dict(row._mapping)
    data["outcomes"] = json.loads(data["outcomes"])
    return data


def create_import(conn: sa.Connection, *, import_id: str, source: str, file_name: str, operator_id: str) -> None:
    conn.execute(
        sa.insert(imports).values(
            import_id=import_id,
            source=source,
            file_name=file_name,
            operator_id=operator_id,
            state="accepted",
            received_at=utcnow(),
        )
    )


def finish_import(
    conn: sa.Connection,
    *,
    import_id: str,
    state: str,
    records: int,
    applied: int,
    rejected: int,
    errors: list[dict[str, Any]],
) -> None:
    conn.execute(
        sa.update(imports)
        .where(imports.c.import_id == import_id)
        .values(
            state=state,
            records=records,
            applied=applied,
            rejected=rejected,
            finished_at=utcnow(),
            errors=json.dumps(errors, ensure_ascii=False),
        )
    )


def get_import(conn: sa.Connection, import_id: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(imports).where(imports.c.import_id == import_id)).first()
    return _import(row) if row else None


def list_imports(conn: sa.Connection, *, source: str = "", page: paging.Page) -> tuple[list[dict[str, Any]], str]:
    """One page of imports, newest first, and the cursor of the next page ('' at the end)."""
    query = sa.select(imports)
    if source:
        query = query.where(imports.c.source == source)
    rows, next_cursor = paging.keyset(conn, query, imports.c.seq, page, newest_first=True)
    return [_import(row) for row in rows], next_cursor


def _import(row) -> dict[str, Any]:
    data = dict(row._mapping)
    data["errors"] = json.loads(data["errors"])
    return data


def last_sequences(conn: sa.Connection, person_ids: list[str]) -> dict[str, int]:
    """The sequence number of the last change applied for each of `person_ids` that has one."""
    if not person_ids:
        return {}
    found: dict[str, int] = {}
    for part in db.id_slices(conn, person_ids, 1000):
        query = sa.select(person_sequences.c.person_id, person_sequences.c.sequence).where(
            db.one_of(conn, person_sequences.c.person_id, part)
        )
        found.update((row.person_id, row.sequence) for row in conn.execute(query))
    return found


def set_sequences(conn: sa.Connection, *, sequences: dict[str, int], change_id: str) -> None:
    known = last_sequences(conn, list(sequences))
    now = utcnow()
    for person_id, number in sequences.items():
        values = {"sequence": number, "change_id": change_id, "updated_at": now}
        if person_id in known:
            conn.execute(sa.update(person_sequences).where(person_sequences.c.person_id == person_id).values(**values))
        else:
            conn.execute(sa.insert(person_sequences).values(person_id=person_id, **values))


def set_sequences_many(conn: sa.Connection, applied: list[tuple[dict[str, int], str]]) -> None:
    """`set_sequences` of several changes (sequences, change id) in order: one upsert on PostgreSQL, three
    statements at most elsewhere."""
    final: dict[str, tuple[int, str]] = {}
    for sequences, change_id in applied:
        for person_id, number in sequences.items():
            final[person_id] = (number, change_id)
    if not final:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(
            _UPSERT_SEQUENCES,
            {
                "person_ids": list(final),
                "sequences": [n for n, _c in final.values()],
                "change_ids": [c for _n, c in final.values()],
                "at": utcnow(),
            },
        )
        return
    known = last_sequences(conn, list(final))
    now = utcnow()
    updates = [
        {"key": p, "sequence": n, "change_id": c, "updated_at": now} for p, (n, c) in final.items() if p in known
    ]
    inserts = [
        {"person_id": p, "sequence": n, "change_id": c, "updated_at": now}
        for p, (n, c) in final.items()
        if p not in known
    ]
    if updates:
        conn.execute(
            sa.update(person_sequences)
            .where(person_sequences.c.person_id == sa.bindparam("key"))
            .values(
                sequence=sa.bindparam("sequence"),
                change_id=sa.bindparam("change_id"),
                updated_at=sa.bindparam("updated_at"),
            ),
            updates,
        )
    if inserts:
        conn.execute(sa.insert(person_sequences), inserts)


# The last sequence of each person, inserted or replaced, the persons given as arrays (PostgreSQL).
_UPSERT_SEQUENCES = sa.text(
    "INSERT INTO person_sequences (person_id, sequence, change_id, updated_at) "
    "SELECT p, s, c, :at FROM unnest(CAST(:person_ids AS TEXT[]), CAST(:sequences AS BIGINT[]), "
    "CAST(:change_ids AS TEXT[])) AS v(p, s, c) "
    "ON CONFLICT (person_id) DO UPDATE SET sequence = excluded.sequence, change_id = excluded.change_id, "
    "updated_at = excluded.updated_at"
).bindparams(sa.bindparam("at", type_=person_sequences.c.updated_at.type))


def seal_payload(payload: Any, keys: MyNumberKeys | None) -> Any:
    """A change payload as it is kept: each person's My Number encrypted under the current key version
    (`mn:v<version>:...`), or masked to its last 4 digits when this service has no My Number key."""
    if not isinstance(payload, dict) or not isinstance(payload.get("persons"), list):
        return payload

    def sealed(value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return value
        if MyNumberKeys.is_sealed(value):
            return keys.reseal_text(value) if keys else value
        return keys.seal_text(value) if keys else mask_my_number(value)

    persons = [
        {**p, "my_number": sealed(p.get("my_number"))} if isinstance(p, dict) and p.get("my_number") else p
        for p in payload["persons"]
    ]
    return {**payload, "persons": persons}


def open_payload(payload: Any, keys: MyNumberKeys | None) -> Any:
    """A kept payload with its My Numbers in clear again (masked ones stay masked)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("persons"), list):
        return payload
    persons = [
        {**p, "my_number": keys.open_text(p["my_number"]) if keys else mask_my_number(p["my_number"])}
        if isinstance(p, dict) and MyNumberKeys.is_sealed(p.get("my_number"))
        else p
        for p in payload["persons"]
    ]
    return {**payload, "persons": persons}


def add_dead_letter(
    conn: sa.Connection,
    *,
    keys: MyNumberKeys | None = None,
    dead_letter_id: str,
    event_id: str,
    ce_type: str,
    change_id: str,
    reason: str,
    problems,
    payload: dict[str, Any],
) -> None:
    now = utcnow()
    conn.execute(
        sa.insert(dead_letters).values(
            dead_letter_id=dead_letter_id,
            event_id=event_id,
            ce_type=ce_type,
            change_id=change_id,
            reason=reason,
            problems=_problems(problems),
            payload=json.dumps(seal_payload(payload, keys), ensure_ascii=False, sort_keys=True),
            state="open",
            attempts=1,
            created_at=now,
            updated_at=now,
        )
    )


def update_dead_letter(
    conn: sa.Connection, dead_letter_id: str, *, keys: MyNumberKeys | None = None, **values: Any
) -> None:
    if "problems" in values:
        values["problems"] = _problems(values["problems"])
    if "payload" in values:
        values["payload"] = json.dumps(seal_payload(values["payload"], keys), ensure_ascii=False, sort_keys=True)
    conn.execute(
        sa.update(dead_letters)
        .where(dead_letters.c.dead_letter_id == dead_letter_id)
        .values(**values, updated_at=utcnow())
    )


def get_dead_letter(
    conn: sa.Connection, dead_letter_id: str, *, keys: MyNumberKeys | None = None
) -> dict[str, Any] | None:
    row = conn.execute(sa.select(dead_letters).where(dead_letters.c.dead_letter_id == dead_letter_id)).first()
    return _dead_letter(row, keys) if row else None


def list_dead_letters(
    conn: sa.Connection, *, state: str, page: paging.Page, keys: MyNumberKeys | None = None
) -> tuple[list[dict[str, Any]], str]:
    """One page of dead letters, oldest first, and the cursor of the next page ('' at the end)."""
    query = sa.select(dead_letters)
    if state:
        query = query.where(dead_letters.c.state == state)
    rows, next_cursor = paging.keyset(conn, query, dead_letters.c.seq, page)
    return [_dead_letter(row, keys) for row in rows], next_cursor


def reseal_dead_letters(engine: sa.Engine, keys: MyNumberKeys, *, batch_size: int = 200) -> int:
    """Every dead letter's My Numbers under the current key version (a batch per transaction, in seq order); a
    payload already under it is left as it is, so a re-run after a kill only does what is left. How many changed."""
    changed, after = 0, 0
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                sa.select(dead_letters.c.seq, dead_letters.c.payload)
                .where(dead_letters.c.seq > after)
                .order_by(dead_letters.c.seq)
                .limit(batch_size)
            ).all()
            if not rows:
                return changed
            for row in rows:
                payload = json.loads(row.payload)
                resealed = seal_payload(payload, keys)
                if resealed != payload:
                    conn.execute(
                        sa.update(dead_letters)
                        .where(dead_letters.c.seq == row.seq)
                        .values(payload=json.dumps(resealed, ensure_ascii=False, sort_keys=True))
                    )
                    changed += 1
            after = rows[-1].seq


def _problems(problems) -> str:
    return json.dumps([{"field": p.field, "message": p.message} for p in problems], ensure_ascii=False)


def _dead_letter(row, keys: MyNumberKeys | None) -> dict[str, Any]:
    data = dict(row._mapping)
    data["problems"] = json.loads(data["problems"])
    data["payload"] = open_payload(json.loads(data["payload"]), keys)
    return data


class SqlRecords:
    """Records inside the transaction of `conn`."""

    def __init__(self, conn: sa.Connection, plumbing: Plumbing, keys: MyNumberKeys | None = None) -> None:
        self.conn = conn
        self.plumbing = plumbing
        self.keys = keys

    def claim(self, receipt_key: str, consumer: str) -> bool:
        return self.plumbing.claim_inbox(self.conn, event_id=receipt_key, consumer=consumer)

    def claimed(self, receipt_keys: list[str], consumer: str) -> set[str]:
        """Which of `receipt_keys` `consumer` handled already (one statement)."""
        inbox = self.plumbing.tables["inbox"]
        found: set[str] = set()
        wanted = list(dict.fromkeys(receipt_keys))
        for part in db.id_slices(self.conn, wanted, 1000):
            query = sa.select(inbox.c.event_id).where(
                db.one_of(self.conn, inbox.c.event_id, part), inbox.c.consumer == consumer
            )
            found.update(self.conn.scalars(query))
        return found

    def claim_many(self, receipt_keys: list[str], consumer: str) -> None:
        """Note that `consumer` handles each of `receipt_keys` (none handled before: see `claimed`)."""
        if receipt_keys:
            now = utcnow()
            db.insert_rows(
                self.conn,
                self.plumbing.tables["inbox"],
                [{"event_id": k, "consumer": consumer, "processed_at": now} for k in receipt_keys],
            )

    def record_receipt(self, **kwargs) -> None:
        record_receipt(self.conn, **kwargs)

    def record_receipts(self, receipts: list[dict[str, Any]]) -> None:
        record_receipts(self.conn, receipts)

    def set_sequences_many(self, applied: list[tuple[dict[str, int], str]]) -> None:
        set_sequences_many(self.conn, applied)

    def record_outcomes(self, **kwargs) -> None:
        record_outcomes(self.conn, **kwargs)

    def create_import(self, **kwargs) -> None:
        create_import(self.conn, **kwargs)

    def finish_import(self, **kwargs) -> None:
        finish_import(self.conn, **kwargs)

    def get_import(self, import_id: str) -> dict[str, Any] | None:
        return get_import(self.conn, import_id)

    def list_imports(self, *, source: str, page: paging.Page) -> tuple[list[dict[str, Any]], str]:
        return list_imports(self.conn, source=source, page=page)

    def audit(self, **kwargs) -> None:
        self.plumbing.audit(self.conn, **kwargs)

    def last_sequences(self, person_ids: list[str]) -> dict[str, int]:
        return last_sequences(self.conn, person_ids)

    def set_sequences(self, **kwargs) -> None:
        set_sequences(self.conn, **kwargs)

    def add_dead_letter(self, **kwargs) -> None:
        add_dead_letter(self.conn, keys=self.keys, **kwargs)

    def update_dead_letter(self, dead_letter_id: str, **values: Any) -> None:
        update_dead_letter(self.conn, dead_letter_id, keys=self.keys, **values)

    def get_dead_letter(self, dead_letter_id: str) -> dict[str, Any] | None:
        return get_dead_letter(self.conn, dead_letter_id, keys=self.keys)

    def list_dead_letters(self, *, state: str, page: paging.Page) -> tuple[list[dict[str, Any]], str]:
        return list_dead_letters(self.conn, state=state, page=page, keys=self.keys)

    def publish(self, *, nats_subject: str, type: str, subject: str, data: dict[str, Any]) -> str:
        """Write an event to the outbox in this transaction; its id."""
        return self.plumbing.add_event(self.conn, nats_subject=nats_subject, type=type, subject=subject, data=data).id


class SqlStore:
    """Store over an engine: one database transaction per unit of work."""

    def __init__(self, engine: sa.Engine, my_number_keys: MyNumberKeys | None = None) -> None:
        self.engine = engine
        self.plumbing = Plumbing(metadata, EVENT_SOURCE)
        self.my_number_keys = my_number_keys

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SqlRecords]:
        with self.engine.begin() as conn:
            yield SqlRecords(conn, self.plumbing, self.my_number_keys)
