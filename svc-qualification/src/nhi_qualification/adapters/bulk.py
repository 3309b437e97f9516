"""Writing and reading many rows at once: COPY on PostgreSQL, arrays as one parameter, bounded IN lists."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from nhi_common import db

COPY_FROM = 50  # below this many rows an executemany is as quick as a COPY


def insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys) inside the caller's transaction.

    On PostgreSQL a COPY through the connection's own psycopg connection (same transaction); elsewhere, or for
    a handful of rows, an executemany.
    """
    if not rows:
        return
    if db.can_copy(conn) and len(rows) >= COPY_FROM:
        db.copy_rows(conn, table, rows)
    else:
        conn.execute(sa.insert(table), rows)


def update_returning(
    conn: sa.Connection,
    table: sa.Table,
    key: str,
    key_value: Any,
    values: dict[str, Any],
    *,
    bump_version: bool = False,
):
    """UPDATE table SET values (and version = version + 1) WHERE key = key_value RETURNING the row: the row or None.

    The statement is built once per table, key and set of columns, and the values go as parameters (building a
    statement with a bind parameter per column for every row cost more CPU than running it). Values that are SQL
    expressions go the old way."""
    if any(isinstance(v, sa.ClauseElement) for v in values.values()):
        statement = sa.update(table).where(table.c[key] == key_value).values(**values)
        if bump_version:
            statement = statement.values(version=table.c.version + 1)
        return conn.execute(statement.returning(table)).first()
    params = {f"v_{k}": v for k, v in values.items()}
    params["k_key"] = key_value
    return conn.execute(_update_statement(table, key, tuple(sorted(values)), bump_version), params).first()


@functools.cache
def _update_statement(table: sa.Table, key: str, columns: tuple[str, ...], bump_version: bool):
    values: dict[str, Any] = {c: sa.bindparam(f"v_{c}", type_=table.c[c].type) for c in columns}
    if bump_version:
        values["version"] = table.c.version + 1
    key_param = sa.bindparam("k_key", type_=table.c[key].type)
    return sa.update(table).where(table.c[key] == key_param).values(**values).returning(table)


def tune_chunk_transaction(conn: sa.Connection) -> None:
    """PostgreSQL: no JIT for a chunk's statements. They touch a few thousand rows through indexes; the planner's
    cost estimates (a range of 5,000 households) would otherwise JIT-compile them for about a second each."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off")


def secondary_indexes(conn: sa.Connection, tables: Sequence[str]) -> list[tuple[str, str]]:
    """PostgreSQL: (name, CREATE INDEX statement) of the indexes of `tables` (in the connection's current schema)
    that are neither a primary key nor unique: the ones a bulk load may build afterwards without letting a
    duplicate in."""
    rows = conn.execute(
        sa.text(
            "SELECT ci.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = current_schema() AND t.relname = ANY(:tables) "
            "AND NOT i.indisunique AND NOT i.indisprimary ORDER BY ci.relname"
        ),
        {"tables": list(tables)},
    )
    return [(name, ddl) for name, ddl in rows]


def is_first_load(conn: sa.Connection, tables: Sequence[sa.Table]) -> bool:
    """PostgreSQL, and every one of `tables` empty."""
    if conn.dialect.name != "postgresql":
        return False
    return not any(conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first() for t in tables)


def key_constraints(conn: sa.Connection, tables: Sequence[str]) -> list[tuple[str, str, str]]:
    """PostgreSQL: (table, constraint, definition) of the primary keys and unique constraints of `tables` (in the
    connection's current schema) that no foreign key depends on: the ones a first load may add back after the rows
    are in (one sorted build per index instead of a B-tree insert per row, and no index pages in the WAL twice)."""
    rows = conn.execute(
        sa.text(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = current_schema() AND t.relname = ANY(:tables) AND c.contype IN ('p', 'u') "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid) "
            "ORDER BY t.relname, c.contype, c.conname"
        ),
        {"tables": list(tables)},
    )
    return [(table, name, definition) for table, name, definition in rows]


@contextlib.contextmanager
def indexes_built_after(conn: sa.Connection, tables: Sequence[sa.Table]) -> Iterator[bool]:
    """A first load into empty tables on PostgreSQL: drop their indexes (primary keys and unique constraints
    included), let the caller load, then build them again, once each over all the rows (far quicker than
    maintaining them row by row). All of it happens in the caller's transaction: DDL is transactional in
    PostgreSQL, so a load that fails leaves the indexes as they were, and other sessions never see the tables
    without them (they wait for the commit). A duplicate key is refused when its constraint is added back, which
    fails the whole load (`DuplicateKey`, naming the constraint and the key). The caller must not rely on the keys
    while loading (no look-ups by key, no ON CONFLICT). Yields whether it applied: anywhere else (SQLite, or a table
    not empty) it does nothing."""
    if not is_first_load(conn, tables):
        yield False
        return
    names = [t.name for t in tables]
    found = secondary_indexes(conn, names)
    keys = key_constraints(conn, names)
    for name, _ddl in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    for table, name, _definition in keys:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    yield True
    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for table, name, definition in keys:
        try:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        except sa.exc.IntegrityError as exc:
            detail = getattr(getattr(exc.orig, "diag", None), "message_detail", None) or str(exc.orig)
            raise DuplicateKey(table, name, detail) from None
    for _name, ddl in found:
        conn.exec_driver_sql(ddl)


class DuplicateKey(Exception):
    """A first load held two rows with the same key: nothing was loaded."""

    def __init__(self, table: str, constraint: str, detail: str) -> None:
        super().__init__(f"{table}: {constraint}: {detail}")
        self.table, self.constraint, self.detail = table, constraint, detail
