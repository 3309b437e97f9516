"""A database error is told without the data it was about: its text (what logs, spans, dead-letter reasons and a
failed job's error carry) names the statement and the constraint, never a bound value or the row PostgreSQL echoes
in its DETAIL line; what code needs of the details stays in the driver's diagnostics."""

from __future__ import annotations

import io
import json
import logging
import os
import traceback
import uuid

import pytest
import sqlalchemy as sa

from nhi_common import db
from nhi_common.logs import JsonFormatter

URL = os.environ.get("TEST_DATABASE_URL", "")
POSTGRES = pytest.mark.skipif(not URL.startswith("postgresql"), reason="PostgreSQL; set TEST_DATABASE_URL")
NAME = "髙橋　花子"
ADDRESS = "緑市中央一丁目2番3号"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=POSTGRES)])
def conn(request, tmp_path):
    engine = db.make_engine(URL if request.param == "postgresql" else f"sqlite:///{tmp_path / 'errors.db'}")
    table = f"errors_{uuid.uuid4().hex[:8]}"
    with engine.connect() as connection:
        connection.exec_driver_sql(
            f"CREATE TABLE {table} (person_id VARCHAR(20) PRIMARY KEY, name TEXT, address TEXT, "
            "age INTEGER CHECK (age >= 0))"
        )
        connection.commit()
        connection.info["table"] = sa.table(
            table, sa.column("person_id"), sa.column("name"), sa.column("address"), sa.column("age")
        )
        try:
            yield connection
        finally:
            connection.rollback()
            connection.exec_driver_sql(f"DROP TABLE {table}")
            connection.commit()
    engine.dispose()


def _told(exc: BaseException) -> str:
    """Everything a log line or a span would carry of the error: its text and its chain, traceback included."""
    return "".join(traceback.format_exception(exc))


def _assert_no_values(text: str) -> None:
    assert NAME not in text and ADDRESS not in text
    assert "Failing row" not in text and "Key (" not in text


def test_a_refused_row_is_told_by_its_constraint_without_its_values(conn):
    table = conn.info["table"]
    with pytest.raises(sa.exc.IntegrityError) as refused:
        conn.execute(sa.insert(table).values(person_id="P1", name=NAME, address=ADDRESS, age=-1))
    told = _told(refused.value)
    _assert_no_values(told)
    assert "check constraint" in told.lower() and "age" in told  # what failed, still said
    assert "hidden" in str(refused.value)  # the parameters are said to be hidden, not printed


def test_a_key_stored_already_is_told_without_the_key_or_the_row(conn):
    table = conn.info["table"]
    conn.execute(sa.insert(table).values(person_id="P1", name=NAME, address=ADDRESS, age=30))
    with pytest.raises(sa.exc.IntegrityError) as refused:
        conn.execute(sa.insert(table).values(person_id="P1", name=NAME, address=ADDRESS, age=31))
    _assert_no_values(_told(refused.value))
    assert "P1" not in str(refused.value)


@POSTGRES
def test_a_copy_refused_is_told_without_the_line_and_its_details_stay_with_the_driver():
    engine = db.make_engine(URL)
    table_name = f"errors_{uuid.uuid4().hex[:8]}"
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(
                f"CREATE TEMP TABLE {table_name} (person_id VARCHAR(20) PRIMARY KEY, name TEXT, age INTEGER "
                "CHECK (age >= 0))"
            )
            conn.commit()
            table = sa.Table(
                table_name,
                sa.MetaData(),
                sa.Column("person_id", sa.String(20), primary_key=True),
                sa.Column("name", sa.Text),
                sa.Column("age", sa.Integer),
            )
            with pytest.raises(sa.exc.IntegrityError) as refused, conn.begin():  # the caller's transaction
                db.insert_rows(conn, table, [{"person_id": "P1", "name": NAME, "age": -1}])
            _assert_no_values(_told(refused.value))
            assert NAME in refused.value.orig.diag.message_detail  # for code that must report it, not for logs
            with pytest.raises(sa.exc.DataError) as malformed, conn.begin():  # CONTEXT would quote the line
                db.insert_rows(conn, table, [{"person_id": "P2", "name": NAME, "age": "二十"}])
            _assert_no_values(_told(malformed.value))
    finally:
        engine.dispose()


@POSTGRES
def test_a_log_line_of_an_error_made_elsewhere_holds_none_of_its_echoed_values():
    """A driver's error raised outside the services' engines (a raw connection) is still logged without its DETAIL
    and CONTEXT lines or SQLAlchemy's parameters."""
    admin = sa.create_engine(URL)  # no make_engine: its error keeps every line
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("test"))
    log = logging.getLogger("test_db_errors")
    log.addHandler(handler)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("CREATE TEMP TABLE t (name TEXT, age INTEGER CHECK (age >= 0))")
            try:
                conn.execute(sa.text("INSERT INTO t VALUES (:name, :age)"), {"name": NAME, "age": -1})
            except sa.exc.IntegrityError as error:
                assert NAME in str(error)  # the text as the driver and SQLAlchemy make it
                log.error("refused", exc_info=True)
    finally:
        log.removeHandler(handler)
        admin.dispose()
    entry = json.loads(stream.getvalue().splitlines()[-1])
    assert NAME not in entry["exception"] and "DETAIL: (hidden)" in entry["exception"]
    assert "[parameters: (hidden)]" in entry["exception"]
