"""Rule DV on a real database: a dv_support status registered at the counter withholds the household's address
from its members' events and from a caller without the dv:read scope, for as long as the status holds."""

from __future__ import annotations

import json

import sqlalchemy as sa
from test_service import CLERK, notification, outbox_rows, resident_move_in

from nhi_qualification.adapters.tables import households
from nhi_qualification.service_layer.context import Actor

ADDRESS = {"postal_code": "399-0132", "address": "みどり市北野3丁目19番19号"}
DV_READER = Actor("clerk-dv", scopes=frozenset({"dv:read"}))


def with_address(engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.update(households).values(address=json.dumps(ADDRESS, ensure_ascii=False)))


def register_dv(service, person_id: str, start: str, end: str | None = None) -> None:
    status = {"person_id": person_id, "kind": "dv_support", "start": start, "evidence": ["support_measure_record"]}
    if end:
        status["end"] = end
    service.submit_notification(
        notification([person_id], kind="status", reason="status", event_date=start, statuses=[status]), CLERK
    )


def test_a_dv_status_of_one_member_withholds_the_household_address_from_events_and_from_callers_without_the_scope(
    service, engine
):
    resident_move_in(service)
    with_address(engine)
    assert service.get_household("H00000001", CLERK)["address"] == ADDRESS
    before = len(outbox_rows(engine))
    register_dv(service, "000000003", "2026-11-01")
    [withheld] = [r for r in outbox_rows(engine)[before:] if r.nats_subject.endswith(".address_withheld")]
    data = json.loads(withheld.data) if isinstance(withheld.data, str) else withheld.data
    assert (data["household_id"], data["dv_person_id"]) == ("H00000001", "000000003")
    assert sorted(data["person_ids"]) == ["000000001", "000000002", "000000003"] and "address" not in data

    assert service.get_household("H00000001", CLERK)["address"] == {}
    assert service.get_household("H00000001", DV_READER)["address"] == ADDRESS
    events, _ = service.list_audit_events("clerk-dv", "dv.address_read", 10, "")
    assert [(e["target_kind"], e["target_id"]) for e in events] == [("household", "H00000001")]

    before = len(outbox_rows(engine))
    service.submit_notification(notification(["000000001", "000000002"]), CLERK)
    joined = [json.loads(r.data) if isinstance(r.data, str) else r.data for r in outbox_rows(engine)[before:]]
    acquired = [d for d in joined if "acquired_on" in d and d.get("person_id") in ("000000001", "000000002")]
    assert len(acquired) == 2 and all(d["address"] == {} for d in acquired), acquired


def test_the_address_is_back_once_the_dv_status_has_ended(service, engine):
    resident_move_in(service)
    with_address(engine)
    before = len(outbox_rows(engine))
    register_dv(service, "000000003", "2026-01-01", end="2026-11-10")  # the business date is 2026-11-24
    assert not [r for r in outbox_rows(engine)[before:] if r.nats_subject.endswith(".address_withheld")]
    assert service.get_household("H00000001", CLERK)["address"] == ADDRESS
    before = len(outbox_rows(engine))
    service.submit_notification(notification(["000000001"]), CLERK)
    [acquired] = [
        d
        for d in (json.loads(r.data) if isinstance(r.data, str) else r.data for r in outbox_rows(engine)[before:])
        if "acquired_on" in d
    ]
    assert acquired["address"] == ADDRESS
