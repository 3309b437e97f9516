"""The known persons of the outbound feeds, kept per run: a run of qualification events writes its persons' rows in one
statement at the end, and stores exactly what the same events one at a time would (later events of the run read
what earlier ones remembered, DV marks included). Service layer on a real database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
import sqlalchemy as sa

from nhi_devtools import testing
from nhi_integration.adapters.outbound_store import CsvDailyFiles, SqlOutboundStore
from nhi_integration.adapters.outbound_tables import outbound_persons, outbound_records
from nhi_integration.adapters.tables import PLUMBING
from nhi_integration.bootstrap import MIGRATIONS
from nhi_integration.domain.outbound import ADDRESS_FIELDS, FIELDS
from nhi_integration.service_layer.outbound import ADDRESS_WITHHELD, OutboundFeeds

DAY = dt.date(2026, 12, 6)
ACQ, LOST, CHANGED, CORRECTED = (
    f"jp.nhi.qualification.{kind}.v1" for kind in ("acquired", "lost", "changed", "corrected")
)
ADDRESS = {"postal_code": "399-0101", "address_code": "99999001002", "address": "みどり市若葉町2丁目3番5号"}


def acquired(person_id, birth_date, *, household, dv=False, lost_on="", reason="move_in"):
    """An acquired (or, with lost_on, lost) event's data as svc-qualification publishes it, in short."""
    return {
        "person_id": person_id,
        "household_id": household,
        "name_kanji": "試験　太郎",
        "birth_date": birth_date,
        "sex": "1",
        "address": {} if dv else ADDRESS,
        "dv_support": dv,
        "change_id": "chg-" + person_id,
        "insurer_number": "139998",
        "number": "1001",
        "acquired_on": "2026-12-01",
        "lost_on": lost_on,
        "reason": reason,
        "business_date": DAY.isoformat(),
    }


def changed(person_id, household, *, status_kind=None, change_kind="status"):
    return {
        "person_id": person_id,
        "household_id": household,
        "change_id": f"st-{person_id}-{change_kind}",
        "change_kind": change_kind,
        "effective_date": "2026-12-02",
        "business_date": DAY.isoformat(),
        "status_kind": status_kind,
        "status_start": "2026-12-02",
        "status_end": "",
    }


def births(count: int, first: int) -> list[tuple[str, str, dict]]:
    return [
        (f"b{n}", ACQ, acquired(f"9{n:08d}", "2026-12-01", household=f"H{n:08d}", reason="birth"))
        for n in range(first, first + count)
    ]


def feeds_on(engine, tmp_path) -> OutboundFeeds:
    return OutboundFeeds(
        store=SqlOutboundStore(engine), files=CsvDailyFiles(str(tmp_path), columns=FIELDS), today=lambda: DAY
    )


@pytest.fixture
def feeds(engine, tmp_path):
    return feeds_on(engine, tmp_path)


@pytest.fixture(params=testing.backends())
def engines(request, tmp_path):
    """Two empty databases of one backend: one for a run of events, one for the same events one at a time."""
    with (
        testing.migrated_engine(request.param, tmp_path, "run", MIGRATIONS) as run,
        testing.migrated_engine(request.param, tmp_path, "single", MIGRATIONS) as single,
    ):
        yield run, single


def persons(engine) -> dict[str, tuple]:
    t = outbound_persons
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.c.person_id, t.c.household_id, t.c.dv_support, t.c.facts)).all()
    return {r.person_id: (r.household_id, r.dv_support, json.loads(r.facts)) for r in rows}


def kept_records(engine) -> list[tuple]:
    """The records in sequence order, with the subjects of their outbox events."""
    r, outbox = outbound_records, PLUMBING["outbox"]
    with engine.connect() as conn:
        records = conn.execute(
            sa.select(
                r.c.seq, r.c.feed, r.c.record_kind, r.c.person_id, r.c.source_event_id, r.c.business_date, r.c.data
            ).order_by(r.c.seq)
        ).all()
        subjects = conn.scalars(sa.select(outbox.c.nats_subject).order_by(outbox.c.seq)).all()
    return [(*row[:-1], json.loads(row.data)) for row in records] + [tuple(subjects)]


def statements_of(engine: sa.Engine, work) -> list[str]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return seen


BEFORE = [
    ("p1", ACQ, acquired("900000021", "1970-01-01", household="H90000021", dv=True)),
    ("p2", ACQ, acquired("900000022", "1972-01-01", household="H90000021")),
    ("p3", ACQ, acquired("900000023", "1960-01-01", household="H90000023")),
]
RUN = [
    ("r1", ACQ, acquired("900000031", "2026-12-01", household="H90000031", reason="birth")),
    ("r2", CHANGED, changed("900000031", "H90000031", status_kind="address_exception")),
    ("r3", CHANGED, changed("900000023", "H90000023", status_kind="address_exception")),
    ("r4", LOST, acquired("900000023", "1960-01-01", household="H90000023", lost_on="2026-12-20")),
    # The DV person moves out: their old household's mark goes, their new one's comes.
    ("r5", CHANGED, changed("900000021", "H90000025", change_kind="move")),
    ("r6", LOST, acquired("900000022", "1972-01-01", household="H90000021", lost_on="2026-12-20")),
    ("r7", ACQ, acquired("900000032", "1990-01-01", household="H90000025")),
    ("r8", CORRECTED, {**changed("900000031", "H90000031"), "acquired_on": "2026-12-03", "number": "1002"}),
]


def test_a_run_keeps_the_same_known_persons_and_records_as_its_events_one_at_a_time(engines, tmp_path):
    run, single = engines
    for engine in engines:
        for event_id, ce_type, data in BEFORE:
            feeds_on(engine, tmp_path).receive(event_id=event_id, ce_type=ce_type, data=data)
    together = feeds_on(run, tmp_path).receive_many(RUN)
    alone = [feeds_on(single, tmp_path).receive(event_id=i, ce_type=t, data=d) for i, t, d in RUN]
    assert together == alone
    assert persons(run) == persons(single)
    assert kept_records(run) == kept_records(single)
    # What the run read of what it held: the moved DV person's old household carries its address again, the new
    # one does not; the person first known in the run was changed, then corrected.
    addresses = {(r[3], r[2]): r[6]["address"] for r in kept_records(run)[:-1] if r[1] == "resident"}
    assert addresses[("900000022", "lost")] == ADDRESS["address"]
    assert addresses[("900000032", "acquired")] is None
    kept = persons(run)
    assert kept["900000021"][:2] == ("H90000025", True)
    assert kept["900000031"][2]["address_exception"] is True
    assert (kept["900000031"][2]["acquired_on"], kept["900000031"][2]["number"]) == ("2026-12-03", "1002")
    assert (kept["900000023"][2]["address_exception"], kept["900000023"][2]["lost_on"]) == (True, "2026-12-20")


def test_two_events_of_a_person_in_a_run_write_their_row_once_as_the_last_left_it(feeds, engine):
    events = [
        ("e1", ACQ, acquired("900000041", "1980-01-01", household="H90000041")),
        ("e2", LOST, acquired("900000041", "1980-01-01", household="H90000041", lost_on="2026-12-20")),
    ]
    seen = statements_of(engine, lambda: feeds.receive_many(events))
    assert len([s for s in seen if "outbound_persons" in s and s.lstrip().upper().startswith("INSERT")]) == 1
    assert not [s for s in seen if "outbound_persons" in s and s.lstrip().upper().startswith("UPDATE")]
    kept = persons(engine)
    assert list(kept) == ["900000041"]
    assert (kept["900000041"][2]["acquired_on"], kept["900000041"][2]["lost_on"]) == ("2026-12-01", "2026-12-20")


def test_a_person_known_before_the_run_and_changed_in_it_is_replaced_in_place(feeds, engine):
    feeds.receive(event_id="e1", ce_type=ACQ, data=acquired("900000051", "1970-01-01", household="H90000051"))
    before = persons(engine)["900000051"]
    assert before[2]["address_exception"] is False
    assert feeds.receive_many(
        [
            ("e2", CHANGED, changed("900000051", "H90000052", change_kind="move")),
            ("e3", CHANGED, changed("900000051", "H90000052", status_kind="address_exception")),
        ]
    ) == [1, 2]  # the address exception of a 56-year-old reaches care too
    after = persons(engine)["900000051"]
    assert after[:2] == ("H90000052", False)
    assert after[2] == {**before[2], "household_id": "H90000052", "address_exception": True}


def test_a_run_of_births_takes_as_many_statements_whatever_its_size(feeds, engine):
    """The known persons of a run go in one statement with its records: five births or fifty cost the same."""
    five = statements_of(engine, lambda: feeds.receive_many(births(5, 1)))
    fifty = statements_of(engine, lambda: feeds.receive_many(births(50, 100)))
    if engine.dialect.name == "sqlite":
        # SQLAlchemy sends an INSERT .. RETURNING in parameter order one row at a time on SQLite (outbound_records
        # has no sentinel column): the records' insert is left out of the count there.
        five, fifty = ([s for s in seen if not s.startswith("INSERT INTO outbound_records")] for seen in (five, fifty))
    assert len(five) == len(fifty), (len(five), len(fifty))
    assert len(persons(engine)) == 55


def test_what_a_transaction_read_ahead_reads_as_withheld_after_the_address_is(feeds, engine):
    """Rule DV in one transaction: the persons and the household's mark read ahead, then the address withheld, read
    as stored (no address, the household marked), and a person remembered before it too."""
    for event_id, person_id in (("w1", "900000061"), ("w2", "900000062")):
        feeds.receive(event_id=event_id, ce_type=ACQ, data=acquired(person_id, "1970-01-01", household="H90000061"))
    with SqlOutboundStore(engine).transaction() as tx:
        tx.read_ahead(["900000061", "900000062"], ["H90000061"])
        assert tx.known_person("900000061").address == ADDRESS
        assert tx.dv_in_household("H90000061") is False
        late = tx.known_person("900000062")
        tx.remember(dataclasses.replace(late, number="1002"))
        tx.withhold_address("H90000061", ["900000061"], "900000061")
        for person_id in ("900000061", "900000062"):
            assert tx.known_person(person_id).address == {}
            assert tx.known_person(person_id).dv_support is True
        assert tx.known_person("900000062").number == "1002"
        assert tx.dv_in_household("H90000061") is True
    kept = persons(engine)
    assert {p: (kept[p][1], kept[p][2]["address"]) for p in kept} == {
        "900000061": (True, {}),
        "900000062": (True, {}),
    }


def test_what_a_transaction_read_ahead_reads_as_released_after_the_address_is(feeds, engine):
    """Rule DV, the end, in one transaction: the household's persons read ahead as DV support, then released, read
    without the mark; another household of a member named keeps its own through a person not released."""
    feeds.receive(event_id="r1", ce_type=ACQ, data=acquired("900000071", "1970-01-01", household="H90000071", dv=True))
    feeds.receive(event_id="r2", ce_type=ACQ, data=acquired("900000072", "1972-01-01", household="H90000071"))
    feeds.receive(event_id="r3", ce_type=ACQ, data=acquired("900000073", "1980-01-01", household="H90000073", dv=True))
    feeds.receive(event_id="r4", ce_type=ACQ, data=acquired("900000074", "1982-01-01", household="H90000073", dv=True))
    with SqlOutboundStore(engine).transaction() as tx:
        tx.read_ahead(["900000071", "900000072", "900000073"], ["H90000071", "H90000073"])
        assert tx.known_person("900000071").dv_support is True
        assert tx.dv_in_household("H90000071") is True
        assert tx.release_address("H90000071", ["900000073"]) == 2
        assert tx.known_person("900000071").dv_support is False
        assert tx.known_person("900000073").dv_support is False
        assert tx.dv_in_household("H90000071") is False
        assert tx.dv_in_household("H90000073") is True  # 900000074 was not released
    kept = persons(engine)
    assert {p: (kept[p][1], kept[p][2]["dv_support"]) for p in kept} == {
        "900000071": (False, False),
        "900000072": (False, False),
        "900000073": (False, False),
        "900000074": (True, True),
    }


def test_a_withheld_address_stays_withheld_through_the_members_later_events(feeds, engine):
    """Rule DV: withholding marks the household's known persons in their facts as in their column, so the mark
    outlives their later events (each writes its person back as its facts say) and no later record carries the
    address."""
    for event_id, person_id in (("v1", "900000081"), ("v2", "900000082")):
        feeds.receive(event_id=event_id, ce_type=ACQ, data=acquired(person_id, "1970-01-01", household="H90000081"))
    withheld = {"household_id": "H90000081", "person_ids": ["900000081"], "dv_person_id": "900000081"}
    feeds.receive(event_id="v3", ce_type=ADDRESS_WITHHELD, data=withheld)
    kept = persons(engine)
    assert {p: (kept[p][1], kept[p][2]["dv_support"], kept[p][2]["address"]) for p in kept} == {
        "900000081": (True, True, {}),
        "900000082": (True, True, {}),
    }
    for event_id, person_id in (("v4", "900000081"), ("v5", "900000082")):
        feeds.receive(event_id=event_id, ce_type=CHANGED, data=changed(person_id, "H90000081", change_kind="move"))
    lost = acquired("900000082", "1970-01-01", household="H90000081", lost_on="2026-12-20")
    feeds.receive(event_id="v6", ce_type=LOST, data=lost)
    assert {p: v[1] for p, v in persons(engine).items()} == {"900000081": True, "900000082": True}
    [record] = [r for r in kept_records(engine)[:-1] if r[4] == "v6" and r[1] == "resident"]
    assert {key: record[6][key] for key in ADDRESS_FIELDS} == dict.fromkeys(ADDRESS_FIELDS)
