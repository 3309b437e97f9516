"""Rows a resident batch keeps back, marked and put back by each change's savepoint (adapters/deferred.KeptRows)."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
import sqlalchemy as sa

from nhi_common import db
from nhi_devtools import testing
from nhi_qualification.adapters import deferred

TABLE = sa.Table(
    "kept_rows_example",
    sa.MetaData(),
    sa.Column("item_id", sa.String, primary_key=True),
    sa.Column("label", sa.String(12), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)
Row = deferred.row_type(TABLE)


def stored(conn: sa.Connection) -> dict[str, tuple[str, int]]:
    return {r.item_id: (r.label, r.version) for r in conn.execute(sa.select(TABLE))}


def held(kept: deferred.KeptRows) -> dict[str, tuple[int | None, str, int]]:
    return {key: (version, row.label, row.version) for key, (version, row) in kept.rows.items()}


def kept_with_one_update_and_one_insert() -> deferred.KeptRows:
    kept = deferred.KeptRows(TABLE, "item_id")
    kept.update(Row("a", "read", 1), Row("a", "first", 2))
    kept.insert(Row("b", "new", 1))
    return kept


def test_a_failed_savepoint_puts_back_the_rows_it_changed_added_and_replaced():
    kept = kept_with_one_update_and_one_insert()
    before = held(kept)
    mark = kept.mark()
    kept.update(Row("a", "first", 2), Row("a", "second", 3))
    kept.update(Row("a", "second", 3), Row("a", "third", 4))
    kept.insert(Row("c", "inside", 1))
    kept.insert(Row("b", "inserted again", 1))
    assert held(kept) == {"a": (1, "third", 4), "b": (None, "inserted again", 1), "c": (None, "inside", 1)}
    kept.restore(mark)
    assert held(kept) == before
    assert list(kept.rows) == ["a", "b"]  # the first-touched order too


def test_a_savepoint_that_holds_keeps_its_changes_and_the_one_around_it_can_still_undo_them():
    kept = kept_with_one_update_and_one_insert()
    before = held(kept)
    outer = kept.mark()
    kept.insert(Row("c", "outer", 1))
    inner = kept.mark()
    kept.update(Row("c", "outer", 1), Row("c", "inner", 2))
    kept.release(inner)
    assert held(kept)["c"] == (None, "inner", 2)
    failed = kept.mark()
    kept.insert(Row("d", "undone", 1))
    kept.restore(failed)
    assert held(kept)["c"] == (None, "inner", 2) and "d" not in kept.rows
    kept.restore(outer)
    assert held(kept) == before


def test_rows_written_inside_a_failed_savepoint_come_back_to_be_written_again():
    engine = sa.create_engine("sqlite://")
    TABLE.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(TABLE), [{"item_id": "a", "label": "read", "version": 1}])
    with engine.connect() as conn:
        transaction = conn.begin()
        kept = kept_with_one_update_and_one_insert()
        before = held(kept)
        mark = kept.mark()
        savepoint = conn.begin_nested()
        kept.update(Row("a", "first", 2), Row("a", "second", 3))
        kept.write(conn)  # e.g. a read the cache could not answer sent the kept rows first
        assert stored(conn) == {"a": ("second", 3), "b": ("new", 1)} and not kept.rows
        kept.insert(Row("c", "after the write", 1))
        savepoint.rollback()
        kept.restore(mark)
        assert held(kept) == before
        kept.write(conn)
        assert stored(conn) == {"a": ("first", 2), "b": ("new", 1)}
        transaction.commit()


def test_nothing_is_logged_once_every_savepoint_has_ended():
    kept = kept_with_one_update_and_one_insert()
    kept.release(kept.mark())
    for version in range(2, 200):
        kept.update(Row("a", "x", version), Row("a", "x", version + 1))
    mark = kept.mark()
    assert mark[1] == 0  # a new mark starts an empty log: the updates before it were not kept for undoing
    kept.restore(mark)
    assert held(kept)["a"] == (1, "x", 200)


@pytest.mark.parametrize("backend", [b for b in testing.backends() if b != "sqlite"])  # SQLite keeps any length
def test_a_value_longer_than_its_column_is_refused_not_cut(backend, tmp_path):
    with empty_schema(backend, tmp_path, TABLE.metadata) as engine:
        with engine.begin() as conn:
            conn.execute(sa.insert(TABLE), [{"item_id": "a", "label": "read", "version": 1}])
        with engine.connect() as conn, conn.begin():
            kept = deferred.KeptRows(TABLE, "item_id")
            kept.update(Row("a", "read", 1), Row("a", "十三文字の長すぎる名前ですね", 2))
            with pytest.raises(sa.exc.DBAPIError, match="too long"):
                kept.write(conn)


TYPED = sa.Table(
    "kept_rows_typed",
    sa.MetaData(),
    sa.Column("item_id", sa.String(20), primary_key=True),
    sa.Column("born", sa.Date),
    sa.Column("at", sa.DateTime(timezone=True)),
    sa.Column("secret", sa.LargeBinary),
    sa.Column("flag", sa.Boolean, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)


@pytest.mark.parametrize("backend", testing.backends())
def test_every_kind_of_value_is_written_back_as_it_was_kept(backend, tmp_path):
    at = dt.datetime(2026, 12, 7, 6, 30, 15, 123456, tzinfo=dt.UTC)
    first = {"born": dt.date(1990, 1, 2), "at": at, "secret": b"\x00\xffkey", "flag": False, "note": "前"}
    changed = [
        {"born": dt.date(2024, 2, 29), "at": at + dt.timedelta(days=1), "secret": b"\x01\x02", "flag": True},
        {"born": None, "at": None, "secret": None, "flag": False, "note": '引用符 " と \\ と改行\nと𠮷'},
    ]
    with empty_schema(backend, tmp_path, TYPED.metadata) as engine:
        with engine.begin() as conn:
            conn.execute(sa.insert(TYPED), [{"item_id": f"p{i}", **first, "version": 1} for i in range(2)])
        typed = deferred.row_type(TYPED)
        kept = deferred.KeptRows(TYPED, "item_id")
        for i, values in enumerate(changed):
            before = typed(item_id=f"p{i}", **first, version=1)
            kept.update(before, before._replace(**values, version=2))
        with engine.begin() as conn:
            kept.write(conn)
        with engine.connect() as conn:
            stored_rows = {r.item_id: r._asdict() for r in conn.execute(sa.select(TYPED))}
        for i, values in enumerate(changed):
            row = stored_rows[f"p{i}"]
            expected = {**first, **values, "item_id": f"p{i}", "version": 2}
            if backend == "sqlite":  # SQLite hands back naive datetimes (stored in UTC)
                expected["at"] = expected["at"] and expected["at"].replace(tzinfo=None)
            assert {k: bytes(v) if isinstance(v, memoryview) else v for k, v in row.items()} == expected


@contextlib.contextmanager
def empty_schema(backend, tmp_path, metadata: sa.MetaData):
    with testing.database(backend, tmp_path, "kept_rows") as (url, schema):
        engine = db.make_engine(url, schema=schema)  # the schema made on first connection
        try:
            metadata.create_all(engine)
            yield engine
        finally:
            engine.dispose()
