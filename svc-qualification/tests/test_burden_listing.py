"""A household's stored burden-ratio determinations read back (ListBurdenDeterminations): newest first, a page at a
time, a batch's explained again whole from the facts it was decided on, audited, and rule DV as in the other lists."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest
import sqlalchemy as sa
from clients import LISTER, Batches
from test_batches_rpc import stub, violation  # noqa: F401 - the fixture of a real gRPC server
from test_batches_service import BATCH, CLERK, ELDER_HOUSEHOLD, add_household, income, rows

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi_common.errors import InvalidInput
from nhi_qualification.adapters.tables import burden_determinations, status_periods
from nhi_qualification.domain.errors import NotFound
from nhi_qualification.service_layer.context import Actor

DV_READER = Actor("clerk-dv", scopes=frozenset({"dv:read"}))
ELDER, SECOND_ELDER, YOUNGER = (pid for pid, _birth, _insured in ELDER_HOUSEHOLD)


@pytest.fixture
def batches(service):
    return Batches(service.app)


def decided_twice(batches, engine) -> tuple[dict, dict]:
    """A batch's determination (kept as the facts it was decided on), then a clerk's that lowers the share."""
    add_household(engine, "H0000001", ELDER_HOUSEHOLD)
    batches.record_income_facts(
        [
            income(ELDER, 2025, 2_000_000, 6_000_000, 2_500_000),
            income(SECOND_ELDER, 2025, 0, 800_000, 0),
            income(YOUNGER, 2025, 3_000_000, 4_500_000, 3_000_000),
        ],
        CLERK,
    )
    job = batches.start_job("burden_redetermination", {"date": "2026-11-24"}, BATCH)
    batches.wait(30)
    assert batches.get_job(job["job_id"])["state"] == "succeeded"
    clerk = batches.determine_burden_ratio(
        {"household_id": "H0000001", "incomes": [income(ELDER, 2025, 1_000_000, 2_500_000, 1_200_000)]}, CLERK
    )
    return job, clerk


def test_the_determinations_are_listed_newest_first_with_every_reason_as_they_were_answered(batches, engine):
    job, clerk = decided_twice(batches, engine)
    # The batch's determination is stored as the facts it was decided on; the clerk's as the answer it gave.
    stored = sorted(rows(engine, burden_determinations), key=lambda r: r.seq)
    assert [(r.result == "", r.facts is not None) for r in stored] == [
        (True, True),
        (False, False),
    ]

    listed, cursor = batches.list_burden_determinations("H0000001", actor=CLERK)
    assert cursor == ""
    newest, oldest = listed
    assert newest.determination_id == clerk["determination_id"] and oldest.job_id == job["job_id"]
    assert (newest.ratio_percent, newest.limit_category, newest.pending, newest.changed) == (20, "一般", False, True)
    assert (oldest.ratio_percent, oldest.limit_category, oldest.changed) == (30, "現役並みⅠ", True)
    assert (newest.operator_id, newest.job_id, newest.business_date) == ("clerk-01", "", "2026-11-24")
    assert (oldest.operator_id, oldest.as_of, oldest.income_year) == (
        "batch:burden_redetermination:batch-01",
        "2026-11-24",
        2025,
    )
    assert newest.recorded_at >= oldest.recorded_at and newest.recorded_at.endswith("+00:00")

    # The clerk's answer, reason for reason; the batch's explained again from the facts it was decided on.
    assert [r.rule_id for r in newest.reasons] == [r["rule_id"] for r in clerk["reasons"]]
    assert {r.rule_id: dict(r.facts) for r in newest.reasons} == {r["rule_id"]: r["facts"] for r in clerk["reasons"]}
    assert [(p.person_id, p.elder, [r.rule_id for r in p.reasons]) for p in newest.persons] == [
        (p["person_id"], p["elder"], [r["rule_id"] for r in p["reasons"]]) for p in clerk["persons"]
    ]
    # A person's reasons depend only on the birth date and the day: the batch's, explained again, are the clerk's.
    assert [p.reasons for p in oldest.persons] == [p.reasons for p in newest.persons]
    elder = next(p for p in oldest.persons if p.person_id == ELDER)
    assert elder.reasons[0].rule_id == "ELDER-START" and elder.reasons[0].facts["birth_date"] == "1953-05-10"
    assert "BURDEN-3" in [r.rule_id for r in oldest.reasons]


def test_a_page_at_a_time_and_a_cursor_no_list_gave_out_is_refused(batches, engine):
    decided_twice(batches, engine)
    batches.determine_burden_ratio({"household_id": "H0000001"}, CLERK)  # the same facts: stored, not changed
    first, cursor = batches.list_burden_determinations("H0000001", page_size=2, actor=CLERK)
    assert [d.changed for d in first] == [False, True] and cursor
    rest, end = batches.list_burden_determinations("H0000001", page_size=2, cursor=cursor, actor=CLERK)
    assert [d.job_id != "" for d in rest] == [True] and end == ""
    assert len({d.determination_id for d in first + rest}) == 3
    with pytest.raises(InvalidInput) as refused:
        batches.list_burden_determinations("H0000001", cursor="abc", actor=CLERK)
    assert refused.value.field == "cursor"


def test_an_unknown_household_is_not_found_and_one_never_decided_lists_nothing(batches, engine):
    add_household(engine, "H0000002", [("200000001", "1980-01-01", True)])
    assert batches.list_burden_determinations("H0000002", actor=CLERK) == ([], "")
    with pytest.raises(NotFound):
        batches.list_burden_determinations("H9999999", actor=CLERK)


def register_dv(engine, person_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.insert(status_periods).values(
                status_id=f"dv-{person_id}",
                person_id=person_id,
                kind="dv_support",
                start=dt.date(2026, 11, 1),
                change_id="c-dv",
                recorded_at=dt.datetime.now(dt.timezone.utc),
            )
        )


def test_a_dv_person_is_left_out_of_the_persons_and_the_reasons_naming_them_without_the_dv_read_scope(
    batches, engine, service
):
    decided_twice(batches, engine)
    register_dv(engine, SECOND_ELDER)

    listed, _ = batches.list_burden_determinations("H0000001", actor=LISTER)
    assert len(listed) == 2  # the others of the household are named: each determination is listed for them
    for determination in listed:
        assert [p.person_id for p in determination.persons] == [ELDER, YOUNGER]
        assert SECOND_ELDER not in str(determination)
        assert "BURDEN-YEAR" in [r.rule_id for r in determination.reasons]  # a reason naming nobody stays
    assert not service.list_audit_events("lister", "dv.person_listed", 10, "")[0]

    shown, _ = batches.list_burden_determinations("H0000001", actor=DV_READER)
    assert [p.person_id for p in shown[0].persons] == [ELDER, SECOND_ELDER, YOUNGER]
    assert any(SECOND_ELDER in dict(r.facts).get("elders", "") for r in shown[0].reasons)
    events, _ = service.list_audit_events("clerk-dv", "dv.person_listed", 10, "")
    assert [(e["target_kind"], e["target_id"]) for e in events] == [("person", SECOND_ELDER)]


def test_a_determination_naming_only_dv_persons_is_not_listed_without_the_scope(batches, engine):
    add_household(engine, "H0000003", [("300000001", "1954-09-09", True)])
    batches.record_income_facts([income("300000001", 2025, 0, 800_000, 0)], CLERK)
    batches.determine_burden_ratio({"household_id": "H0000003"}, CLERK)
    register_dv(engine, "300000001")
    assert batches.list_burden_determinations("H0000003", actor=LISTER) == ([], "")
    [shown], _ = batches.list_burden_determinations("H0000003", actor=DV_READER)
    assert [p.person_id for p in shown.persons] == ["300000001"]


def test_over_grpc_the_household_is_required_and_an_unknown_one_is_not_found(stub, engine):
    client, _channel, batches = stub
    decided_twice(batches, engine)
    answer = client.ListBurdenDeterminations(
        pb.ListBurdenDeterminationsRequest(household_id="H0000001", page=common_pb2.PageRequest(page_size=1))
    )
    [newest] = answer.determinations
    assert newest.operator_id == "clerk-01" and newest.persons[0].reasons and answer.page.next_cursor
    with pytest.raises(grpc.RpcError) as missing:
        client.ListBurdenDeterminations(pb.ListBurdenDeterminationsRequest())
    assert missing.value.code() == grpc.StatusCode.INVALID_ARGUMENT and violation(missing.value) == ["household_id"]
    with pytest.raises(grpc.RpcError) as unknown:
        client.ListBurdenDeterminations(pb.ListBurdenDeterminationsRequest(household_id="H9999999"))
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
