"""The store on a real database: SQLite always, PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import base64
import datetime as dt
import json

import sqlalchemy as sa

from nhi_common import db
from nhi_common.mynumber_keys import MyNumberKeys
from nhi_common.paging import Page, parse
from nhi_common.plumbing import Plumbing
from nhi_integration.adapters import store
from nhi_integration.adapters.tables import metadata
from nhi_integration.bootstrap import MIGRATIONS
from nhi_integration.domain.resident import Problem, parse_change


def test_migration_creates_every_table_and_runs_twice(engine):
    db.migrate(engine, MIGRATIONS)
    names = set(sa.inspect(engine).get_table_names())
    assert {"imports", "received_changes", "dead_letters", "person_sequences", "inbox", "outbox", "audit_log"} <= names
    assert "rejected_events" not in names


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


KEYS = MyNumberKeys({1: base64.b64encode(b"k" * 32).decode()})


def test_dead_letters_are_listed_in_order_and_by_state(engine, move_in):
    with engine.begin() as conn:
        for n in (1, 2, 3):
            store.add_dead_letter(
                conn,
                keys=KEYS,
                dead_letter_id=f"d{n}",
                event_id=f"e{n}",
                ce_type="t",
                change_id=f"c{n}",
                reason="invalid_change",
                problems=[Problem("event_date", "bad")],
                payload=move_in,
            )
        store.update_dead_letter(conn, "d2", state="replayed", outcome="applied")
    with engine.connect() as conn:
        first, cursor = store.list_dead_letters(conn, state="", page=Page(size=2), keys=KEYS)
        rest, end = store.list_dead_letters(conn, state="", page=parse(2, cursor), keys=KEYS)
        still_open, _ = store.list_dead_letters(conn, state="open", page=Page(size=10))
    assert [r["event_id"] for r in first + rest] == ["e1", "e2", "e3"] and end == ""
    assert [r["dead_letter_id"] for r in still_open] == ["d1", "d3"]
    assert first[0]["problems"] == [{"field": "event_date", "message": "bad"}] and first[0]["payload"] == move_in


def test_the_last_sequence_per_person_is_kept(engine):
    with engine.begin() as conn:
        store.set_sequences(conn, sequences={"1": 1, "2": 4}, change_id="c1")
        store.set_sequences(conn, sequences={"1": 2}, change_id="c2")
    with engine.connect() as conn:
        assert store.last_sequences(conn, ["1", "2", "3"]) == {"1": 2, "2": 4}


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


def test_a_person_marked_before_the_facts_said_so_is_marked_in_the_facts_after_the_upgrade(database):
    """Revision 0007: a household withheld before the store wrote dv_support into the facts keeps its mark through
    its members' later events (they build on the facts), because the upgrade writes the mark into them."""
    from alembic import command
    from alembic.config import Config

    from nhi_integration.adapters.outbound_tables import outbound_persons

    url, schema = database
    engine = db.make_engine(url, schema=schema)
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0006")
        stale = {"person_id": "P-DV-1", "household_id": "H-DV", "dv_support": False, "address": {}, "name": "x"}
        now = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
        unmarked = {"person_id": "P-2", "household_id": "H-2", "dv_support": False, "address": {"address": "a"}}
        with engine.begin() as conn:
            conn.execute(
                sa.insert(outbound_persons),
                [
                    {
                        "person_id": "P-DV-1",
                        "household_id": "H-DV",
                        "dv_support": True,
                        "facts": json.dumps(stale),
                        "updated_at": now,
                    },
                    {
                        "person_id": "P-2",
                        "household_id": "H-2",
                        "dv_support": False,
                        "facts": json.dumps(unmarked),
                        "updated_at": now,
                    },
                ],
            )
        db.migrate(engine, MIGRATIONS)
        with engine.connect() as conn:
            facts = dict(conn.execute(sa.select(outbound_persons.c.person_id, outbound_persons.c.facts)).all())
        assert json.loads(facts["P-DV-1"]) == {**stale, "dv_support": True}
        assert json.loads(facts["P-2"]) == unmarked  # not marked: left as it was
    finally:
        engine.dispose()
