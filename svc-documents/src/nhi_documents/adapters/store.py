"""The tables of svc-documents (SQLAlchemy Core) and the queries on them; the initial migration creates the same shapes."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from nhi_common import paging, plumbing

from ..service_layer.ports import ConcurrentWrite, IdempotencyKeyReused
from . import job_tables
from .blobs import FileBlobStore

EVENT_SOURCE = "urn:nhi:svc-documents"
metadata = sa.MetaData()
TZ = sa.DateTime(timezone=True)

# One rendered document: its bytes and what the caller needs to find it again.
documents = sa.Table(
    "documents",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(36), nullable=False, unique=True),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("person_id", sa.String(100), nullable=False, index=True),
    sa.Column("household_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("content", sa.LargeBinary),  # null when the bytes are a file under the blob directory (blob_path)
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date),
    sa.Column("certificate_number", sa.String(40), unique=True),
    sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("operator_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("blob_path", sa.String(300)),
    sa.Column("template_version", sa.String(40), nullable=False, server_default=""),
    sa.Column("subject_kind", sa.String(20), nullable=False, server_default="person"),
    sa.Column("reissue_of", sa.String(36)),  # the original document of a 再交付
    sa.Column("reissue_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("job_id", sa.String(60)),
    sa.Column("blob_offset", sa.BigInteger),  # the document's bytes are `size` bytes from here in blob_path's file
)

# The last certificate number given out per era year ('R7' -> 123).
certificate_sequences = sa.Table(
    "certificate_sequences",
    metadata,
    sa.Column("sequence_key", sa.String(10), primary_key=True),
    sa.Column("last_value", sa.Integer, nullable=False),
)

plumbing.define_tables(metadata)
job_tables.define(metadata)

META_COLUMNS = [c for c in documents.c if c.name != "content"]


def next_certificate_sequence(conn: sa.Connection, key: str) -> int:
    """The next number of sequence `key`, taken inside the caller's transaction (the UPDATE locks the row)."""
    updated = conn.execute(
        sa.update(certificate_sequences)
        .where(certificate_sequences.c.sequence_key == key)
        .values(last_value=certificate_sequences.c.last_value + 1)
        .returning(certificate_sequences.c.last_value)
    ).first()
    if updated is not None:
        return updated.last_value
    conn.execute(sa.insert(certificate_sequences).values(sequence_key=key, last_value=1))
    return 1


def add_document(
    conn: sa.Connection,
    *,
    document_id: str,
    kind: str,
    title: str,
    person_id: str,
    household_id: str,
    media_type: str,
    content: bytes,
    sha256: str,
    issued_on: dt.date,
    valid_until: dt.date | None,
    certificate_number: str | None,
    reasons: list[dict[str, Any]],
    operator_id: str,
    created_at: dt.datetime,
    blobs: FileBlobStore | None = None,
    **extra: Any,
) -> None:
    """One document row; with a blob store its bytes go to a file first (an orphan if this transaction fails)."""
    blob_path = blobs.put(document_id, media_type, content) if blobs is not None else None
    conn.execute(
        sa.insert(documents).values(
            blob_path=blob_path,
            **extra,
            id=document_id,
            kind=kind,
            title=title,
            person_id=person_id,
            household_id=household_id,
            media_type=media_type,
            content=None if blob_path else content,
            sha256=sha256,
            size=len(content),
            issued_on=issued_on,
            valid_until=valid_until,
            certificate_number=certificate_number,
            reasons=json.dumps(reasons, ensure_ascii=False, sort_keys=True),
            created_at=created_at,
            operator_id=operator_id,
        )
    )


def _meta(row) -> dict[str, Any]:
    meta = dict(row._mapping)
    meta["reasons"] = json.loads(meta["reasons"] or "[]")
    created = meta["created_at"]
    if created is not None and created.tzinfo is None:  # SQLite hands back naive datetimes
        meta["created_at"] = created.replace(tzinfo=dt.timezone.utc)
    return meta


def get_document(
    conn: sa.Connection, document_id: str, *, with_content: bool = False, blobs: FileBlobStore | None = None
) -> dict[str, Any] | None:
    columns = list(documents.c) if with_content else META_COLUMNS
    row = conn.execute(sa.select(*columns).where(documents.c.id == document_id)).first()
    if row is None:
        return None
    meta = _meta(row)
    if with_content and meta["content"] is None and meta["blob_path"]:
        if blobs is None:
            raise LookupError(f"document {document_id} is a file but no blob directory is configured")
        meta["content"] = blobs.get(meta["blob_path"], meta["blob_offset"], meta["size"])
    return meta


def known_blobs(conn: sa.Connection, paths) -> set[str]:
    """Which of these blob paths a document row names."""
    found: set[str] = set()
    paths = list(paths)
    for start in range(0, len(paths), 500):
        part = paths[start : start + 500]
        found.update(conn.execute(sa.select(documents.c.blob_path).where(documents.c.blob_path.in_(part))).scalars())
    return found


def list_documents(
    conn: sa.Connection, *, person_id: str = "", kind: str = "", page: paging.Page = paging.Page()
) -> tuple[list[dict[str, Any]], str]:
    """One page of documents without their content, newest first, and the cursor of the next page ('' at the end)."""
    query = sa.select(*META_COLUMNS)
    if person_id:
        query = query.where(documents.c.person_id == person_id)
    if kind:
        query = query.where(documents.c.kind == kind)
    rows, next_cursor = paging.keyset(conn, query, documents.c.seq, page, newest_first=True)
    return [_meta(row) for row in rows], next_cursor


class SqlDocumentRecords:
    """DocumentRecords inside the transaction of `conn`."""

    def __init__(self, conn: sa.Connection, plumbing: plumbing.Plumbing, blobs: FileBlobStore | None = None) -> None:
        self.conn = conn
        self.plumbing = plumbing
        self.blobs = blobs

    def replayed(self, *, operator_id: str, key: str, operation: str, request: bytes) -> dict[str, Any] | None:
        try:
            stored = self.plumbing.recall_idempotent(
                self.conn, operator_id=operator_id, key=key, operation=operation, request=request
            )
        except plumbing.IdempotencyConflict:
            raise IdempotencyKeyReused(key) from None
        if stored is None:
            return None
        document_id = json.loads(stored)["document_id"]
        meta = get_document(self.conn, document_id)
        if meta is None:  # cannot happen: documents are never deleted
            raise LookupError(f"document {document_id} of a replayed request is gone")
        return meta

    def remember(self, *, operator_id: str, key: str, operation: str, request: bytes, document_id: str) -> None:
        self.plumbing.remember_idempotent(
            self.conn,
            operator_id=operator_id,
            key=key,
            operation=operation,
            request=request,
            response=json.dumps({"document_id": document_id}).encode(),
        )

    def next_certificate_sequence(self, key: str) -> int:
        return next_certificate_sequence(self.conn, key)

    def add_document(self, **fields) -> None:
        add_document(self.conn, blobs=self.blobs, **fields)

    def get_document(self, document_id: str, *, with_content: bool = False) -> dict[str, Any] | None:
        return get_document(self.conn, document_id, with_content=with_content, blobs=self.blobs)

    def last_reissue_count(self, original_id: str) -> int:
        """The highest reissue count of the chain of `original_id` (0: never reissued)."""
        found = self.conn.execute(
            sa.select(sa.func.max(documents.c.reissue_count)).where(documents.c.reissue_of == original_id)
        ).scalar()
        return int(found or 0)

    def list_documents(self, *, person_id: str, kind: str, page: paging.Page) -> tuple[list[dict[str, Any]], str]:
        return list_documents(self.conn, person_id=person_id, kind=kind, page=page)

    def add_event(self, **event) -> None:
        self.plumbing.add_event(self.conn, **event)

    def audit(self, **entry) -> None:
        self.plumbing.audit(self.conn, **entry)


class SqlDocumentStore:
    """DocumentStore over an engine: one database transaction per unit of work."""

    def __init__(self, engine: sa.Engine, blobs: FileBlobStore | None = None) -> None:
        self.engine = engine
        self.plumbing = plumbing.Plumbing(metadata, EVENT_SOURCE)
        self.blobs = blobs

    def sweep_blobs(self, *, older_than: float = 3600) -> int:
        """Remove the blob files no document row names (left by a crash between the file and the row)."""
        if self.blobs is None:
            return 0

        def known(paths) -> set[str]:
            with self.engine.connect() as conn:
                return known_blobs(conn, paths)

        return self.blobs.sweep(known, older_than=older_than)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[SqlDocumentRecords]:
        try:
            with self.engine.begin() as conn:
                yield SqlDocumentRecords(conn, self.plumbing, self.blobs)
        except sa.exc.IntegrityError as exc:
            raise ConcurrentWrite(str(exc.orig)) from exc
