"""The outbound feeds (2.7.1) from svc-qualification's events: which feed hears of what, the pull API's sequence,
the daily files, and no address of a DV household ever (rule DV). Service layer on a real database."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from nhi_common.errors import InvalidInput
from nhi_integration.adapters.outbound_store import CsvDailyFiles, SqlOutboundStore
from nhi_integration.adapters.tables import PLUMBING
from nhi_integration.domain import outbound
from nhi_integration.domain.outbound import FIELDS
from nhi_integration.service_layer.outbound import OutboundFeeds

DAY = dt.date(2026, 12, 6)
ADDRESS = {"postal_code": "399-0101", "address_code": "99999001002", "address": "みどり市若葉町2丁目3番5号"}


def acquired(person_id, birth_date, *, household="H90000001", dv=False, acquired_on="2026-12-01", **extra):
    return {
        "person_id": person_id,
        "household_id": household,
        "head_person_id": person_id,
        "name_kanji": "試験　太郎",
        "name_kana": "シケン　タロウ",
        "display_name": "試験　太郎",
        "birth_date": birth_date,
        "sex": "1",
        "address": {} if dv else ADDRESS,
        "dv_support": dv,
        "change_id": "chg-" + person_id,
        "period_id": "per-" + person_id,
        "insurer_number": "139998",
        "symbol": "みどり",
        "number": "1001",
        "branch_no": "01",
        "acquired_on": acquired_on,
        "lost_on": "",
        "coverage_starts_on": "",
        "coverage_ends_on": "",
        "reason": "move_in",
        "rule_ids": ["ACQ-MOVE-IN"],
        "feeds": [],
        "business_date": DAY.isoformat(),
        "operator_id": "clerk-01",
        **extra,
    }


def changed(person_id, household, *, status_kind, start="2026-12-02", end=""):
    return {
        "person_id": person_id,
        "household_id": household,
        "change_id": "st-" + person_id + status_kind,
        "change_kind": "status",
        "effective_date": start,
        "rule_ids": ["SPECIAL-STATUS"],
        "business_date": DAY.isoformat(),
        "operator_id": "clerk-01",
        "status_kind": status_kind,
        "status_start": start,
        "status_end": end,
    }


ACQ = "jp.nhi.qualification.acquired.v1"
LOST = "jp.nhi.qualification.lost.v1"
CHANGED = "jp.nhi.qualification.changed.v1"
ADDRESS_WITHHELD = "jp.nhi.qualification.address_withheld.v1"
ADDRESS_RELEASED = "jp.nhi.qualification.address_released.v1"


@pytest.fixture
def feeds(engine, tmp_path):
    return OutboundFeeds(
        store=SqlOutboundStore(engine), files=CsvDailyFiles(str(tmp_path), columns=FIELDS), today=lambda: DAY
    )


def published(engine) -> list[tuple[str, dict]]:
    import sqlalchemy as sa

    with engine.connect() as conn:
        rows = conn.execute(sa.select(PLUMBING["outbox"]).order_by(PLUMBING["outbox"].c.seq)).all()
    return [(r.nats_subject, json.loads(r.data)) for r in rows]


def test_a_join_at_45_reaches_every_feed_through_the_outbox(feeds, engine):
    assert feeds.receive(event_id="e1", ce_type=ACQ, data=acquired("900000001", "1981-05-10")) == 3
    subjects = [s for s, _ in published(engine)]
    assert subjects == [f"nhi.v1.outbound.{f}.acquired" for f in ("resident", "care", "healthcheck")]
    record = published(engine)[1][1]
    assert set(record) == set(FIELDS)
    assert (record["feed"], record["acquired_on"], record["address"]) == ("care", "2026-12-01", ADDRESS["address"])


def test_ages_decide_the_feeds():
    def feeds_of(birth):
        out = outbound.build("acquired", acquired("1", birth), None, dv_household=False, business_date=DAY)
        return [r.feed for r in out.records]

    assert feeds_of("1990-01-01") == ["resident"]  # 36
    assert feeds_of("1987-03-31") == ["resident", "healthcheck"]  # 39, 40 before the fiscal year ends
    assert feeds_of("1961-11-30") == ["resident", "healthcheck"]  # 65 on the acquisition date
    assert feeds_of("1951-11-30") == ["resident"]  # 75


def test_a_loss_counts_the_age_on_the_last_insured_day():
    data = acquired("1", "1961-12-01", lost_on="2026-12-01")
    out = outbound.build("lost", data, None, dv_household=False, business_date=DAY)
    assert [r.feed for r in out.records] == ["resident", "care", "healthcheck"]  # 64 on 11-30


def test_the_same_event_twice_gives_its_records_once(feeds):
    data = acquired("900000001", "1981-05-10")
    assert feeds.receive(event_id="e1", ce_type=ACQ, data=data) == 3
    assert feeds.receive(event_id="e1", ce_type=ACQ, data=data) == 0


def test_a_dv_person_and_every_member_of_their_household_leave_no_address(feeds, engine):
    feeds.receive(event_id="e1", ce_type=ACQ, data=acquired("900000001", "1981-05-10", dv=True))
    # svc-qualification withholds only the DV person's own address; the household's other members carry it.
    feeds.receive(event_id="e2", ce_type=ACQ, data=acquired("900000002", "1983-02-01"))
    for _subject, record in published(engine):
        assert all(record[k] is None for k in outbound.ADDRESS_FIELDS), record
        assert record["dv_support"] is True


def test_a_dv_support_status_withholds_the_address_from_then_on(feeds, engine):
    feeds.receive(event_id="e1", ce_type=ACQ, data=acquired("900000001", "1981-05-10"))
    feeds.receive(event_id="e2", ce_type=CHANGED, data=changed("900000001", "H90000001", status_kind="dv_support"))
    feeds.receive(event_id="e3", ce_type=LOST, data=acquired("900000001", "1981-05-10", lost_on="2026-12-20"))
    later = [r for _s, r in published(engine)][3:]
    assert later and all(r["address"] is None and r["postal_code"] is None for r in later)


def test_address_withheld_drops_the_household_address_from_records_already_kept_and_from_later_ones(feeds, engine):
    feeds.receive(event_id="e1", ce_type=ACQ, data=acquired("900000001", "1981-05-10"))
    feeds.receive(event_id="e2", ce_type=ACQ, data=acquired("900000002", "1983-02-01"))
    assert any(r["address"] for r in feeds.list("resident", after=0, size=50)["records"])
    withheld = {
        "household_id": "H90000001",
        "person_ids": ["900000001", "900000002", "900000003"],
        "dv_person_id": "900000003",
        "change_id": "st-1",
        "status_start": "2026-12-02",
        "status_end": "",
        "business_date": DAY.isoformat(),
        "operator_id": "clerk-01",
    }
    assert feeds.receive(event_id="e3", ce_type=ADDRESS_WITHHELD, data=withheld) == 0
    feeds.receive(event_id="e4", ce_type=LOST, data=acquired("900000001", "1981-05-10", lost_on="2026-12-20"))
    kept = [r for feed in ("resident", "care", "healthcheck") for r in feeds.list(feed, after=0, size=50)["records"]]
    assert len(kept) >= 7
    assert all(r[k] is None for r in kept for k in outbound.ADDRESS_FIELDS), kept
    assert all(r["dv_support"] is True for r in kept)
    feeds.write_daily_files(DAY)
    files = [p for feed in ("resident", "care", "healthcheck") for p in (feeds.files.directory / feed).rglob("*")]
    assert files
    for path in files:
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace") + path.read_bytes().decode("cp932", "replace")
            assert ADDRESS["address"] not in text and ADDRESS["postal_code"] not in text, path


def test_address_released_lets_later_records_carry_the_address_and_leaves_the_withheld_ones_blank(feeds, engine):
    feeds.receive(event_id="e1", ce_type=ACQ, data=acquired("900000001", "1981-05-10"))
    feeds.receive(event_id="e2", ce_type=CHANGED, data=changed("900000002", "H90000001", status_kind="dv_support"))
    withheld = {"household_id": "H90000001", "person_ids": ["900000001", "900000002"], "dv_person_id": "900000002"}
    feeds.receive(event_id="e3", ce_type=ADDRESS_WITHHELD, data=withheld)
    feeds.receive(event_id="e4", ce_type=ACQ, data=acquired("900000003", "1990-01-01"))  # an address, in flight
    assert all(r["address"] is None for r in feeds.list("resident", after=0, size=50)["records"])

    released = {**withheld, "status_id": "s-1", "status_end": "2026-12-10", "business_date": "2026-12-11"}
    assert feeds.receive(event_id="e5", ce_type=ADDRESS_RELEASED, data=released) == 0
    feeds.receive(event_id="e6", ce_type=ACQ, data=acquired("900000004", "1992-01-01"))
    feeds.receive(event_id="e7", ce_type=LOST, data=acquired("900000001", "1981-05-10", lost_on="2026-12-20"))
    records = feeds.list("resident", after=0, size=50)["records"]
    later = [r for r in records if r["person_id"] in ("900000004",) or r["record_kind"] == "lost"]
    assert len(later) == 2 and all(r["address"] == ADDRESS["address"] and r["dv_support"] is False for r in later)
    assert all(r["address"] is None for r in records if r not in later)


def test_an_address_exception_of_a_50_year_old_goes_to_care(feeds, engine):
    feeds.receive(event_id="e1", ce_type=ACQ, data=acquired("900000001", "1976-05-10"))
    feeds.receive(
        event_id="e2", ce_type=CHANGED, data=changed("900000001", "H90000001", status_kind="address_exception")
    )
    care = [r for s, r in published(engine) if s == "nhi.v1.outbound.care.changed"]
    assert [(r["status_kind"], r["address_exception"], r["birth_date"]) for r in care] == [
        ("address_exception", True, "1976-05-10")
    ]


def test_a_poller_reads_after_its_last_sequence(feeds):
    feeds.receive(event_id="e1", ce_type=ACQ, data=acquired("900000001", "1981-05-10"))
    feeds.receive(event_id="e2", ce_type=ACQ, data=acquired("900000003", "1990-05-10", household="H2"))
    first = feeds.list("resident", after=0, size=1)
    assert (len(first["records"]), first["more"]) == (1, True)
    second = feeds.list("resident", after=first["last_sequence"], size=10)
    assert [r["person_id"] for r in second["records"]] == ["900000003"]
    assert feeds.list("resident", after=second["last_sequence"], size=10)["records"] == []
    assert feeds.list("care", after=0, size=10)["records"][0]["person_id"] == "900000001"
    with pytest.raises(InvalidInput) as refused:
        feeds.list("pension", after=0, size=10)
    assert (refused.value.field, refused.value.rule) == ("feed", "enum")


def test_the_daily_files_hold_the_day_s_records_in_the_documented_columns(feeds, tmp_path):
    feeds.receive(event_id="e1", ce_type=ACQ, data=acquired("900000001", "1981-05-10"))
    written = feeds.write_daily_files(DAY)
    assert written["records"] == 3
    path = tmp_path / written["files"]["care"]
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(FIELDS)
    assert rows[1][FIELDS.index("person_id")] == "900000001"
    fixed = path.with_suffix(".dat").read_bytes().split(b"\r\n")  # docs/feeds/outbound-file.md
    assert [r[:1] for r in fixed] == [b"1", b"2", b"9", b""] and fixed[2][1:13] == b"000000000001"
    assert fixed[1][75:90].rstrip() == b"900000001"  # person_id, bytes 76-90
    assert not list(tmp_path.rglob("*.tmp"))
    assert feeds.write_daily_files(DAY + dt.timedelta(days=1))["records"] == 0
