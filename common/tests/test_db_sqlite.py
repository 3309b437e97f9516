"""SQLite engines of the suite: WAL mode set on a file whose other user is writing when a process starts."""

from __future__ import annotations

import sqlite3
import threading
import time

from nhi_common import db


def test_a_connection_opened_while_another_process_writes_waits_and_puts_the_file_in_wal(tmp_path):
    # Two processes of a suite start on one SQLite file, one of them migrating: switching the journal mode needs the
    # file to itself, and SQLite refuses it at once ("database is locked") while another connection writes.
    path = tmp_path / "shared.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE t (x INTEGER)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (1)")
    released = threading.Timer(0.5, lambda: writer.execute("COMMIT"))
    released.start()
    engine = db.make_engine(f"sqlite:///{path}")
    started = time.monotonic()
    try:
        with engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            rows = conn.exec_driver_sql("SELECT count(*) FROM t").scalar()
    finally:
        released.join()
        engine.dispose()
        writer.close()
    assert (mode, rows) == ("wal", 1)
    assert time.monotonic() - started >= 0.4  # it waited for the writer rather than failing


def test_a_file_already_in_wal_is_left_as_it_is(tmp_path):
    path = tmp_path / "wal.db"
    first = db.make_engine(f"sqlite:///{path}")
    with first.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    first.dispose()
    # A writer holds the file: a second engine's connection is set up at once (no switch asked, none refused).
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("CREATE TABLE t (x INTEGER)")
    writer.execute("BEGIN IMMEDIATE")
    second = db.make_engine(f"sqlite:///{path}")
    started = time.monotonic()
    try:
        raw = second.raw_connection()  # the connection's set-up, without the BEGIN IMMEDIATE a use would take
        try:
            assert raw.cursor().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        finally:
            raw.close()
        assert time.monotonic() - started < 5
    finally:
        second.dispose()
        writer.execute("ROLLBACK")
        writer.close()
