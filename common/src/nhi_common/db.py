"""Database engines (SQLite by default, PostgreSQL in production) and Alembic migrations."""

from __future__ import annotations

import pathlib

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event


def make_engine(url: str, *, schema: str | None = None, pool_size: int = 10) -> sa.Engine:
    """An engine for `url`; on PostgreSQL every connection works in `schema` (created if missing)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
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
    engine = sa.create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
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
