"""Writes kept back until a batch's transaction needs them (a batch of resident changes): rows as the store will
hold them, written per table in a few statements instead of one or two per change.

A repository that defers a write keeps the row it would have written (what RETURNING would have given) in its read
cache, so the rest of the batch reads it as if written. Anything that goes to the database while writes are kept
back (a read the cache does not answer, a write that is not deferred) first writes them, in the order of the tables
here (see `SqlUnitOfWork.defer_writes`), so the database never answers without them."""

from __future__ import annotations

import collections
import datetime as dt
import functools
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from nhi_common import db
from nhi_common.errors import Conflict


class ChangedMeanwhile(Conflict):
    """A row the batch read was changed by another transaction before the batch wrote it: the batch is undone and
    is to be applied again (its changes are claimed only with it)."""

    def __init__(self, table: str, expected: int, written: int) -> None:
        super().__init__(
            f"{table}: {expected - written} of {expected} rows were changed by someone else meanwhile; apply again",
            code="CHANGED_MEANWHILE",
            metadata={"table": table},
        )


@functools.cache
def row_type(table: sa.Table) -> type:
    """A tuple type with the table's columns as attributes, standing for the row RETURNING would give."""
    base = collections.namedtuple(f"{table.name}_row", [c.name for c in table.c])  # noqa: PYI024

    class Row(base):
        __slots__ = ()

        @property
        def _mapping(self) -> dict[str, Any]:
            return self._asdict()

    Row.__name__ = f"{table.name}_row"
    return Row


def as_row(table: sa.Table, row) -> Any:
    """A database row (or one of ours) as `row_type(table)`, which can be changed with `_replace`."""
    kind = row_type(table)
    return row if isinstance(row, kind) else kind(**dict(row._mapping))


def new_row(table: sa.Table, defaults: dict[str, Any], values: dict[str, Any]) -> Any | None:
    """The row an INSERT of `values` gives (the server defaults as `defaults` spells them); None when a value is an
    SQL expression, names no column or a column is left without a value (the insert then goes to the database as it
    is)."""
    kind = row_type(table)
    if any(isinstance(v, sa.ClauseElement) for v in values.values()) or not set(values) <= set(kind._fields):
        return None
    given = {**defaults, **values}
    if len(given) != len(kind._fields):
        return None  # a column without a default left out: the database says what is wrong
    return kind(**given)


def replaced(table: sa.Table, row, values: dict[str, Any]) -> Any | None:
    """`row` with `values` changed; None when a value is an SQL expression or names no column."""
    if any(isinstance(v, sa.ClauseElement) for v in values.values()) or not set(values) <= set(row_type(table)._fields):
        return None
    return as_row(table, row)._replace(**values)


insert = db.insert_rows  # one COPY on PostgreSQL, an executemany elsewhere


def insert_numbered(conn: sa.Connection, table: sa.Table, key: str, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows whose `key` the database numbers, and return their numbers in the rows' order: on PostgreSQL the
    numbers are taken from the column's sequence in one statement (ascending, as inserts one at a time would take
    them) and the rows copied with them; on SQLite they follow the highest rowid, as SQLite gives them; elsewhere an
    insert returning them in order."""
    if not rows:
        return []
    if conn.dialect.name == "sqlite":
        # The transaction holds the database's write lock (BEGIN IMMEDIATE): the next rowids are the highest + 1 on.
        highest = conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c[key]), 0))).scalar_one()
        numbers = list(range(highest + 1, highest + 1 + len(rows)))
        conn.execute(sa.insert(table), [{key: n, **row} for n, row in zip(numbers, rows, strict=True)])
        return numbers
    if not db.can_copy(conn):
        result = conn.execute(sa.insert(table).returning(table.c[key], sort_by_parameter_order=True), rows)
        return list(result.scalars())
    numbers = sorted(
        conn.execute(
            sa.text("SELECT nextval(pg_get_serial_sequence(:table, :column)) FROM generate_series(1, :n)"),
            {"table": table.name, "column": key, "n": len(rows)},
        ).scalars()
    )
    insert(conn, table, [{key: n, **row} for n, row in zip(numbers, rows, strict=True)])
    return numbers


@functools.cache
def update_by_key(table: sa.Table, key: str) -> sa.Update:
    """UPDATE every column but the key WHERE key = :k_key AND version = :k_version (the version the batch read)."""
    values = {c.name: sa.bindparam(f"v_{c.name}", type_=c.type) for c in table.c if c.name != key}
    return (
        sa.update(table)
        .where(
            table.c[key] == sa.bindparam("k_key", type_=table.c[key].type),
            table.c.version == sa.bindparam("k_version", type_=table.c.version.type),
        )
        .values(**values)
    )


def _sent_as(column: sa.Column) -> str:
    """The type a column's values are read back as from the JSON they are sent in: text of any length for a
    VARCHAR(n) (a cast to VARCHAR(n) would cut a longer value silently where the column's own assignment refuses
    it), and for bytes (sent as hex)."""
    if isinstance(column.type, (sa.String, sa.LargeBinary)) and not isinstance(column.type, sa.Enum):
        return "text"
    return column.type.compile(dialect=postgresql.dialect())


def _set_from(column: sa.Column) -> str:
    value = f'v."v_{column.name}"'
    return f"decode({value}, 'hex')" if isinstance(column.type, sa.LargeBinary) else value


@functools.cache
def update_from_json(table: sa.Table, key: str) -> sa.TextClause:
    """PostgreSQL: `update_by_key` of many rows in one statement, the rows sent as one JSON array of objects
    (`json_rows`) and read back as a record set. An array parameter per column cost more: psycopg builds each
    array element by element in Python, while the JSON is one C-encoded string."""
    columns = [c for c in table.c if c.name != key]
    fields = ", ".join(
        [
            f'"k_key" {_sent_as(table.c[key])}',
            f'"k_version" {_sent_as(table.c.version)}',
            *(f'"v_{c.name}" {_sent_as(c)}' for c in columns),
        ]
    )
    assignments = ", ".join(f'"{c.name}" = {_set_from(c)}' for c in columns)
    return sa.text(
        f'UPDATE "{table.name}" AS t SET {assignments} FROM json_to_recordset(CAST(:rows AS json)) AS v({fields}) '
        f'WHERE t."{key}" = v."k_key" AND t."version" = v."k_version"'
    )


def json_rows(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, default=_json_value)


def _json_value(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    raise TypeError(f"{type(value).__name__} is not sent in a row update")


class KeptRows:
    """Rows kept back by key: inserts (no version before) and updates (the version read), in first-touched order.

    A savepoint marks them (`mark`) and, if it fails, puts them back (`restore`); between the two every change of an
    entry is logged (the dict it was made in, the key, the entry before), so a mark costs nothing however many rows
    are kept: a batch of several hundred changes, each under its own savepoint, no longer copies every row kept so
    far at each. An entry is replaced, never changed in place, so the log can hold the one it replaced."""

    def __init__(self, table: sa.Table, key: str) -> None:
        self.table = table
        self.key = key
        self.rows: dict[Any, list] = {}  # key -> [version read or None for an insert, row]
        self._undo: list[tuple[dict, Any, list | None]] | None = None  # while a mark is open
        self._marks = 0

    def __bool__(self) -> bool:
        return bool(self.rows)

    def insert(self, row) -> None:
        key = getattr(row, self.key)
        self._log(key)
        self.rows[key] = [None, row]

    def update(self, before, row) -> None:
        key = getattr(row, self.key)
        entry = self._log(key)
        self.rows[key] = [before.version if entry is None else entry[0], row]

    def _log(self, key) -> list | None:
        entry = self.rows.get(key)
        if self._undo is not None:
            self._undo.append((self.rows, key, entry))
        return entry

    def mark(self) -> tuple[dict[Any, list], int]:
        """Where the rows stand; `restore` or `release` it, innermost first."""
        if self._undo is None:
            self._undo = []
        self._marks += 1
        return self.rows, len(self._undo)

    def restore(self, mark: tuple[dict[Any, list], int]) -> None:
        """The rows as they were at `mark`. If they were written since, the dict held then comes back (`write`
        swaps in a new one and leaves the old as it was), its later changes undone; the database's savepoint
        undoes the writing."""
        rows, at = mark
        for target, key, entry in reversed(self._undo[at:]):
            if target is rows:
                if entry is None:
                    rows.pop(key, None)
                else:
                    rows[key] = entry
        del self._undo[at:]
        self.rows = rows
        self.release(mark)

    def release(self, _mark: tuple[dict[Any, list], int]) -> None:
        """The savepoint of `mark` held: its log stays for the marks around it, and goes with the last."""
        self._marks -= 1
        if self._marks == 0:
            self._undo = None

    def write(self, conn: sa.Connection) -> None:
        """The inserts in one statement, the updates in one executemany that checks the versions read."""
        if not self.rows:
            return
        kept, self.rows = self.rows, {}
        inserts = [row._asdict() for version, row in kept.values() if version is None]
        updates = [
            {"k_key": getattr(row, self.key), "k_version": version}
            | {f"v_{k}": v for k, v in row._asdict().items() if k != self.key}
            for version, row in kept.values()
            if version is not None
        ]
        if inserts:
            insert(conn, self.table, inserts)
        if not updates:
            return
        if db.can_copy(conn):
            # one statement: the rows as JSON, read as a record set and joined to the table by key and version read
            result = conn.execute(update_from_json(self.table, self.key), {"rows": json_rows(updates)})
            if result.rowcount != len(updates):
                raise ChangedMeanwhile(self.table.name, len(updates), result.rowcount)
            return
        result = conn.execute(update_by_key(self.table, self.key), updates)
        if conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(updates):
            raise ChangedMeanwhile(self.table.name, len(updates), result.rowcount)
