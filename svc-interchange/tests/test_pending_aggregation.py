import pytest

from nhi_common.events import Event
from nhi_common.paging import Page, parse
from nhi_devtools import testing
from nhi_interchange import bootstrap
from nhi_interchange.adapters.store import SqlStore
from nhi_interchange.domain.aggregation import NotForAggregation, pending_record
from nhi_interchange.service_layer.services import InterchangeService


@pytest.fixture(params=testing.backends())
def service(request, tmp_path):
    with testing.migrated_engine(request.param, tmp_path, "interchange", bootstrap.MIGRATIONS) as engine:
        yield InterchangeService(SqlStore(engine))


def acquired(person_id="000000001", acquired_on="2026-11-01") -> Event:
    return Event.new(
        source="urn:nhi:svc-qualification",
        type="jp.nhi.qualification.acquired.v1",
        subject=person_id,
        data={"person_id": person_id, "household_id": "H1", "change_id": "c1", "acquired_on": acquired_on},
    )


def test_an_acquisition_is_pending_from_its_acquisition_date():
    record = pending_record(
        "e1",
        "jp.nhi.qualification.acquired.v1",
        {"person_id": "1", "household_id": "H1", "change_id": "c1", "acquired_on": "2026-11-01"},
    )
    assert record.effective_date == "2026-11-01"


def test_other_event_types_are_not_aggregated_and_incomplete_ones_are_refused():
    with pytest.raises(NotForAggregation):
        pending_record("e1", "jp.nhi.document.issued.v1", {})
    with pytest.raises(ValueError):
        pending_record("e1", "jp.nhi.qualification.lost.v1", {"person_id": "1"})


def test_each_event_is_recorded_once_and_listed_with_a_cursor(service):
    events = [acquired(f"{i:09d}") for i in range(5)]
    for event in events:
        assert service.record_qualification_event(event)
    assert not service.record_qualification_event(events[0])
    first, cursor, total = service.list_pending(person_id="", page=Page(3))
    second, last_cursor, _ = service.list_pending(person_id="", page=parse(3, cursor))
    assert total == 5
    assert [r["person_id"] for r in first + second] == [f"{i:09d}" for i in range(5)]
    assert last_cursor == ""
    mine, _, mine_total = service.list_pending(person_id="000000003", page=Page(10))
    assert mine_total == 1 and mine[0]["event_id"] == events[3].id


def corrected(person_id="000000001", effective_date="2026-10-25", **extra) -> Event:
    """The shape svc-qualification publishes on nhi.v1.qualification.corrected (資格異動訂正, 2.2.1)."""
    data = {
        "change_id": "c9",
        "period_id": "p1",
        "version_id": 7,
        "person_id": person_id,
        "household_id": "H1",
        "insurer_number": "139998",
        "symbol": "みどり",
        "number": "0000001",
        "branch_no": "01",
        "acquired_on": "2026-10-25",
        "lost_on": "",
        "void": False,
        "effective_date": effective_date,
        "corrected_fields": ["acquired_on"],
        "correction_reason": "入力誤り",
        "resend_required": True,
        "business_date": "2026-11-24",
        "operator_id": "back-07",
        **extra,
    }
    return Event.new(
        source="urn:nhi:svc-qualification", type="jp.nhi.qualification.corrected.v1", subject=person_id, data=data
    )


def test_a_correction_is_pending_from_the_earliest_date_it_touches():
    event = corrected()
    record = pending_record(event.id, event.type, event.data)
    assert (record.person_id, record.household_id, record.change_id, record.effective_date) == (
        "000000001",
        "H1",
        "c9",
        "2026-10-25",
    )


def test_corrections_and_undos_are_recorded_for_the_next_file(service):
    fix, undo = corrected(), corrected(effective_date="2026-11-01", void=True, corrected_fields=["void"])
    assert service.record_qualification_event(fix) and service.record_qualification_event(undo)
    assert not service.record_qualification_event(fix)
    records, _, total = service.list_pending(person_id="000000001", page=Page(10))
    assert total == 2
    assert [(r["event_type"], r["change_id"], r["effective_date"]) for r in records] == [
        ("jp.nhi.qualification.corrected.v1", "c9", "2026-10-25"),
        ("jp.nhi.qualification.corrected.v1", "c9", "2026-11-01"),
    ]


def test_address_withheld_drops_the_household_address_from_every_stored_payload_and_snapshot(service):
    import sqlalchemy as sa

    from nhi_interchange.adapters.tables import pending

    address = {"postal_code": "399-0132", "address": "みどり市北野3丁目19番19号"}
    for pid in ("000000001", "000000002"):
        event = acquired(pid)
        event.data["address"] = address
        assert service.record_qualification_event(event)
    withheld = Event.new(
        source="urn:nhi:svc-qualification",
        type="jp.nhi.qualification.address_withheld.v1",
        subject="H1",
        data={"household_id": "H1", "person_ids": ["000000001", "000000002"], "dv_person_id": "000000002"},
    )
    assert service.record_qualification_event(withheld)
    assert not service.record_qualification_event(withheld)  # once
    with service.store.engine.connect() as conn:
        stored = conn.execute(sa.select(pending.c.payload, pending.c.snapshot)).all()
    assert len(stored) == 2
    assert all(address["address"] not in row.payload + (row.snapshot or "") for row in stored), stored
