"""The pool's check-out on PostgreSQL (TEST_DATABASE_URL): a connection idle for a while is pinged and replaced when
its server side is gone; one used a moment ago is handed out unpinged, and the call that finds it gone fails once,
after which the pool hands out fresh connections."""

from __future__ import annotations

import os
import time

import pytest
import sqlalchemy as sa

import nhi_common.audit  # noqa: F401 - its transaction listeners are on every service's engine
from nhi_common import db

URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgresql"), reason="a PostgreSQL pool; set TEST_DATABASE_URL")


def _backend(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()


def _terminate(pid: int) -> None:
    admin = sa.create_engine(URL)
    with admin.connect() as conn:
        assert conn.exec_driver_sql(f"SELECT pg_terminate_backend({pid})").scalar()
    admin.dispose()
    time.sleep(0.2)  # the backend is gone before the pool hands its connection out again


def test_a_connection_idle_past_the_limit_is_pinged_and_replaced():
    engine = db.make_engine(URL, pool_size=1, ping_after_idle=0.1)
    try:
        gone = _backend(engine)
        _terminate(gone)  # sleeps past the limit
        assert _backend(engine) != gone  # no error: the ping found it gone and the pool connected anew
    finally:
        engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged_and_its_failure_recycles_the_pool():
    engine = db.make_engine(URL, pool_size=2, ping_after_idle=60)
    try:
        with engine.connect() as first, engine.connect() as second:  # two pooled connections
            pids = {
                first.exec_driver_sql("SELECT pg_backend_pid()").scalar(),
                second.exec_driver_sql("SELECT pg_backend_pid()").scalar(),
            }
        for pid in pids:
            _terminate(pid)
        with pytest.raises(sa.exc.DBAPIError) as failed:
            _backend(engine)  # handed out unpinged: the statement finds the server side gone
        assert failed.value.connection_invalidated
        # The disconnect recycled every connection the pool held: the next ones are new.
        with engine.connect() as first, engine.connect() as second:
            fresh = {
                first.exec_driver_sql("SELECT pg_backend_pid()").scalar(),
                second.exec_driver_sql("SELECT pg_backend_pid()").scalar(),
            }
        assert not fresh & pids
    finally:
        engine.dispose()


def test_a_copy_that_finds_the_server_gone_fails_as_any_statement_would_and_the_pool_connects_anew():
    """COPY goes through the driver's own connection: its failure is SQLAlchemy's OperationalError (a gRPC
    UNAVAILABLE at the service's edge, not INTERNAL), and the connection it broke is not handed out again."""
    engine = db.make_engine(URL, pool_size=1, ping_after_idle=60)
    table = sa.Table("copy_gone", sa.MetaData(), sa.Column("n", sa.Integer))
    try:
        with engine.connect() as conn:
            gone = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            conn.exec_driver_sql("CREATE TEMP TABLE copy_gone (n INTEGER)")
            conn.commit()
            _terminate(gone)
            with pytest.raises(sa.exc.OperationalError):
                db.insert_rows(conn, table, [{"n": 1}])
        assert _backend(engine) != gone  # no error: a new connection, not the broken one
    finally:
        engine.dispose()
