"""GetRenewalFacts over gRPC: a renewal chunk's facts in one call, each person's the same as the single calls'."""

from __future__ import annotations

import json

import grpc
import pytest
import sqlalchemy as sa
from test_batches_rpc import ELDER_HOUSEHOLD, add_household, stub, violation  # noqa: F401 - the stub fixture

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi_qualification.adapters.tables import households, persons

CTX = common_pb2.RequestContext(operator_id="batch:annual_renewal", business_date="2026-12-06")


def test_each_person_gets_what_the_single_calls_answer_households_and_shares_once(stub, engine):
    client, _channel, _batches = stub
    add_household(engine, "H0000001", ELDER_HOUSEHOLD)
    add_household(engine, "H0000002", [("200000001", "1985-04-02", True), ("200000002", "1987-06-01", False)])
    with engine.begin() as conn:  # rule DV: a support-measure person in H0000002, its address withheld
        conn.execute(sa.update(persons).where(persons.c.person_id == "200000002").values(dv_support=True))
        conn.execute(
            sa.update(households)
            .where(households.c.household_id.in_(["H0000001", "H0000002"]))
            .values(address=json.dumps({"postal_code": "399-0101", "address": "みどり市若葉町2丁目3番5号"}))
        )
    asked = ["100000001", "100000003", "200000001", "200000002", "999999999"]
    answer = client.GetRenewalFacts(
        pb.GetRenewalFactsRequest(context=CTX, person_ids=asked, burden_for_kinds=["elderly_recipient_certificate"]),
        timeout=10,
    )
    facts = {p.person_id: p for p in answer.persons}
    assert [p.person_id for p in answer.persons] == asked

    for person_id in ("100000001", "100000003", "200000001"):
        one = facts[person_id]
        assert not one.HasField("refusal")
        assert one.qualification == client.GetQualification(
            pb.GetQualificationRequest(context=CTX, person_id=person_id, as_of="2026-12-06")
        )
        assert one.person == client.GetPerson(pb.GetPersonRequest(context=CTX, person_id=person_id))
        assert one.due == client.GetCertificatesDue(pb.GetCertificatesDueRequest(context=CTX, person_id=person_id))
    assert {h.household_id for h in answer.households} == {"H0000001", "H0000002"}
    household = next(h for h in answer.households if h.household_id == "H0000001")
    assert household == client.GetHousehold(pb.GetHouseholdRequest(context=CTX, household_id="H0000001"))
    assert household.address.postal_code == "399-0101"
    withheld = next(h for h in answer.households if h.household_id == "H0000002")
    assert withheld == client.GetHousehold(pb.GetHouseholdRequest(context=CTX, household_id="H0000002"))
    assert not withheld.address.postal_code and not withheld.address.address
    # The share only for the household of someone due a 高齢受給者証 (70-74), the dry run DetermineBurdenRatio answers.
    assert [b.household_id for b in answer.burdens] == ["H0000001"]
    single = client.DetermineBurdenRatio(
        pb.DetermineBurdenRatioRequest(context=CTX, household_id="H0000001", as_of="2026-12-06", dry_run=True)
    )
    assert answer.burdens[0].ratio_percent == single.ratio_percent > 0
    assert {p.person_id: p.ratio_percent for p in answer.burdens[0].persons} == {
        p.person_id: p.ratio_percent for p in single.persons
    }

    not_insured = facts["200000002"]
    assert not not_insured.qualification.insured and not not_insured.HasField("due")
    unknown = facts["999999999"].refusal
    assert unknown.code == "NOT_FOUND" and not facts["999999999"].HasField("qualification")


def test_more_than_a_thousand_persons_are_refused_naming_the_field(stub):
    client, _channel, _batches = stub
    with pytest.raises(grpc.RpcError) as caught:
        client.GetRenewalFacts(
            pb.GetRenewalFactsRequest(context=CTX, person_ids=[f"{i:09d}" for i in range(1001)]), timeout=10
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT and violation(caught.value) == ["person_ids"]
