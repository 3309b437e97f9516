"""The store on a real database: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa

from nhi_common import db
from nhi_common.paging import Page
from nhi_documents.adapters import store
from nhi_documents.bootstrap import MIGRATIONS


def _add(conn, n, person_id="900000001", kind="eligibility_certificate"):
    content = f"%PDF-fake-{n}".encode()
    store.add_document(
        conn,
        document_id=f"doc-{n}",
        kind=kind,
        title="国民健康保険 資格確認書",
        person_id=person_id,
        household_id="H1",
        media_type="application/pdf",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        issued_on=dt.date(2025, 8, 1),
        valid_until=dt.date(2026, 7, 31),
        certificate_number=f"R7-{n:06d}",
        reasons=[{"rule_id": "CERT-EXPIRY", "facts": {"limit": "renewal"}}],
        operator_id="op-1",
        created_at=dt.datetime(2025, 8, 1, 1, 2, 3, tzinfo=dt.timezone.utc),
    )


def test_migration_creates_every_table_and_runs_twice(engine):
    db.migrate(engine, MIGRATIONS)
    names = set(sa.inspect(engine).get_table_names())
    assert {"documents", "certificate_sequences", "outbox", "inbox", "idempotency_keys", "audit_log"} <= names


def test_migration_matches_the_tables(engine):
    inspector = sa.inspect(engine)
    for table in (store.documents, store.certificate_sequences):
        assert {c["name"] for c in inspector.get_columns(table.name)} == {c.name for c in table.c}


def test_a_document_keeps_its_bytes_and_meta(engine):
    with engine.begin() as conn:
        _add(conn, 1)
    with engine.connect() as conn:
        meta = store.get_document(conn, "doc-1")
        full = store.get_document(conn, "doc-1", with_content=True)
        missing = store.get_document(conn, "nope")
    assert "content" not in meta and full["content"] == b"%PDF-fake-1"
    assert meta["size"] == len(b"%PDF-fake-1") and meta["valid_until"] == dt.date(2026, 7, 31)
    assert meta["created_at"] == dt.datetime(2025, 8, 1, 1, 2, 3, tzinfo=dt.timezone.utc)
    assert meta["reasons"][0]["rule_id"] == "CERT-EXPIRY"
    assert missing is None


def test_certificate_numbers_are_unique(engine):
    with engine.begin() as conn:
        _add(conn, 1)
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            store.add_document(
                conn,
                document_id="doc-x",
                kind="k",
                title="t",
                person_id="p",
                household_id="",
                media_type="application/pdf",
                content=b"x",
                sha256="0" * 64,
                issued_on=dt.date(2025, 8, 1),
                valid_until=None,
                certificate_number="R7-000001",
                reasons=[],
                operator_id="",
                created_at=dt.datetime.now(dt.timezone.utc),
            )


def test_sequences_count_per_key_and_roll_back_with_the_transaction(engine):
    with engine.begin() as conn:
        assert [store.next_certificate_sequence(conn, "R7") for _ in range(3)] == [1, 2, 3]
        assert store.next_certificate_sequence(conn, "R8") == 1
    with pytest.raises(RuntimeError):
        with engine.begin() as conn:
            assert store.next_certificate_sequence(conn, "R7") == 4
            raise RuntimeError("render failed")
    with engine.begin() as conn:
        assert store.next_certificate_sequence(conn, "R7") == 4


def test_documents_page_newest_first_with_filters(engine):
    with engine.begin() as conn:
        for n in range(1, 6):
            _add(conn, n)
        _add(conn, 6, person_id="900000002")
    with engine.connect() as conn:
        first, cursor = store.list_documents(conn, person_id="900000001", page=Page(3))
        second, end = store.list_documents(conn, person_id="900000001", page=Page(3, int(cursor)))
        other, _ = store.list_documents(conn, person_id="900000002")
        none, _ = store.list_documents(conn, kind="other_kind")
    assert [r["id"] for r in first] == ["doc-5", "doc-4", "doc-3"] and cursor == str(first[-1]["seq"])
    assert [r["id"] for r in second] == ["doc-2", "doc-1"] and end == ""
    assert [r["id"] for r in other] == ["doc-6"]
    assert none == [] and all("content" not in r for r in first)


def test_a_job_item_stored_twice_fails_its_transaction_as_a_concurrent_write_and_leaves_nothing(engine, tmp_path):
    """A chunk's items go in one statement (a COPY on PostgreSQL): a (job, person, kind) stored already fails the
    whole transaction the same way on either database, as the write of someone else meanwhile."""
    from nhi_documents.adapters.blobs import FileBlobStore
    from nhi_documents.adapters.jobs_store import SqlJobStore
    from nhi_documents.service_layer.ports import ConcurrentWrite

    jobs = SqlJobStore(engine, FileBlobStore(tmp_path / "blobs"))

    def item(person_id: str) -> dict:
        return {
            "job_id": "documents-j1",
            "person_id": person_id,
            "kind": "eligibility_certificate",
            "household_id": "H1",
            "postal_code": "3990101",
            "document_id": None,
            "outcome": "not_due",
            "chunk_no": 0,
            "sheets": None,
        }

    with jobs.transaction() as tx:
        tx.add_job(
            job_id="documents-j1",
            kind="annual_renewal",
            parameters={"date": "2025-08-01"},
            business_date=dt.date(2025, 8, 1),
            operator_id="batch-1",
        )
        tx.add_items([item("900000001")])
    with pytest.raises(ConcurrentWrite), jobs.transaction() as tx:
        tx.add_items([item("900000002"), item("900000001")])
    with jobs.transaction() as tx:
        assert tx.items_done("documents-j1", ["900000001", "900000002"]) == {("900000001", "eligibility_certificate")}
