"""The table of undrawable characters (migration 0003) and its queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from nhi_common import paging

TZ = sa.DateTime(timezone=True)
metadata = sa.MetaData()

undrawable_characters = sa.Table(
    "undrawable_characters",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("person_id", sa.String(100), nullable=False),
    sa.Column("field", sa.String(100), nullable=False),
    sa.Column("character", sa.String(40), nullable=False),  # U+XXXXX, or U+845B U+E0102 for a variation sequence
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("first_seen_at", TZ, nullable=False),
    sa.Column("last_seen_at", TZ, nullable=False),
    sa.Column("refusals", sa.Integer, nullable=False),  # how many documents were refused (or printed the base)
    sa.Column("outcome", sa.String(20), nullable=False, server_default="refused"),  # refused | substituted
    sa.UniqueConstraint("person_id", "field", "character", name="uq_undrawable_person_field_character"),
)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)  # SQLite gives naive ones


class SqlUndrawableLog:
    """UndrawableLog over an engine, each record in a transaction of its own (the refused document has none)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def record(
        self,
        *,
        person_id: str,
        field: str,
        character: str,
        kind: str,
        seen_at: dt.datetime,
        outcome: str = "refused",
    ) -> None:
        table = undrawable_characters
        key = (table.c.person_id == person_id) & (table.c.field == field) & (table.c.character == character)
        for _attempt in range(2):
            try:
                with self.engine.begin() as conn:
                    updated = conn.execute(
                        sa.update(table)
                        .where(key)
                        .values(last_seen_at=seen_at, kind=kind, outcome=outcome, refusals=table.c.refusals + 1)
                    ).rowcount
                    if not updated:
                        conn.execute(
                            sa.insert(table).values(
                                person_id=person_id,
                                field=field,
                                character=character,
                                kind=kind,
                                first_seen_at=seen_at,
                                last_seen_at=seen_at,
                                refusals=1,
                                outcome=outcome,
                            )
                        )
                return
            except sa.exc.IntegrityError:  # another refusal of the same character inserted it first: update it
                continue

    def list(self, *, person_id: str, page: paging.Page) -> tuple[list[dict[str, Any]], str]:
        query = sa.select(undrawable_characters)
        if person_id:
            query = query.where(undrawable_characters.c.person_id == person_id)
        with self.engine.connect() as conn:
            rows, cursor = paging.keyset(conn, query, undrawable_characters.c.seq, page)
        out = []
        for row in rows:
            item = dict(row._mapping)
            item["first_seen_at"] = _aware(item["first_seen_at"])
            item["last_seen_at"] = _aware(item["last_seen_at"])
            out.append(item)
        return out, cursor
