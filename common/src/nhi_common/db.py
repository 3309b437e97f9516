"""Database engines (SQLite by default, PostgreSQL in production) and Alembic migrations."""

from __future__ import annotations

import pathlib
import time
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event

from . import job_listing, paging

# A pooled PostgreSQL connection idle for longer than this is pinged before it is handed out again.
PING_AFTER_IDLE_SECONDS = 10.0
_IDLE_SINCE = "nhi_idle_since"


def make_engine(
    url: str, *, schema: str | None = None, pool_size: int = 10, ping_after_idle: float = PING_AFTER_IDLE_SECONDS
) -> sa.Engine:
    """An engine for `url`; on PostgreSQL every connection works in `schema` (created if missing).

    A connection checked out of the pool is pinged only when it sat idle for more than `ping_after_idle` seconds:
    one used a moment ago is handed out as it is (a ping before every check-out cost a round trip per use). If the
    server went away since, the statement fails; SQLAlchemy sees the disconnect and recycles every connection the
    pool opened before it, so one call fails (gRPC UNAVAILABLE, "try again") and the next gets a fresh connection."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)
        _errors_without_values(engine)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            _journal_in_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        # pysqlite's own transaction handling defers BEGIN; take the write lock at BEGIN instead,
        # so concurrent writers queue on busy_timeout rather than failing on upgrade.
        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_connection, _record):
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = sa.create_engine(url, pool_size=pool_size, max_overflow=pool_size, hide_parameters=True)
    _errors_without_values(engine)
    _ping_when_idle(engine, ping_after_idle)
    if schema:
        # Registered before the first connection, so that every pooled connection gets it.
        @event.listens_for(engine, "connect")
        def _search_path(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                dbapi_connection.commit()
            except Exception:  # noqa: BLE001 - a concurrent connection created it at the same moment
                dbapi_connection.rollback()
            cursor.execute(f'SET search_path TO "{schema}"')
            cursor.close()
            dbapi_connection.commit()

    return engine


def _journal_in_wal(cursor, wait_seconds: float = 30.0) -> None:
    """Put the SQLite database in WAL mode, once: the mode stays with the file, so a connection finding it set
    leaves it. Switching needs the database to itself, and SQLite answers "database is locked" at once, without
    waiting out busy_timeout, while another process holds it (two processes of a suite starting on one file, one
    of them migrating): asked again until it goes through."""
    import sqlite3

    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def _errors_without_values(engine: sa.Engine) -> None:
    """Every database error of the engine's statements told without values (`without_values`), the bound parameters
    hidden too."""

    @event.listens_for(engine, "handle_error")
    def _first_line_only(context) -> None:
        without_values(context.original_exception)
        wrapped = context.sqlalchemy_exception
        if isinstance(wrapped, sa.exc.DBAPIError):  # its text was taken from the original's when it was made
            original = context.original_exception
            wrapped.args = (f"({type(original).__module__}.{type(original).__name__}) {original}",)


def without_values(error: BaseException) -> BaseException:
    """A driver's error with only the first line of its text: what failed and where, not the data. PostgreSQL's
    DETAIL and CONTEXT lines echo values ("Failing row contains (...)" holds a whole row, names and addresses
    included; a COPY's CONTEXT the line it stopped at), and an error's text goes into logs, spans, dead-letter
    reasons and a failed job's error. What code needs of the details stays in `error.diag` on PostgreSQL."""
    text = str(error)
    if "\n" in text:
        error.args = (text.split("\n", 1)[0],)
    return error


def _ping_when_idle(engine: sa.Engine, seconds: float) -> None:
    """Ping a pooled connection at check-out only when it was idle for more than `seconds`."""

    @event.listens_for(engine, "checkin")
    def _idle_from_now(_dbapi_connection, record) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since <= seconds:
            return  # new (just connected) or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool drops this connection and checks out another (a new one when none is left).
            raise sa.exc.DisconnectionError(f"a pooled connection idle for over {seconds:g}s is gone") from error


def read_connection(engine: sa.Engine) -> sa.Connection:
    """A connection for reads that need no transaction of their own.

    On PostgreSQL it runs in autocommit, which saves the BEGIN and ROLLBACK round trips of the implicit transaction;
    under READ COMMITTED every statement takes its own snapshot anyway, so what a read sees is the same. Elsewhere
    (SQLite) it is an ordinary connection. Use it as `with read_connection(engine) as conn:`; no writes through it.
    """
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def service_engine(url: str, schema: str | None = None) -> sa.Engine:
    """The engine of one service's own database, with its statements traced."""
    from . import telemetry

    engine = make_engine(url, schema=schema)
    telemetry.instrument_engine(engine)
    return engine


def migrate(engine: sa.Engine, script_location: str | pathlib.Path) -> None:
    """Bring the database of `engine` to the head of the migration tree at `script_location`."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two processes of one service (its server and its job worker) start on one schema at the same moment:
            # one migrates while the other waits, then finds nothing to do. The lock ends with the transaction.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('nhi-migrate:' || current_schema()))")
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def can_copy(conn: sa.Connection) -> bool:
    """Whether `copy_rows` works on this connection: PostgreSQL through psycopg."""
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def copy_rows(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """COPY rows (all with the keys of the first) into `table`, in order, through the connection's own psycopg
    connection, so in the caller's transaction (`can_copy` connections only)."""
    columns = list(rows[0])
    quoted = ", ".join(f'"{c}"' for c in columns)
    statement = f'COPY "{table.name}" ({quoted}) FROM STDIN'
    with conn.connection.driver_connection.cursor() as cur:
        try:
            with cur.copy(statement) as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
        except conn.dialect.dbapi.Error as exc:  # as an INSERT's would come (a key stored already), without values
            raise sa.exc.DBAPIError.instance(
                statement, None, without_values(exc), conn.dialect.dbapi.Error, hide_parameters=True
            ) from exc


def insert_rows(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    """Insert rows (all with the same keys) in the caller's transaction: on PostgreSQL one COPY whatever their number
    (an executemany of a few dozen rows costs more to build and parse than to run), elsewhere an executemany."""
    if not rows:
        return
    if can_copy(conn):
        copy_rows(conn, table, rows)
    else:
        conn.execute(sa.insert(table), rows)


def one_of(conn: sa.Connection, column, ids: Sequence[str]):
    """column IN ids: on PostgreSQL `= ANY(array)` (one parameter, whatever the length), elsewhere IN (...)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam(None, list(ids), type_=ARRAY(sa.String)))
    return column.in_(list(ids))


def id_slices(conn: sa.Connection, ids: Sequence[Any], size: int = 5000) -> Iterator[list[Any]]:
    """The whole list at once on PostgreSQL (one array parameter), slices of `size` elsewhere (SQLite's limit)."""
    ids = list(ids)
    if conn.dialect.name == "postgresql":
        yield ids
        return
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def stalled_jobs(
    conn: sa.Connection, jobs: sa.Table, chunks: sa.Table, *, states: Sequence[str], idle_since: Any
) -> list[tuple[str, str, str]]:
    """(job_id, kind, state) of the jobs in one of `states`, created before `idle_since`, that have closed no chunk
    since (a job's table: `job_id`, `kind`, `state`, `created_at`; its chunks': `job_id`, `finished_at`). A job showing no
    progress: slow, or its work-queue messages lost; the job sweeper asks the queue which."""
    progressed = (
        sa.select(chunks.c.job_id).where(chunks.c.job_id == jobs.c.job_id, chunks.c.finished_at >= idle_since).exists()
    )
    query = (
        sa.select(jobs.c.job_id, jobs.c.kind, jobs.c.state)
        .where(jobs.c.state.in_(states), jobs.c.created_at < idle_since, ~progressed)
        .order_by(jobs.c.created_at)
    )
    return [(row.job_id, row.kind, row.state) for row in conn.execute(query)]


def fail_abandoned_jobs(conn: sa.Connection, jobs: sa.Table, *, silent_since: Any, now: Any, error: str) -> list[str]:
    """End failed, with `error`, the jobs queued or running whose last heartbeat (their creation, before the first)
    is older than `silent_since`: the process that ran them in a thread of its own is gone (killed, redeployed), and
    nothing else would ever end them. Their ids. A job's table: `job_id`, `state`, `created_at`, `heartbeat_at`,
    `error`, `finished_at`."""
    last = sa.func.coalesce(jobs.c.heartbeat_at, jobs.c.created_at)
    silent = (jobs.c.state.in_(("queued", "running")), last < silent_since)
    ids = list(conn.execute(sa.select(jobs.c.job_id).where(*silent).order_by(jobs.c.created_at)).scalars())
    if ids:
        conn.execute(
            sa.update(jobs).where(jobs.c.job_id.in_(ids), *silent).values(state="failed", error=error, finished_at=now)
        )
    return ids


# ----- the jobs of a service, newest first (GET /jobs, merged by the gateway across the services) -----


def jobs_page(
    conn: sa.Connection, jobs: sa.Table, *, kinds: Sequence[str], states: Sequence[str], page: paging.Page
) -> tuple[list[Any], bool]:
    """The rows of one page of a service's jobs, newest first (created_at, then job_id), of `kinds`, in `states` when
    any, after the page's key; and whether more follow. A job's table: `job_id`, `kind`, `state`, `created_at`."""
    query = sa.select(jobs).where(jobs.c.kind.in_(list(kinds)))
    if states:
        query = query.where(jobs.c.state.in_(list(states)))
    key = job_listing.key(page)
    if key is not None:
        at, job_id = key
        query = query.where(sa.or_(jobs.c.created_at < at, sa.and_(jobs.c.created_at == at, jobs.c.job_id < job_id)))
    query = query.order_by(jobs.c.created_at.desc(), jobs.c.job_id.desc()).limit(page.size + 1)
    rows = list(conn.execute(query))
    return rows[: page.size], len(rows) > page.size
