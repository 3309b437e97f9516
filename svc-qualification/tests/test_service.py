"""The service layer on a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from nhi_qualification.adapters.tables import PLUMBING, persons
from nhi_qualification.domain.errors import IdempotencyReuse, RuleViolation, StaleVersion
from nhi_qualification.service_layer.context import Actor

CLERK = Actor("clerk-01")
MY_NUMBER = "123456789018"


def resident_move_in(service, household="H00000001", ids=("000000001", "000000002", "000000003"), change_id="rc-1"):
    people = [
        {
            "person_id": pid,
            "name_kanji": f"山﨑 {i}",
            "name_kana": f"ヤマサキ {i}",
            "birth_date": "1980-02-29",
            "sex": "1",
            "relationship": "世帯主" if i == 0 else "子",
            "listing_order": i + 1,
        }
        for i, pid in enumerate(ids)
    ]
    people[0]["my_number"] = MY_NUMBER
    return service.apply_resident_changes(
        [
            {
                "change_id": change_id,
                "change_kind": "move_in",
                "event_date": "2026-11-01",
                "notified_on": "2026-11-01",
                "household_id": household,
                "head_person_id": ids[0],
                "persons": people,
            }
        ],
        Actor("integration"),
    )


def notification(person_ids, kind="join", reason="move_in", event_date="2026-11-01", household="H00000001", **extra):
    return {
        "kind": kind,
        "reason": reason,
        "household_id": household,
        "persons": [{"person_id": p} for p in person_ids],
        "event_date": event_date,
        "notified_on": "2026-11-05",
        "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-01"},
        **extra,
    }


def outbox_rows(engine):
    with engine.connect() as conn:
        return list(conn.execute(sa.select(PLUMBING["outbox"]).order_by(PLUMBING["outbox"].c.seq)))


def test_a_move_in_without_notification_waits_for_the_counter(service):
    result = resident_move_in(service)
    assert result[0]["outcome"] == "intake_item"
    items, _ = service.list_intake_items("open", 50, "")
    assert [i["household_id"] for i in items] == ["H00000001"]
    assert resident_move_in(service)[0]["outcome"] == "duplicate"


def test_join_records_periods_branch_numbers_events_and_closes_the_intake_item(service, engine):
    resident_move_in(service)
    response = service.submit_notification(notification(["000000001", "000000002"]), CLERK)
    persons_out = response["decision"]["persons"]
    assert [(p["symbol"], p["number"], p["branch_no"]) for p in persons_out] == [
        ("みどり", "0000001", "01"),
        ("みどり", "0000001", "02"),
    ]
    view = service.get_qualification("000000001", None, None, CLERK)
    assert view["insured"] and view["period"]["acquired_on"] == "2026-11-01"
    events = outbox_rows(engine)
    assert [e.nats_subject for e in events] == ["nhi.v1.qualification.acquired"] * 2
    assert service.list_intake_items("open", 50, "")[0] == []


def test_a_dry_run_decides_but_stores_nothing(service, engine):
    resident_move_in(service)
    response = service.submit_notification(notification(["000000001"], dry_run=True), CLERK)
    assert response["decision"]["dry_run"] is True
    assert response["decision"]["persons"][0]["acquired_on"] == "2026-11-01"
    assert service.get_history("000000001")["versions"] == []
    assert outbox_rows(engine) == []


def test_a_refused_notification_stores_nothing(service, engine):
    resident_move_in(service)
    with pytest.raises(RuleViolation) as error:
        service.submit_notification(
            notification(["000000001"], persons=[{"person_id": "000000001", "my_number": "123456789012"}]), CLERK
        )
    assert error.value.rule == "NUM-MYNUMBER"
    assert service.get_history("000000001")["versions"] == []
    assert outbox_rows(engine) == []


def test_leaving_closes_the_period_as_a_new_version_and_known_at_shows_the_old_view(service):
    resident_move_in(service)
    service.submit_notification(notification(["000000001"]), CLERK)
    joined_at = dt.datetime.now(dt.timezone.utc)
    service.submit_notification(
        notification(["000000001"], kind="leave", reason="death", event_date="2026-11-20"), CLERK
    )
    versions = service.get_history("000000001")["versions"]
    assert len(versions) == 2
    assert versions[0]["superseded_at"] and not versions[1]["superseded_at"]
    assert versions[1]["lost_on"] == "2026-11-21"
    as_of_after = dt.date(2026, 11, 22)
    assert service.get_qualification("000000001", as_of_after, None, CLERK)["insured"] is False
    assert service.get_qualification("000000001", as_of_after, joined_at, CLERK)["insured"] is True


def test_a_branch_number_is_never_reused_within_a_symbol_and_number(service):
    resident_move_in(service)
    service.submit_notification(notification(["000000001", "000000002"]), CLERK)
    service.submit_notification(
        notification(["000000002"], kind="leave", reason="emp_join", event_date="2026-11-10"), CLERK
    )
    third = service.submit_notification(notification(["000000003"], event_date="2026-11-12"), CLERK)
    assert third["decision"]["persons"][0]["branch_no"] == "03"
    numbering = [r for r in third["decision"]["persons"][0]["reasons"] if r["rule_id"] == "NUM-INSURED"]
    assert numbering and numbering[0]["facts"]["reused"] == "false"
    back = service.submit_notification(notification(["000000002"], reason="emp_leave", event_date="2026-11-20"), CLERK)
    assert back["decision"]["persons"][0]["branch_no"] == "02"


def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_request(service, engine):
    resident_move_in(service)
    keyed = Actor("clerk-01", idempotency_key="key-1")
    first = service.submit_notification(notification(["000000001"]), keyed)
    again = service.submit_notification(notification(["000000001"]), keyed)
    assert again == first
    assert len(outbox_rows(engine)) == 1
    with pytest.raises(IdempotencyReuse):
        service.submit_notification(notification(["000000002"]), keyed)


def test_a_stale_household_version_is_refused_with_the_current_version(service):
    resident_move_in(service)
    household = service.get_household("H00000001", CLERK)
    service.submit_notification(notification(["000000001"], expected_household_version=household["version"]), CLERK)
    with pytest.raises(StaleVersion) as error:
        service.submit_notification(notification(["000000002"], expected_household_version=household["version"]), CLERK)
    assert error.value.current_version == household["version"] + 1


def test_concurrent_clerks_never_share_a_branch_number(service):
    resident_move_in(service, ids=tuple(f"{i:09d}" for i in range(1, 9)))
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def clerk(person_id: str) -> None:
        start.wait()
        for _attempt in range(20):
            try:
                service.submit_notification(notification([person_id]), CLERK)
                outcomes.append("ok")
                return
            except StaleVersion:
                outcomes.append("409")
        outcomes.append("gave up")

    threads = [threading.Thread(target=clerk, args=(f"{i:09d}",)) for i in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 8
    household = service.get_household("H00000001", CLERK)
    branches = [
        service.get_qualification(m["person_id"], None, None, CLERK)["period"]["branch_no"]
        for m in household["members"]
    ]
    assert sorted(branches) == [f"{i:02d}" for i in range(1, 9)]


def test_my_numbers_are_encrypted_masked_and_every_read_is_audited(service, engine):
    resident_move_in(service)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(persons.c.my_number_enc).where(persons.c.person_id == "000000001")).scalar_one()
    assert MY_NUMBER.encode() not in stored
    assert service.get_person("000000001", CLERK)["my_number"] == "********9018"
    reader = Actor("auditor-7", scopes=frozenset({"mynumber:read"}))
    assert service.get_person("000000001", reader)["my_number"] == MY_NUMBER
    found, _ = service.search_persons({"my_number": MY_NUMBER}, 10, "", reader)
    assert [p["person_id"] for p in found] == ["000000001"]
    with pytest.raises(PermissionError):
        service.search_persons({"my_number": MY_NUMBER}, 10, "", CLERK)
    events, _ = service.list_audit_events("auditor-7", "", 50, "")
    assert {e["action"] for e in events} == {"mynumber.read", "mynumber.search"}


def test_one_statement_confirmation_agrees_with_the_person_and_period_lookups(service, engine):
    from nhi_qualification.adapters.repositories.periods import PeriodRepository
    from nhi_qualification.adapters.repositories.persons import PersonRepository

    resident_move_in(service)
    joined_at = dt.datetime.now(dt.timezone.utc)
    service.submit_notification(notification(["000000001"]), CLERK)
    service.submit_notification(
        notification(["000000001"], kind="leave", reason="death", event_date="2026-11-20"), CLERK
    )
    with engine.connect() as conn:
        persons, periods = PersonRepository(conn), PeriodRepository(conn)
        for day in (dt.date(2026, 10, 31), dt.date(2026, 11, 1), dt.date(2026, 11, 20), dt.date(2026, 11, 21)):
            for known_at in (None, joined_at, dt.datetime.now(dt.timezone.utc)):
                combined = persons.as_of("000000001", day, known_at)
                period = periods.as_of("000000001", day, known_at)
                assert combined is not None
                assert combined[0].person_id == persons.get("000000001").person_id
                assert (combined[1].version_id if combined[1] else None) == (period.version_id if period else None)
        assert persons.as_of("999999999", dt.date(2026, 11, 1), None) is None


def test_from_the_75th_birthday_the_person_is_not_insured_before_the_batch_closes_the_period(service):
    resident_move_in(service, ids=("000000001",))
    with service.app.uow() as uow:
        uow.persons.update("000000001", "test", birth_date=dt.date(1951, 11, 20))
        uow.commit()
    before_birthday = Actor("clerk-01", business_date=dt.date(2026, 11, 10))
    joined = service.submit_notification(notification(["000000001"]), before_birthday)
    assert joined["decision"]["persons"][0]["lost_on"] == ""  # the birthday was still ahead: the batch's to end

    assert service.get_qualification("000000001", dt.date(2026, 11, 19), None, CLERK)["insured"] is True
    view = service.get_qualification("000000001", dt.date(2026, 11, 20), None, CLERK)
    assert view["insured"] is False and "period" not in view
    assert [(r["rule_id"], r["facts"]["lost_on"], r["facts"]["batch_pending"]) for r in view["reasons"]] == [
        ("LOSS-AGE75", "2026-11-20", "true")
    ]
    assert service.get_person("000000001", CLERK)["insured"] is False
    assert service.get_household("H00000001", CLERK)["members"][0]["insured"] is False
    with pytest.raises(RuleViolation) as error:
        service.submit_notification(
            notification(["000000001"], kind="leave", reason="death", event_date="2026-11-21"), CLERK
        )
    assert error.value.rule == "LOSS-AGE75"
