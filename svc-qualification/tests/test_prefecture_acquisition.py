"""ACQ-MOVE-IN-PREF from the aggregation system (2.6.7): the returned prefecture acquisition date becomes the period's
資格取得日 through RecordPrefectureAcquisition, its 適用開始 kept, audited and published (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from clients import message
from records_steps import CLERK, current, resident_move_in

from nhi.qualification.v1 import qualification_pb2 as pb
from nhi_common.errors import NotFound
from nhi_qualification.adapters.tables import PLUMBING
from nhi_qualification.domain.errors import RuleViolation
from nhi_qualification.entrypoints import parse
from nhi_qualification.service_layer import prefecture
from nhi_qualification.service_layer.context import Actor

INTERCHANGE = Actor("svc-interchange")


def joined_from_within_the_prefecture(service, engine):
    """A move within the prefecture registered with the move-in date as a provisional prefecture acquisition date."""
    resident_move_in(service, ids=("000000001",))
    service.submit_notification(
        {
            "kind": "join",
            "reason": "move_in_same_pref",
            "household_id": "H00000001",
            "persons": [{"person_id": "000000001"}],
            "event_date": "2026-11-01",
            "notified_on": "2026-11-05",
            "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-01"},
            "prefecture_acquired_on": "2026-11-01",
        },
        CLERK,
    )
    return current(engine, "000000001")[-1]


def record(app, **fields):
    request = message(
        {"person_id": "000000001", "source_change_id": "c-sent", **fields}, pb.RecordPrefectureAcquisitionRequest
    )
    return prefecture.record_prefecture_acquisition(app, parse.prefecture_acquisition(request), INTERCHANGE)


def outbox(engine):
    table = PLUMBING["outbox"]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).where(table.c.nats_subject == "nhi.v1.qualification.corrected"))
        return [json.loads(r.data) for r in rows]


def test_the_returned_date_becomes_the_acquisition_date_and_the_coverage_start_stays(app, service, engine):
    period = joined_from_within_the_prefecture(service, engine)
    answer = record(app, period_id=period.period_id, prefecture_acquired_on="2015-04-01")
    assert (answer["outcome"], answer["acquired_on"], answer["coverage_starts_on"]) == (
        "recorded",
        "2015-04-01",
        "2026-11-01",
    )
    [now] = current(engine, "000000001")
    assert (now.acquired_on, now.coverage_starts_on) == (dt.date(2015, 4, 1), dt.date(2026, 11, 1))
    assert now.version_id == answer["version_id"] != period.version_id
    versions = service.get_history("000000001")["versions"]
    assert [(v["acquired_on"], bool(v["superseded_at"])) for v in versions] == [
        ("2015-04-01", False),
        ("2026-11-01", True),
    ]
    assert versions[0]["reasons"][-1]["rule_id"] == "ACQ-MOVE-IN-PREF"
    # not insured here before the 適用開始, whatever the prefecture acquisition date
    assert service.get_qualification("000000001", dt.date(2026, 10, 31), None, CLERK)["insured"] is False
    [event] = outbox(engine)
    assert (event["acquired_on"], event["coverage_starts_on"], event["corrected_fields"]) == (
        "2015-04-01",
        "2026-11-01",
        ["acquired_on"],
    )
    with engine.connect() as conn:
        audit = PLUMBING["audit_log"]
        rows = conn.execute(sa.select(audit).where(audit.c.action == "qualification.prefecture_acquisition")).all()
    assert [(r.operator_id, r.target_id) for r in rows] == [("svc-interchange", period.period_id)]


def test_the_same_date_again_changes_nothing(app, service, engine):
    period = joined_from_within_the_prefecture(service, engine)
    record(app, period_id=period.period_id, prefecture_acquired_on="2015-04-01")
    again = record(app, period_id=period.period_id, prefecture_acquired_on="2015-04-01")
    assert (again["outcome"], again.get("change_id")) == ("unchanged", None)
    assert len(outbox(engine)) == 1


def test_a_date_after_the_coverage_start_an_unknown_period_or_another_persons_period_is_refused(app, service, engine):
    period = joined_from_within_the_prefecture(service, engine)
    with pytest.raises(RuleViolation) as late:
        record(app, period_id=period.period_id, prefecture_acquired_on="2026-11-02")
    assert (late.value.field, late.value.rule, late.value.code) == (
        "prefecture_acquired_on",
        "ACQ-MOVE-IN-PREF",
        "ACQUISITION_AFTER_COVERAGE",
    )
    with pytest.raises(NotFound):
        record(app, period_id="no-such-period", prefecture_acquired_on="2015-04-01")
    with pytest.raises(NotFound):
        record(app, person_id="000000002", period_id=period.period_id, prefecture_acquired_on="2015-04-01")
    with pytest.raises(RuleViolation) as no_date:
        record(app, period_id=period.period_id, prefecture_acquired_on="")
    assert no_date.value.field == "prefecture_acquired_on"
    assert outbox(engine) == []


def test_the_certificates_printing_the_acquisition_date_are_reissued_as_after_a_clerks_correction(app, service, engine):
    """The 資格確認書 prints the 資格取得年月日: the write-back names it to be issued again, in the decision and in the
    corrected event the print queue reads, as certificates.to_reissue does for a clerk's correction."""
    period = joined_from_within_the_prefecture(service, engine)
    answer = record(app, period_id=period.period_id, prefecture_acquired_on="2015-04-01")
    correction = service.get_decision(answer["change_id"])["correction"]
    [reissue] = correction["certificates_to_reissue"]
    assert (reissue["kind"], reissue["person_id"], reissue["valid_from"]) == (
        "eligibility_certificate",
        "000000001",
        "2026-11-24",
    )
    because = reissue["reasons"][-1]
    assert (because["rule_id"], because["facts"]) == ("ACQ-MOVE-IN-PREF", {"corrected_fields": "acquired_on"})
    [event] = outbox(engine)
    assert (event["certificates_to_reissue"], event["rule_ids"]) == (["eligibility_certificate"], ["ACQ-MOVE-IN-PREF"])
    again = record(app, period_id=period.period_id, prefecture_acquired_on="2015-04-01")
    assert again["outcome"] == "unchanged" and len(outbox(engine)) == 1, "nothing more to reissue"
