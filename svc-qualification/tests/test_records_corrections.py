"""資格異動訂正 (2.2.1) on a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from clients import Records
from records_steps import BACKOFFICE, CLERK, correction, current, notify, resident_move_in

from nhi_qualification.adapters.repositories.periods import PeriodRepository
from nhi_qualification.adapters.tables import PLUMBING, changes, persons
from nhi_qualification.domain.errors import IdempotencyReuse, RuleViolation, StalePeriodVersion
from nhi_qualification.service_layer.context import Actor


@pytest.fixture
def records(service):
    return Records(service.app)


def outbox(engine, subject=None):
    table = PLUMBING["outbox"]
    query = sa.select(table).order_by(table.c.seq)
    if subject:
        query = query.where(table.c.nats_subject == subject)
    with engine.connect() as conn:
        return list(conn.execute(query))


def joined(service, engine, person_id="000000001"):
    resident_move_in(service)
    notify(service, [person_id])
    return current(engine, person_id)[-1]


def test_correcting_the_acquisition_date_closes_and_replaces_the_version(service, records, engine):
    old = joined(service, engine)
    before_correction = dt.datetime.now(dt.timezone.utc)
    result = records.correct_qualification(correction(old, acquired_on="2026-10-25"), BACKOFFICE)

    period = result["period"]
    assert period["period_id"] == old.period_id and period["version_id"] != old.version_id
    assert period["acquired_on"] == "2026-10-25" and period["correction_reason"] == "入力誤り"
    assert period["operator_id"] == "back-07" and period["void"] is False
    assert period["change_id"] == result["change_id"] and result["resend_required"] is False
    assert [r["rule_id"] for r in period["reasons"]][-1] == "CORRECTION"

    versions = service.get_history("000000001")["versions"]
    assert [v["acquired_on"] for v in versions] == ["2026-10-25", "2026-11-01"]  # ordered by acquisition
    closed = [v for v in versions if v["superseded_at"]]
    assert [v["acquired_on"] for v in closed] == ["2026-11-01"]

    assert service.get_qualification("000000001", dt.date(2026, 10, 28), None, CLERK)["insured"] is True
    as_known = service.get_qualification("000000001", dt.date(2026, 10, 28), before_correction, CLERK)
    assert as_known["insured"] is False
    old_view = service.get_qualification("000000001", dt.date(2026, 11, 2), before_correction, CLERK)
    assert old_view["period"]["acquired_on"] == "2026-11-01"


def test_a_correction_writes_a_change_row_an_audit_row_and_an_event_without_names(service, records, engine):
    old = joined(service, engine)
    result = records.correct_qualification(correction(old, acquired_on="2026-10-25"), BACKOFFICE)
    with engine.connect() as conn:
        row = conn.execute(sa.select(changes).where(changes.c.change_id == result["change_id"])).one()
        audit = list(
            conn.execute(
                sa.select(PLUMBING["audit_log"]).where(PLUMBING["audit_log"].c.action == "qualification.corrected")
            )
        )
    assert (row.kind, row.reason, row.operator_id, row.business_date) == (
        "correction",
        "correction",
        "back-07",
        dt.date(2026, 11, 24),
    )
    assert json.loads(row.before) == {"acquired_on": "2026-11-01"}
    assert json.loads(row.after) == {"acquired_on": "2026-10-25"}
    assert row.event_date == dt.date(2026, 10, 25)
    assert [a.target_id for a in audit] == [old.period_id]

    [event] = outbox(engine, "nhi.v1.qualification.corrected")
    assert event.ce_type == "jp.nhi.qualification.corrected.v1" and event.ce_subject == "000000001"
    data = json.loads(event.data)
    assert {
        k: data[k]
        for k in (
            "change_id",
            "period_id",
            "version_id",
            "person_id",
            "household_id",
            "acquired_on",
            "lost_on",
            "void",
            "effective_date",
            "corrected_fields",
            "resend_required",
            "business_date",
            "operator_id",
        )
    } == {
        "change_id": result["change_id"],
        "period_id": old.period_id,
        "version_id": result["period"]["version_id"],
        "person_id": "000000001",
        "household_id": "H00000001",
        "acquired_on": "2026-10-25",
        "lost_on": "",
        "void": False,
        "effective_date": "2026-10-25",
        "corrected_fields": ["acquired_on"],
        "resend_required": False,
        "business_date": "2026-11-24",
        "operator_id": "back-07",
    }
    assert (data["insurer_number"], data["symbol"], data["number"], data["branch_no"]) == (
        "139998",
        "みどり",
        "0000001",
        "01",
    )
    assert "山田" not in event.data and "ヤマダ" not in event.data


def test_a_version_that_is_no_longer_current_is_refused_with_the_current_version(service, records, engine):
    old = joined(service, engine)
    first = records.correct_qualification(correction(old, acquired_on="2026-10-25"), BACKOFFICE)
    with pytest.raises(StalePeriodVersion) as error:
        records.correct_qualification(correction(old, acquired_on="2026-10-20"), BACKOFFICE)
    assert error.value.current_version_id == first["period"]["version_id"]
    assert len(outbox(engine, "nhi.v1.qualification.corrected")) == 1


def test_an_unknown_period_is_not_found(records):
    from nhi_qualification.domain.errors import NotFound

    with pytest.raises(NotFound):
        records.correct_qualification(
            {"period_id": "nope", "version_id": 1, "correction_reason": "x", "acquired_on": "2026-10-01"}, BACKOFFICE
        )


def test_a_loss_before_the_acquisition_is_refused(service, records, engine):
    old = joined(service, engine)
    with pytest.raises(RuleViolation) as error:
        records.correct_qualification(correction(old, lost_on="2026-10-31", lost_reason="death"), BACKOFFICE)
    assert (error.value.code, error.value.field) == ("LOSS_BEFORE_ACQUISITION", "lost_on")
    with pytest.raises(RuleViolation) as error:
        records.correct_qualification(correction(old, lost_on="2026-11-01", lost_reason="death"), BACKOFFICE)
    assert error.value.code == "LOSS_BEFORE_ACQUISITION"
    assert len(current(engine, "000000001")) == 1 and outbox(engine, "nhi.v1.qualification.corrected") == []


def test_an_overlap_with_another_period_of_the_person_is_refused(service, records, engine):
    resident_move_in(service)
    notify(service, ["000000002"])
    notify(service, ["000000002"], kind="leave", reason="emp_join", event_date="2026-11-05")  # lost 11-06
    notify(service, ["000000002"], reason="emp_leave", event_date="2026-11-20")
    first, second = current(engine, "000000002")
    with pytest.raises(RuleViolation) as error:
        records.correct_qualification(correction(first, lost_on="2026-11-21"), BACKOFFICE)
    assert (error.value.code, error.value.field) == ("OVERLAPPING_PERIOD", "lost_on")
    with pytest.raises(RuleViolation) as error:
        records.correct_qualification(correction(first, clear_lost_on=True), BACKOFFICE)
    assert error.value.code == "OVERLAPPING_PERIOD"
    with pytest.raises(RuleViolation) as error:
        records.correct_qualification(correction(second, acquired_on="2026-11-03"), BACKOFFICE)
    assert (error.value.code, error.value.field) == ("OVERLAPPING_PERIOD", "acquired_on")
    # Touching the other period is fine: the loss day is the first uninsured day.
    result = records.correct_qualification(correction(second, acquired_on="2026-11-06"), BACKOFFICE)
    assert result["period"]["acquired_on"] == "2026-11-06"


def test_undoing_a_period_voids_it_and_the_record_before_the_undo_still_shows_it(service, records, engine):
    old = joined(service, engine)
    before_undo = dt.datetime.now(dt.timezone.utc)
    result = records.correct_qualification(correction(old, undo=True), BACKOFFICE)
    assert result["period"]["void"] is True
    with engine.connect() as conn:
        assert PeriodRepository(conn).as_of("000000001", dt.date(2026, 11, 24), None) is None
    view = service.get_qualification("000000001", dt.date(2026, 11, 10), before_undo, CLERK)
    assert view["insured"] is True and view["period"]["period_id"] == old.period_id
    data = json.loads(outbox(engine, "nhi.v1.qualification.corrected")[0].data)
    assert data["void"] is True and data["effective_date"] == "2026-11-01"
    with pytest.raises(RuleViolation) as error:  # a void version cannot be corrected further
        records.correct_qualification(
            correction(current(engine, "000000001")[-1], acquired_on="2026-10-01"), BACKOFFICE
        )
    assert error.value.code == "PERIOD_VOID"


def test_undoing_a_death_brings_back_the_version_before_it_and_keeps_the_death_in_the_history(service, records, engine):
    joined(service, engine)
    notify(service, ["000000001"], kind="leave", reason="death", event_date="2026-11-20")
    died = current(engine, "000000001")[-1]
    result = records.correct_qualification(correction(died, undo=True, correction_reason="死亡の誤登録"), BACKOFFICE)
    period = result["period"]
    assert (period["void"], period["lost_on"], period["lost_reason"]) == (False, "", "")
    assert period["correction_reason"] == "死亡の誤登録" and period["acquired_on"] == "2026-11-01"
    undo = period["reasons"][-1]
    assert undo["facts"]["undone_change_id"] == died.change_id
    assert service.get_qualification("000000001", dt.date(2026, 11, 24), None, CLERK)["insured"] is True
    versions = service.get_history("000000001")["versions"]
    assert [(v["lost_on"], bool(v["superseded_at"])) for v in versions] == [
        ("", True),
        ("2026-11-21", True),
        ("", False),
    ]
    data = json.loads(outbox(engine, "nhi.v1.qualification.corrected")[0].data)
    assert data["corrected_fields"] == ["lost_on", "lost_reason"] and data["effective_date"] == "2026-11-21"


def test_an_undo_that_would_overlap_a_later_period_is_refused(service, records, engine):
    resident_move_in(service)
    notify(service, ["000000002"])
    notify(service, ["000000002"], kind="leave", reason="emp_join", event_date="2026-11-05")
    notify(service, ["000000002"], reason="emp_leave", event_date="2026-11-20")
    first, _second = current(engine, "000000002")
    with pytest.raises(RuleViolation) as error:
        records.correct_qualification(correction(first, undo=True), BACKOFFICE)
    assert (error.value.code, error.value.field) == ("OVERLAPPING_PERIOD", "undo")


def test_an_undone_period_no_longer_insures_the_person(service, records, engine):
    old = joined(service, engine)
    records.correct_qualification(correction(old, undo=True), BACKOFFICE)
    assert service.get_qualification("000000001", dt.date(2026, 11, 10), None, CLERK)["insured"] is False
    with engine.connect() as conn:
        assert "000000001" not in PeriodRepository(conn).current(["000000001"])


def test_relationship_and_listing_order_corrections_update_the_person(service, records, engine):
    old = joined(service, engine, "000000002")
    with engine.connect() as conn:
        version_before = conn.execute(sa.select(persons.c.version).where(persons.c.person_id == "000000002")).scalar()
    result = records.correct_qualification(correction(old, relationship="孫", listing_order=5), BACKOFFICE)
    person = service.get_person("000000002", CLERK)
    assert (person["relationship"], person["listing_order"], person["version"]) == ("孫", 5, version_before + 1)
    assert result["period"]["version_id"] == old.version_id  # the period itself is unchanged
    with engine.connect() as conn:
        row = conn.execute(sa.select(changes).where(changes.c.change_id == result["change_id"])).one()
    assert json.loads(row.before) == {"relationship": "子", "listing_order": "2"}
    assert json.loads(row.after) == {"relationship": "孫", "listing_order": "5"}
    data = json.loads(outbox(engine, "nhi.v1.qualification.corrected")[0].data)
    assert data["corrected_fields"] == ["relationship", "listing_order"] and data["effective_date"] == "2026-11-01"


def test_a_notification_date_correction_updates_the_change_and_keeps_before_and_after(service, records, engine):
    old = joined(service, engine)
    result = records.correct_qualification(correction(old, notified_on="2026-11-03"), BACKOFFICE)
    with engine.connect() as conn:
        original = conn.execute(sa.select(changes).where(changes.c.change_id == old.change_id)).one()
        fix = conn.execute(sa.select(changes).where(changes.c.change_id == result["change_id"])).one()
    assert original.notified_on == dt.date(2026, 11, 3)
    assert json.loads(fix.before) == {"notified_on": "2026-11-05"}
    assert json.loads(fix.after) == {"notified_on": "2026-11-03"}


def test_a_correction_of_published_data_asks_for_a_resend(service, records, engine):
    old = joined(service, engine)
    table = PLUMBING["outbox"]
    with engine.begin() as conn:
        conn.execute(sa.update(table).values(published_at=dt.datetime.now(dt.timezone.utc)))
    result = records.correct_qualification(correction(old, acquired_on="2026-10-30"), BACKOFFICE)
    assert result["resend_required"] is True
    data = json.loads(outbox(engine, "nhi.v1.qualification.corrected")[0].data)
    assert data["resend_required"] is True
    with engine.connect() as conn:
        row = conn.execute(sa.select(changes).where(changes.c.change_id == result["change_id"])).one()
    assert json.loads(row.decision)["resend_required"] is True


def test_correcting_the_loss_date_and_reopening_a_period(service, records, engine):
    resident_move_in(service)
    notify(service, ["000000001"])
    notify(service, ["000000001"], kind="leave", reason="death", event_date="2026-11-20")
    closed = current(engine, "000000001")[-1]
    assert closed.lost_on == dt.date(2026, 11, 21)
    fixed = records.correct_qualification(correction(closed, lost_on="2026-11-19"), BACKOFFICE)
    assert (fixed["period"]["lost_on"], fixed["period"]["lost_reason"]) == ("2026-11-19", "death")
    data = json.loads(outbox(engine, "nhi.v1.qualification.corrected")[0].data)
    assert data["effective_date"] == "2026-11-19"
    reopened = records.correct_qualification(
        {
            "period_id": closed.period_id,
            "version_id": fixed["period"]["version_id"],
            "clear_lost_on": True,
            "correction_reason": "死亡届の誤り",
        },
        BACKOFFICE,
    )
    assert (reopened["period"]["lost_on"], reopened["period"]["lost_reason"]) == ("", "")
    assert service.get_qualification("000000001", None, None, CLERK)["insured"] is True


def test_an_old_date_is_flagged_for_premium_handling(service, records, engine):
    resident_move_in(service, since="2024-01-01")
    notify(service, ["000000001"])
    old = current(engine, "000000001")[-1]
    result = records.correct_qualification(correction(old, acquired_on="2024-06-01"), BACKOFFICE)
    assert "RETRO-LIMIT" in [r["rule_id"] for r in result["period"]["reasons"]]


@pytest.mark.parametrize(
    ("fields", "rule", "code"),
    [
        ({"acquired_on": "2026-09-30"}, "ACQ-MOVE-IN", "ACQUISITION_BEFORE_RESIDENCE"),
        ({"acquired_on": "1980-04-30"}, "ACQ-BIRTH", "ACQUISITION_BEFORE_BIRTH"),
    ],
)
def test_an_acquisition_before_the_residence_or_the_birth_is_refused_naming_the_rule(
    service, records, engine, fields, rule, code
):
    old = joined(service, engine)  # born 1980-05-01, a resident from 2026-10-01
    with pytest.raises(RuleViolation) as error:
        records.correct_qualification(correction(old, **fields), BACKOFFICE)
    assert (error.value.field, error.value.rule, error.value.code) == ("acquired_on", rule, code)
    assert records.correct_qualification(correction(old, acquired_on="2026-10-01"), BACKOFFICE)["period"]


def test_a_period_of_an_earlier_residence_is_not_held_to_the_current_one(service, records, engine):
    resident_move_in(service, since="2020-01-01")
    notify(service, ["000000001"], event_date="2021-04-01")
    with service.app.uow() as uow:
        uow.persons.update("000000001", "test", resident_since=dt.date(2026, 11, 1))  # moved away and back since
        uow.commit()
    old = current(engine, "000000001")[-1]
    result = records.correct_qualification(correction(old, acquired_on="2021-03-01"), BACKOFFICE)
    assert result["period"]["acquired_on"] == "2021-03-01"


def test_reopening_a_period_past_the_75th_birthday_is_refused_naming_loss_age75(service, records, engine):
    resident_move_in(service)
    with service.app.uow() as uow:
        uow.persons.update("000000001", "test", birth_date=dt.date(1951, 11, 20))
        uow.commit()
    notify(service, ["000000001"], event_date="2026-10-01")  # recorded ending on the 75th birthday, 2026-11-20
    ended = current(engine, "000000001")[-1]
    assert (ended.lost_on, ended.lost_reason) == (dt.date(2026, 11, 20), "age75")
    with pytest.raises(RuleViolation) as error:
        records.correct_qualification(correction(ended, clear_lost_on=True), BACKOFFICE)
    assert (error.value.field, error.value.rule) == (
        "clear_lost_on",
        "LOSS-AGE75",
    ) and "2026-11-20" in error.value.message
    with pytest.raises(RuleViolation) as error:
        records.correct_qualification(correction(ended, lost_on="2026-11-23", lost_reason="death"), BACKOFFICE)
    assert error.value.rule == "LOSS-AGE75"


def test_a_corrected_notification_date_recomputes_notify_14_and_is_kept_with_the_correction(service, records, engine):
    old = joined(service, engine)  # 異動日 2026-11-01, notified 2026-11-05
    result = records.correct_qualification(correction(old, notified_on="2026-11-20"), BACKOFFICE)
    assert (result["late"], result["late_days"]) == (True, 5)
    assert [r["facts"]["late_days"] for r in result["reasons"] if r["rule_id"] == "NOTIFY-14"] == ["5"]
    with engine.connect() as conn:
        row = conn.execute(sa.select(changes).where(changes.c.change_id == result["change_id"])).one()
    assert json.loads(row.decision)["late_days"] == 5


def test_moving_the_acquisition_date_moves_the_event_date_notify_14_counts_from(service, records, engine):
    old = joined(service, engine)  # 異動日 2026-11-01, notified 2026-11-05: in time
    result = records.correct_qualification(correction(old, acquired_on="2026-10-10"), BACKOFFICE)
    assert (result["late"], result["late_days"]) == (True, 26 - 14)
    certificates = result["certificates_to_reissue"]
    assert [c["kind"] for c in certificates] == ["eligibility_certificate"]
    assert certificates[0]["reasons"][-1]["rule_id"] == "CORRECTION"
    # the print queue of svc-documents reads them from the event
    data = json.loads(outbox(engine, "nhi.v1.qualification.corrected")[0].data)
    assert (data["certificates_to_reissue"], data["rule_ids"]) == (["eligibility_certificate"], ["CORRECTION"])


def test_only_a_correction_of_what_a_certificate_shows_reissues_it(service, records, engine):
    old = joined(service, engine, "000000002")
    result = records.correct_qualification(correction(old, relationship="孫"), BACKOFFICE)
    assert result["certificates_to_reissue"] == [] and (result["late"], result["late_days"]) == (False, 0)
    assert json.loads(outbox(engine, "nhi.v1.qualification.corrected")[0].data)["certificates_to_reissue"] == []


@pytest.mark.parametrize(
    "fields, code, field",
    [
        ({"correction_reason": ""}, "REQUIRED", "correction_reason"),
        ({"acquired_reason": "death"}, "REASON_KIND_MISMATCH", "acquired_reason"),
        ({"acquired_reason": "nonsense"}, "UNKNOWN_REASON", "acquired_reason"),
        ({"lost_on": "2026-11-20"}, "REQUIRED", "lost_reason"),
        ({"acquired_on": "2026-11-25"}, "DATE_IN_FUTURE", "acquired_on"),
        ({"notified_on": "2026-12-01"}, "NOTIFIED_IN_FUTURE", "notified_on"),
        ({"acquired_on": "2026-13-01"}, "INVALID_DATE", "acquired_on"),
        ({}, "NOTHING_TO_CORRECT", "period_id"),
        ({"undo": True, "acquired_on": "2026-10-01"}, "CONFLICTING_FIELDS", "undo"),
    ],
)
def test_refused_corrections_name_the_field_and_store_nothing(service, records, engine, fields, code, field):
    old = joined(service, engine)
    with pytest.raises(RuleViolation) as error:
        records.correct_qualification(correction(old, **fields), BACKOFFICE)
    assert (error.value.code, error.value.field) == (code, field)
    assert outbox(engine, "nhi.v1.qualification.corrected") == []


def test_an_idempotency_key_replays_the_first_correction(service, records, engine):
    old = joined(service, engine)
    keyed = Actor("back-07", idempotency_key="fix-1")
    first = records.correct_qualification(correction(old, acquired_on="2026-10-25"), keyed)
    again = records.correct_qualification(correction(old, acquired_on="2026-10-25"), keyed)
    assert again == first
    assert len(outbox(engine, "nhi.v1.qualification.corrected")) == 1
    with pytest.raises(IdempotencyReuse):
        records.correct_qualification(correction(old, acquired_on="2026-10-20"), keyed)
