"""The outbound consumer's batches: a fetch of qualification events kept in one transaction gives the records one
event at a time would, in the same order; an event that raises holds back no other; a DV address withheld in the
middle of a batch holds for the events after it. Service layer on a real database."""

from __future__ import annotations

import datetime as dt

import pytest

from nhi_common.event_fields import BadField
from nhi_integration.adapters.outbound_store import CsvDailyFiles, SqlOutboundStore
from nhi_integration.domain import outbound
from nhi_integration.domain.outbound import FIELDS
from nhi_integration.service_layer.outbound import OutboundFeeds

DAY = dt.date(2026, 12, 6)
ACQ, LOST, CHANGED = (f"jp.nhi.qualification.{kind}.v1" for kind in ("acquired", "lost", "changed"))
ADDRESS_WITHHELD = "jp.nhi.qualification.address_withheld.v1"
ADDRESS = {"postal_code": "399-0101", "address_code": "99999001002", "address": "みどり市若葉町2丁目3番5号"}


def acquired(person_id, birth_date, *, household="H90000001", lost_on=""):
    """An acquired (or, with lost_on, lost) event's data as svc-qualification publishes it, in short."""
    return {
        "person_id": person_id,
        "household_id": household,
        "name_kanji": "試験　太郎",
        "birth_date": birth_date,
        "address": ADDRESS,
        "dv_support": False,
        "change_id": "chg-" + person_id,
        "acquired_on": "2026-12-01",
        "lost_on": lost_on,
        "reason": "move_in",
        "business_date": DAY.isoformat(),
    }


def changed(person_id, household, *, status_kind):
    return {
        "person_id": person_id,
        "household_id": household,
        "change_id": "st-" + person_id,
        "change_kind": "status",
        "effective_date": "2026-12-02",
        "business_date": DAY.isoformat(),
        "status_kind": status_kind,
        "status_start": "2026-12-02",
        "status_end": "",
    }


@pytest.fixture
def commits():
    return []


@pytest.fixture
def feeds(engine, tmp_path, commits):
    return OutboundFeeds(
        store=SqlOutboundStore(engine),
        files=CsvDailyFiles(str(tmp_path), columns=FIELDS),
        today=lambda: DAY,
        committed=lambda: commits.append(1),
    )


def records(feeds) -> list[tuple]:
    rows = [r for feed in outbound.FEEDS for r in feeds.list(feed, after=0, size=500)["records"]]
    return sorted((r["sequence"], r["feed"], r["record_kind"], r["person_id"], r["address"]) for r in rows)


EVENTS = [
    ("e1", ACQ, acquired("900000001", "1981-05-10")),
    ("e2", ACQ, acquired("900000002", "1950-02-01", household="H90000002")),
    ("e3", CHANGED, changed("900000001", "H90000001", status_kind="address_exception")),
    ("e4", LOST, acquired("900000002", "1950-02-01", household="H90000002", lost_on="2026-12-20")),
]


def test_a_batch_gives_the_records_of_its_events_one_by_one_in_one_commit(engine, tmp_path, feeds, commits):
    assert feeds.receive_many(EVENTS) == [3, 1, 2, 1]
    assert len(commits) == 1
    single = OutboundFeeds(
        store=SqlOutboundStore(engine), files=CsvDailyFiles(str(tmp_path), columns=FIELDS), today=lambda: DAY
    )
    batched = records(feeds)
    assert [r[2:4] for r in batched] == [
        ("acquired", "900000001"),
        ("acquired", "900000001"),
        ("acquired", "900000001"),
        ("acquired", "900000002"),
        ("changed", "900000001"),
        ("changed", "900000001"),
        ("lost", "900000002"),
    ]
    assert [r[1] for r in batched] == ["resident", "care", "healthcheck", "resident", "resident", "care", "resident"]
    # The same events again, in a batch or alone, are kept once.
    assert feeds.receive_many(EVENTS) == [0, 0, 0, 0]
    assert [single.receive(event_id=i, ce_type=t, data=d) for i, t, d in EVENTS] == [0, 0, 0, 0]
    assert records(feeds) == batched


def test_an_event_that_raises_holds_back_no_other_of_its_batch(feeds, monkeypatch):
    build = outbound.build

    def failing(kind, data, *args, **kwargs):
        if data["person_id"] == "900000002":
            raise RuntimeError("this event only")
        return build(kind, data, *args, **kwargs)

    monkeypatch.setattr(outbound, "build", failing)
    results = feeds.receive_many(EVENTS)
    assert results[0] == 3 and results[2] == 2
    assert isinstance(results[1], RuntimeError) and isinstance(results[3], RuntimeError)
    assert {r[3] for r in records(feeds)} == {"900000001"}

    monkeypatch.setattr(outbound, "build", build)  # delivered again once it can be processed
    assert feeds.receive_many(EVENTS) == [0, 1, 0, 1]
    assert {r[3] for r in records(feeds)} == {"900000001", "900000002"}


def test_an_address_withheld_in_the_middle_of_a_batch_holds_for_the_events_after_it(feeds):
    withheld = {"household_id": "H90000001", "person_ids": ["900000001", "900000003"], "dv_person_id": "900000003"}
    assert feeds.receive_many(
        [
            ("e1", ACQ, acquired("900000001", "1981-05-10")),
            ("e2", ADDRESS_WITHHELD, withheld),
            ("e3", ACQ, acquired("900000003", "1983-02-01")),
            ("e4", ACQ, acquired("900000004", "1990-01-01", household="H90000004")),
        ]
    ) == [3, 0, 3, 1]
    kept = records(feeds)
    assert all(address is None for _s, _f, _k, person, address in kept if person != "900000004")
    assert [address for _s, _f, _k, person, address in kept if person == "900000004"] == ["みどり市若葉町2丁目3番5号"]


def test_a_dv_person_kept_in_a_batch_withholds_the_address_of_the_household_s_later_events_in_it(feeds):
    """The batch reads the known persons and the households' DV marks once: a DV person remembered by an event of
    the batch still takes the address out of the records of their household's later events in the same batch."""
    dv = {**acquired("900000011", "1985-01-01", household="H90000011"), "dv_support": True, "address": {}}
    events = [
        ("d1", ACQ, acquired("900000012", "1986-01-01", household="H90000011")),
        ("d2", ACQ, dv),
        ("d3", ACQ, acquired("900000013", "2020-01-01", household="H90000011")),
        ("d4", LOST, acquired("900000012", "1986-01-01", household="H90000011", lost_on="2026-12-20")),
        ("d5", ACQ, acquired("900000014", "1990-01-01", household="H90000012")),
    ]
    assert feeds.receive_many(events) == [3, 3, 1, 3, 1]  # resident, care and healthcheck for 40-74
    kept = {(r[2], r[3], r[1]): r[4] for r in records(feeds)}
    assert kept[("acquired", "900000012", "resident")] == ADDRESS["address"]  # before the DV person was known
    assert kept[("acquired", "900000011", "resident")] is None
    assert kept[("acquired", "900000013", "resident")] is None
    assert kept[("lost", "900000012", "resident")] is None
    assert kept[("acquired", "900000014", "resident")] == ADDRESS["address"]  # another household


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"household_id": "H" * 10_000}, "household_id"),
        ({"household_id": "H9\x000000001"}, "household_id"),
        ({"person_id": ["900000009"]}, "person_id"),
        ({"person_id": 2**63}, "person_id"),
    ],
)
def test_an_event_whose_ids_no_table_takes_is_refused_naming_the_field_and_its_batch_is_kept(feeds, change, field):
    """On PostgreSQL a household id of 10,000 characters or holding a NUL failed the transaction of its batch and
    then its own, at every delivery; a list or a number as an id was kept as its text. Refused up front instead."""
    bad = ("e-bad", ACQ, {**acquired("900000009", "1980-01-01"), **change})
    results = feeds.receive_many([EVENTS[0], bad, EVENTS[2]])
    assert results[0] == 3 and results[2] == 2
    assert isinstance(results[1], BadField) and results[1].field == field
    assert "900000009" not in {r[3] for r in records(feeds)}
