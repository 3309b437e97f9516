"""The tables of svc-documents (SQLAlchemy Core) and the queries on them; the initial migration creates the same shapes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa

from nhi_common import plumbing

metadata = sa.MetaData()
TZ = sa.DateTime(timezone=True)

# One rendered document: its bytes and what the caller needs to find it again.
documents = sa.Table(
    "documents", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(36), nullable=False, unique=True),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("person_id", sa.String(100), nullable=False, index=True),
    sa.Column("household_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date),
    sa.Column("certificate_number", sa.String(40), unique=True),
    sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("operator_id", sa.String(100), nullable=False, server_default=""),
)

# The last certificate number given out per era year ('R7' -> 123).
certificate_sequences = sa.Table(
    "certificate_sequences", metadata,
    sa.Column("sequence_key", sa.String(10), primary_key=True),
    sa.Column("last_value", sa.Integer, nullable=False),
)

plumbing.define_tables(metadata)

META_COLUMNS = [c for c in documents.c if c.name != "content"]


def next_certificate_sequence(conn: sa.Connection, key: str) -> int:
    """The next number of sequence `key`, taken inside the caller's transaction (the UPDATE locks the row)."""
    updated = conn.execute(
        sa.update(certificate_sequences).where(certificate_sequences.c.sequence_key == key)
        .values(last_value=certificate_sequences.c.last_value + 1)
        .returning(certificate_sequences.c.last_value)
    ).first()
    if updated is not None:
        return updated.last_value
    conn.execute(sa.insert(certificate_sequences).values(sequence_key=key, last_value=1))
    return 1


def add_document(conn: sa.Connection, *, document_id: str, kind: str, title: str, person_id: str, household_id: str,
                 media_type: str, content: bytes, sha256: str, issued_on: dt.date, valid_until: dt.date | None,
                 certificate_number: str | None, reasons: list[dict[str, Any]], operator_id: str,
                 created_at: dt.datetime) -> None:
    conn.execute(sa.insert(documents).values(
        id=document_id, kind=kind, title=title, person_id=person_id, household_id=household_id,
        media_type=media_type, content=content, sha256=sha256, size=len(content), issued_on=issued_on,
        valid_until=valid_until, certificate_number=certificate_number,
        reasons=json.dumps(reasons, ensure_ascii=False, sort_keys=True), created_at=created_at,
        operator_id=operator_id))


def _meta(row) -> dict[str, Any]:
    meta = dict(row._mapping)
    meta["reasons"] = json.loads(meta["reasons"] or "[]")
    created = meta["created_at"]
    if created is not None and created.tzinfo is None:  # SQLite hands back naive datetimes
        meta["created_at"] = created.replace(tzinfo=dt.timezone.utc)
    return meta


def get_document(conn: sa.Connection, document_id: str, *, with_content: bool = False) -> dict[str, Any] | None:
    columns = list(documents.c) if with_content else META_COLUMNS
    row = conn.execute(sa.select(*columns).where(documents.c.id == document_id)).first()
    return _meta(row) if row is not None else None


def list_documents(conn: sa.Connection, *, person_id: str = "", kind: str = "", limit: int = 50,
                   before_seq: int | None = None) -> list[dict[str, Any]]:
    """Documents newest first, without their content."""
    query = sa.select(*META_COLUMNS).order_by(documents.c.seq.desc()).limit(limit)
    if person_id:
        query = query.where(documents.c.person_id == person_id)
    if kind:
        query = query.where(documents.c.kind == kind)
    if before_seq is not None:
        query = query.where(documents.c.seq < before_seq)
    return [_meta(row) for row in conn.execute(query)]
