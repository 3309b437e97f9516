"""The store on a real database: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import sqlalchemy as sa

from nhi_common import db
from nhi_common.paging import Page
from nhi_common.plumbing import Plumbing
from nhi_integration.adapters import store
from nhi_integration.adapters.tables import metadata
from nhi_integration.bootstrap import MIGRATIONS
from nhi_integration.domain.resident import Problem, parse_change


def test_migration_creates_every_table_and_runs_twice(engine):
    db.migrate(engine, MIGRATIONS)
    names = set(sa.inspect(engine).get_table_names())
    assert {"imports", "received_changes", "rejected_events", "inbox", "outbox", "audit_log"} <= names


def test_receipt_and_outcomes_are_kept_with_ids_only(engine, move_in):
    change = parse_change(move_in)
    with engine.begin() as conn:
        store.record_receipt(conn, receipt_key="evt-1", change=change, origin="nats")
        store.record_outcomes(conn, receipt_key="evt-1", outcomes=[{"change_id": "chg-0001", "outcome": "applied"}])
    with engine.connect() as conn:
        receipt = store.get_receipt(conn, "evt-1")
    assert receipt["change_id"] == "chg-0001" and receipt["persons"] == 2
    assert receipt["outcomes"] == [{"change_id": "chg-0001", "outcome": "applied"}]


def test_a_rolled_back_claim_leaves_the_inbox_free(engine):
    plumbing = Plumbing(metadata, "test")
    try:
        with engine.begin() as conn:
            assert plumbing.claim_inbox(conn, event_id="evt-1", consumer="c")
            raise RuntimeError("downstream failed")
    except RuntimeError:
        pass
    with engine.begin() as conn:
        assert plumbing.claim_inbox(conn, event_id="evt-1", consumer="c")
        assert not plumbing.claim_inbox(conn, event_id="evt-1", consumer="c")


def test_rejections_are_listed_in_order(engine):
    with engine.begin() as conn:
        store.record_rejection(
            conn, event_id="e1", ce_type="t", change_id="c1", problems=[Problem("event_date", "bad")]
        )
        store.record_rejection(conn, event_id="e2", ce_type="t", change_id="", problems=[Problem("", "not an object")])
    with engine.connect() as conn:
        rows = store.list_rejections(conn)
    assert [r["event_id"] for r in rows] == ["e1", "e2"]
    assert rows[0]["problems"] == [{"field": "event_date", "message": "bad"}]


def test_imports_page_newest_first(engine):
    with engine.begin() as conn:
        for n in range(5):
            store.create_import(
                conn, import_id=f"imp-{n}", source="resident", file_name=f"f{n}.jsonl", operator_id="op"
            )
        store.finish_import(
            conn,
            import_id="imp-4",
            state="processed",
            records=2,
            applied=1,
            rejected=1,
            errors=[{"line": 2, "field": "event_date", "message": "bad"}],
        )
    with engine.connect() as conn:
        first, cursor = store.list_imports(conn, page=Page(3))
        second, end = store.list_imports(conn, page=Page(3, int(cursor)))
        latest = store.get_import(conn, "imp-4")
    assert [r["import_id"] for r in first] == ["imp-4", "imp-3", "imp-2"] and cursor == str(first[-1]["seq"])
    assert [r["import_id"] for r in second] == ["imp-1", "imp-0"] and end == ""
    assert latest["state"] == "processed" and latest["errors"][0]["line"] == 2
