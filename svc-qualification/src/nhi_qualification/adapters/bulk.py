"""Writing and reading many rows at once: COPY on PostgreSQL, arrays as one parameter, bounded IN lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

COPY_FROM = 50  # below this many rows an executemany is as quick as a COPY


def insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys) inside the caller's transaction.

    On PostgreSQL a COPY through the connection's own psycopg connection (same transaction); elsewhere, or for
    a handful of rows, an executemany.
    """
    if not rows:
        return
    if conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg" or len(rows) < COPY_FROM:
        conn.execute(sa.insert(table), rows)
        return
    columns = list(rows[0])
    quoted = ", ".join(f'"{c}"' for c in columns)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])


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


def tune_chunk_transaction(conn: sa.Connection) -> None:
    """PostgreSQL: no JIT for a chunk's statements. They touch a few thousand rows through indexes; the planner's
    cost estimates (a range of 5,000 households) would otherwise JIT-compile them for about a second each."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off")
