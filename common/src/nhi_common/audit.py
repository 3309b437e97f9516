"""The audit log as a hash chain: append-only, each row carrying the previous row's hash and its own.

Every service keeps its own chain in its own `audit_log` table. A row's hash is
sha256(previous row's hash + canonical JSON of the row), the canonical JSON being the row's recorded fields
(`HASHED`, `prev_hash` included) with sorted keys, no spaces, UTF-8, the time in UTC with microseconds. The first
row of a chain has the previous hash "" (GENESIS); after a purge, the first remaining row's previous hash is the
one the purge anchor row names (`through_hash`), so the chain still verifies from there.

Appends take the chain's lock (PostgreSQL: an advisory lock of the transaction, per schema; SQLite: the write lock
every write transaction takes at BEGIN IMMEDIATE), so two writers never fork the chain. Triggers refuse UPDATE and
DELETE (and TRUNCATE on PostgreSQL); an attacker with database access can drop them, which is what verification
(`verify`, the `nhi-audit verify` command) is for: it walks the chain and names the first broken link.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
import pathlib
import time
import uuid
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from opentelemetry import trace

from . import db

GENESIS = ""
PURGED = "audit.purged"  # the action of a purge anchor row
HASHED = ("event_id", "occurred_at", "operator_id", "action", "target_kind", "target_id", "detail", "purpose")
DEFAULT_RETENTION_DAYS = 5 * 365 + 1  # five years (with one leap day)
MAX_PURPOSE = 200
_TRACER = trace.get_tracer(__name__)


@dataclasses.dataclass
class Call:
    """The gRPC call being served: its purpose (RequestContext.purpose) and whether it wrote an audit row yet."""

    purpose: str = ""
    audited: bool = False


_current_call: contextvars.ContextVar[Call | None] = contextvars.ContextVar("nhi_audit_call", default=None)


@contextlib.contextmanager
def call_scope(purpose: str) -> Iterator[Call]:
    """Set by the gRPC server around each call (nhi_common.rpc.CallAudit)."""
    call = Call(purpose or "")
    token = _current_call.set(call)
    try:
        yield call
    finally:
        _current_call.reset(token)


def call_purpose() -> str:
    call = _current_call.get()
    return call.purpose if call else ""


def chain_columns() -> list[sa.Column]:
    """The columns the chain adds to the audit_log of the first plumbing (migration `audit_chain`)."""
    return [
        sa.Column("purpose", sa.String(MAX_PURPOSE), nullable=False, server_default=""),
        sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""),
        sa.Column("row_hash", sa.String(64), nullable=False, server_default=""),
    ]


def utc_text(value: Any) -> str:
    """A recorded time as the chain hashes it: UTC, ISO 8601 with microseconds (SQLite gives it back naive)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def canonical(row: Any, prev_hash: str) -> str:
    """The canonical JSON of one row (a mapping or a result row) under `prev_hash`."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    doc = {name: (get(name) if get(name) is not None else "") for name in HASHED}
    doc["occurred_at"] = utc_text(doc["occurred_at"])
    doc["prev_hash"] = prev_hash
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def row_hash(row: Any, prev_hash: str) -> str:
    return hashlib.sha256((prev_hash + canonical(row, prev_hash)).encode("utf-8")).hexdigest()


def canonical_around_prev(row: Any) -> tuple[str, str]:
    """The canonical JSON of a row in two parts, before and after its previous hash:
    `canonical(row, prev) == before + prev + after` for any `prev` (a hex digest or GENESIS, which need no escaping)."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    doc = {name: (get(name) if get(name) is not None else "") for name in HASHED}
    doc["occurred_at"] = utc_text(doc["occurred_at"])
    items = [json.dumps(k) + ":" + json.dumps(v, ensure_ascii=False) for k, v in sorted(doc.items())]
    names = sorted(doc)
    cut = next((i for i, name in enumerate(names) if name > "prev_hash"), len(names))
    before = "{" + "".join(item + "," for item in items[:cut]) + '"prev_hash":"'
    after = '"' + "".join("," + item for item in items[cut:]) + "}"
    return before, after


_LOCK_CHAIN = "SELECT pg_advisory_xact_lock(hashtext('nhi-audit:' || current_schema()))"


def lock_chain(conn: sa.Connection) -> None:
    """Hold the chain of this schema until the transaction ends (PostgreSQL); SQLite's write lock is held already."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_LOCK_CHAIN)


@functools.cache
def _statements(table: sa.Table) -> tuple[sa.Select, sa.Insert]:
    """The head query and the insert of one audit table, built once: their compiled forms are then reused (an
    audited read appends a row per call, and building the statements anew cost more than running them)."""
    head_query = sa.select(table.c.seq, table.c.row_hash).order_by(table.c.seq.desc()).limit(1)
    return head_query, sa.insert(table)


def head(conn: sa.Connection, table: sa.Table) -> tuple[int | None, str]:
    """The newest row's seq and hash (None, GENESIS for an empty chain)."""
    row = conn.execute(_statements(table)[0]).first()
    return (row.seq, row.row_hash) if row else (None, GENESIS)


def _with_defaults(values: dict[str, Any]) -> dict[str, Any]:
    """A row's values with its id, time, detail and the call's purpose filled in where not given."""
    values.setdefault("event_id", str(uuid.uuid4()))
    values.setdefault("occurred_at", dt.datetime.now(dt.timezone.utc))
    values.setdefault("detail", "")
    values.setdefault("purpose", call_purpose())
    values["purpose"] = (values["purpose"] or "")[:MAX_PURPOSE]
    return values


def append(conn: sa.Connection, table: sa.Table, **values: Any) -> dict[str, Any]:
    """Append one row to the chain inside the caller's transaction; the values with their hashes."""
    _with_defaults(values)
    lock_chain(conn)
    _, prev = head(conn, table)
    values["prev_hash"] = prev
    values["row_hash"] = row_hash(values, prev)
    conn.execute(_statements(table)[1], values)
    call = _current_call.get()
    if call is not None:
        call.audited = True
    return values


@functools.cache
def _insert_after_head(table_name: str) -> str:
    """The insert of an audited read's row: it reads the chain's head itself and hashes the row in the database,
    sha256(prev + before + prev + after) over the canonical JSON around prev. Sent after the chain's lock in the
    same transaction, it takes its snapshot once the lock is held, so it sees the head the last holder committed."""
    columns = ", ".join(HASHED)
    return (
        f"INSERT INTO {table_name} ({columns}, prev_hash, row_hash) "
        f"SELECT {', '.join(f'%({name})s' for name in HASHED)}, h.prev, "
        "encode(sha256(convert_to(h.prev || %(before)s::text || h.prev || %(after)s::text, 'UTF8')), 'hex') "
        f"FROM (SELECT coalesce((SELECT row_hash FROM {table_name} ORDER BY seq DESC LIMIT 1), '') AS prev) AS h"
    )


def write_alone(driver: Any, table_name: str, values: dict[str, Any]) -> None:
    """Append the row of `values` (their defaults filled in) on a psycopg connection in autocommit: the chain's lock
    and the insert go in one pipeline with one Sync, so the server runs them as one transaction, committed at the
    Sync (the lock held until then), in one round trip; both statements are prepared by the driver after a few uses.
    """
    before, after = canonical_around_prev(values)
    params = {**{name: values.get(name) for name in HASHED}, "before": before, "after": after}
    with driver.pipeline(), driver.cursor() as cursor:
        cursor.execute(_LOCK_CHAIN)
        cursor.execute(_insert_after_head(table_name), params)


def append_alone(engine: sa.Engine, table: sa.Table, **values: Any) -> None:
    """Append one row in a transaction of its own (the row of an audited read).

    On PostgreSQL one round trip (`write_alone`) on an autocommit connection, and one span for it, which names the
    insert with its placeholders, never its values. The row is the one `append` would write. Elsewhere (SQLite) it is
    `append` in a transaction."""
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            append(conn, table, **values)
        return
    import psycopg  # PostgreSQL only; the driver of every PostgreSQL engine here

    _with_defaults(values)
    with (
        db.read_connection(engine) as conn,
        _TRACER.start_as_current_span(
            "INSERT audit",
            kind=trace.SpanKind.CLIENT,
            attributes={"db.system": "postgresql", "db.statement": _insert_after_head(table.name)},
        ),
    ):
        driver = conn.connection.driver_connection
        try:
            write_alone(driver, table.name, values)
        except psycopg.Error as error:
            if driver.closed or driver.broken:
                conn.invalidate(error)
            raise sa.exc.DBAPIError.instance(
                _insert_after_head(table.name), None, db.without_values(error), psycopg.Error, hide_parameters=True
            ) from error
    call = _current_call.get()
    if call is not None:
        call.audited = True


_PENDING = "nhi_audit_pending"  # rows a PostgreSQL transaction audited, appended when it commits


def append_at_commit(conn: sa.Connection, table: sa.Table, **values: Any) -> None:
    """Append one row as part of the caller's transaction, taking the chain's lock as late as possible.

    On PostgreSQL the row waits in the connection until the transaction commits and is appended then (lock, head,
    insert, in that same transaction; dropped on rollback): a transaction that audits and then goes on writing for
    seconds (a batch of resident changes) would otherwise hold every other writer's audit for as long, and could
    deadlock with one holding a row it needs. SQLite appends at once: its write lock is held from BEGIN anyway."""
    values.setdefault("event_id", str(uuid.uuid4()))
    values.setdefault("occurred_at", dt.datetime.now(dt.timezone.utc))
    values.setdefault("purpose", call_purpose())
    if conn.dialect.name != "postgresql" or conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        append(conn, table, **values)
        return
    conn.info.setdefault(_PENDING, []).append((table, values))
    call = _current_call.get()
    if call is not None:
        call.audited = True


def append_many(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Append rows in order inside the caller's transaction, as `append` one after another would, under one lock
    and one read of the head, in one insert (executemany)."""
    if not rows:
        return
    lock_chain(conn)
    _, prev = head(conn, table)
    written = []
    for values in rows:
        values.setdefault("event_id", str(uuid.uuid4()))
        values.setdefault("occurred_at", dt.datetime.now(dt.timezone.utc))
        values.setdefault("detail", "")
        values.setdefault("purpose", call_purpose())
        values["purpose"] = (values["purpose"] or "")[:MAX_PURPOSE]
        values["prev_hash"] = prev
        values["row_hash"] = prev = row_hash(values, prev)
        written.append(values)
    if all(v.keys() == written[0].keys() for v in written):
        if len(written) > 1 and db.can_copy(conn):
            db.copy_rows(conn, table, written)  # one COPY: building and parsing a many-row insert costs more than it
            return
        conn.execute(sa.insert(table), written)
        return
    for values in written:  # rows of different columns (a caller's own extras): one insert each, in order
        conn.execute(sa.insert(table).values(**values))


@sa.event.listens_for(sa.engine.Engine, "commit")
def _append_pending(conn: sa.Connection) -> None:
    """The rows the transaction audited, table by table in the order they came: one lock, head and insert each."""
    pending = conn.info.pop(_PENDING, None) or ()
    start = 0
    for end in range(1, len(pending) + 1):
        if end == len(pending) or pending[end][0] is not pending[start][0]:
            append_many(conn, pending[start][0], [values for _table, values in pending[start:end]])
            start = end


@sa.event.listens_for(sa.engine.Engine, "rollback")
def _drop_pending(conn: sa.Connection) -> None:
    if conn.invalidated:
        # The connection died under the transaction (a restart): its record is dropped with it, and touching its
        # info here would raise PendingRollbackError in place of the database error that said what happened.
        return
    conn.info.pop(_PENDING, None)


@sa.event.listens_for(sa.pool.Pool, "checkin")
def _drop_pending_on_checkin(_dbapi_connection, record) -> None:
    if record is not None:
        record.info.pop(_PENDING, None)


# --- append-only: triggers -------------------------------------------------------------------------------------

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)
_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege'; END $$"
)
_PG_TRIGGERS = (
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
)


def create_triggers(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_PG_FUNCTION)
        for statement in _PG_TRIGGERS:
            conn.exec_driver_sql(statement)
    else:
        for statement in _SQLITE_TRIGGERS:
            conn.exec_driver_sql(statement)


def drop_triggers(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    else:
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_update")
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_delete")


def audit_table(conn: sa.Connection) -> sa.Table:
    """The audit_log of the database `conn` is on, as it is there (for the commands and migrations)."""
    return sa.Table("audit_log", sa.MetaData(), autoload_with=conn)


def upgrade_to_chain(op) -> None:
    """The migration every service runs: the chain's columns, existing rows chained in seq order, the triggers."""
    with op.batch_alter_table("audit_log") as batch:
        for column in chain_columns():
            batch.add_column(column)
    conn = op.get_bind()
    table = audit_table(conn)
    lock_chain(conn)
    prev = GENESIS
    for row in conn.execute(sa.select(table).order_by(table.c.seq)).all():
        digest = row_hash(row, prev)
        conn.execute(sa.update(table).where(table.c.seq == row.seq).values(prev_hash=prev, row_hash=digest))
        prev = digest
    create_triggers(conn)


def downgrade_from_chain(op) -> None:
    drop_triggers(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    with op.batch_alter_table("audit_log") as batch:
        for column in chain_columns():
            batch.drop_column(column.name)


# --- verification --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Break:
    """The first broken link: the row, what was expected there and what was found."""

    seq: int
    event_id: str
    what: str  # "prev_hash": the link to the row before; "row_hash": the row's own content
    expected: str
    found: str

    def describe(self) -> str:
        if self.what == "prev_hash":
            cause = "the row before it was removed or altered, or rows were inserted"
        else:
            cause = "the row itself was altered"
        return f"row {self.seq} ({self.event_id}): {self.what} expected {self.expected}, found {self.found} ({cause})"


@dataclasses.dataclass(frozen=True)
class Verification:
    rows: int
    seconds: float
    head_seq: int | None
    head_hash: str
    broken: Break | None = None
    anchor_hash: str = GENESIS
    expected_head_found: bool | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None and self.expected_head_found is not False

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float(self.rows)


def _start_hash(conn: sa.Connection, table: sa.Table) -> str:
    """What the first row's prev_hash must be: GENESIS, or the through_hash of the newest purge anchor."""
    detail = conn.execute(
        sa.select(table.c.detail).where(table.c.action == PURGED).order_by(table.c.seq.desc()).limit(1)
    ).scalar()
    if not detail:
        return GENESIS
    try:
        return json.loads(detail)["through_hash"]
    except (ValueError, KeyError, TypeError):
        return "(unreadable purge anchor)"


def verify(conn: sa.Connection, table: sa.Table, *, batch: int = 5000, expect_head: str = "") -> Verification:
    """Walk the chain in seq order; stop at the first row whose link or content does not hold.

    `expect_head` is a row hash the auditor noted from an earlier run: it must still be in the chain (removing the
    newest rows leaves no broken link; a noted head catches it)."""
    started = time.perf_counter()
    expected_prev = _start_hash(conn, table)
    anchor = expected_prev
    rows = 0
    after = None
    last_seq: int | None = None
    head_hash = GENESIS
    seen_head = None if not expect_head else False
    columns = [table.c.seq, table.c.prev_hash, table.c.row_hash, *(table.c[name] for name in HASHED)]
    while True:
        query = sa.select(*columns).order_by(table.c.seq).limit(batch)
        if after is not None:
            query = query.where(table.c.seq > after)
        chunk = conn.execute(query).all()
        if not chunk:
            break
        for row in chunk:
            if row.prev_hash != expected_prev:
                return Verification(
                    rows, time.perf_counter() - started, last_seq, head_hash,
                    Break(row.seq, row.event_id, "prev_hash", expected_prev, row.prev_hash), anchor, seen_head,
                )  # fmt: skip
            digest = row_hash(row, row.prev_hash)
            if digest != row.row_hash:
                return Verification(
                    rows, time.perf_counter() - started, last_seq, head_hash,
                    Break(row.seq, row.event_id, "row_hash", digest, row.row_hash), anchor, seen_head,
                )  # fmt: skip
            if expect_head and digest == expect_head:
                seen_head = True
            rows += 1
            expected_prev = head_hash = digest
            last_seq = after = row.seq
    return Verification(rows, time.perf_counter() - started, last_seq, head_hash, None, anchor, seen_head)


# --- retention: export, then purge --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Purge:
    count: int
    through_seq: int | None
    through_hash: str
    export_path: pathlib.Path | None
    export_sha256: str


def _row_doc(row: Any) -> dict[str, Any]:
    doc = {name: getattr(row, name) for name in ("seq", *HASHED, "prev_hash", "row_hash")}
    doc["occurred_at"] = utc_text(doc["occurred_at"])
    return doc


def purge(
    conn: sa.Connection,
    table: sa.Table,
    *,
    before: dt.datetime,
    export_dir: pathlib.Path,
    service: str,
    operator_id: str = "system",
) -> Purge:
    """Export the rows recorded before `before` to a JSON Lines file, delete them and append the purge anchor.

    Only a prefix of the chain goes: the rows before the first one still within the retention. The file's first
    line says what it holds (service, through_seq, through_hash, the chain head at export, count); then one row a
    line with its hashes, so the exported part verifies on its own. Everything in the caller's transaction: the
    file is written (and fsynced) before the rows are deleted."""
    lock_chain(conn)
    first_kept = conn.execute(sa.select(sa.func.min(table.c.seq)).where(table.c.occurred_at >= before)).scalar()
    query = sa.select(table).order_by(table.c.seq)
    if first_kept is not None:
        query = query.where(table.c.seq < first_kept)
    rows = conn.execute(query).all()
    if not rows:
        return Purge(0, None, GENESIS, None, "")
    head_seq, head_hash = head(conn, table)
    through = rows[-1]
    export_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    path = export_dir / f"audit-{service}-{stamp}-through-{through.seq}.jsonl"
    header = {
        "kind": "nhi-audit-export",
        "service": service,
        "before": utc_text(before),
        "count": len(rows),
        "from_prev_hash": rows[0].prev_hash,
        "through_seq": through.seq,
        "through_hash": through.row_hash,
        "chain_head": {"seq": head_seq, "row_hash": head_hash},
    }
    digest = hashlib.sha256()
    temp = path.with_suffix(".jsonl.tmp")
    with temp.open("wb") as out:
        for doc in (header, *(_row_doc(r) for r in rows)):
            line = (json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
            digest.update(line)
            out.write(line)
        out.flush()
        os.fsync(out.fileno())
    temp.rename(path)
    drop_triggers(conn)
    conn.execute(sa.delete(table).where(table.c.seq <= through.seq))
    create_triggers(conn)
    append(
        conn,
        table,
        operator_id=operator_id,
        action=PURGED,
        target_kind="audit_log",
        target_id=str(through.seq),
        purpose="retention",
        detail=json.dumps(
            {
                "count": len(rows),
                "through_seq": through.seq,
                "through_hash": through.row_hash,
                "export_file": path.name,
                "export_sha256": digest.hexdigest(),
            },
            sort_keys=True,
        ),
    )
    return Purge(len(rows), through.seq, through.row_hash, path, digest.hexdigest())


def verify_export(path: pathlib.Path) -> Verification:
    """An export file verifies on its own: each row links to the one before from the header's from_prev_hash."""
    started = time.perf_counter()
    with path.open(encoding="utf-8") as lines:
        header = json.loads(next(lines))
        expected = header["from_prev_hash"]
        rows, last = 0, None
        for line in lines:
            row = json.loads(line)
            if row["prev_hash"] != expected:
                return Verification(
                    rows, time.perf_counter() - started, last, expected,
                    Break(row["seq"], row["event_id"], "prev_hash", expected, row["prev_hash"]),
                )  # fmt: skip
            digest = row_hash(row, row["prev_hash"])
            if digest != row["row_hash"]:
                return Verification(
                    rows, time.perf_counter() - started, last, expected,
                    Break(row["seq"], row["event_id"], "row_hash", digest, row["row_hash"]),
                )  # fmt: skip
            rows, last, expected = rows + 1, row["seq"], digest
    return Verification(rows, time.perf_counter() - started, last, expected)
