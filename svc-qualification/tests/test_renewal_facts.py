"""GetRenewalFacts over gRPC: a renewal chunk's facts in one call, each person's the same as the single calls'."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid

import grpc
import pytest
import sqlalchemy as sa
from test_batches_rpc import ELDER_HOUSEHOLD, add_household, stub, violation  # noqa: F401 - the stub fixture

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi_common import rpc
from nhi_common.plumbing import utcnow
from nhi_qualification.adapters.repositories.periods import PeriodRepository
from nhi_qualification.adapters.tables import PLUMBING, households, income_facts, persons, status_periods
from nhi_qualification.domain.model import Period

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


# ----- the chunk read set-wise answers what the single calls answer, person by person -----

DAY = dt.date(2026, 12, 6)
DV_READER = common_pb2.RequestContext(
    operator_id="batch:annual_renewal", business_date=DAY.isoformat(), scopes=["dv:read"]
)
ELDER_KIND = "elderly_recipient_certificate"


def _period(person_id: str, household_id: str, branch: int, acquired_on: dt.date, lost_on: dt.date | None) -> Period:
    return Period(
        period_id=str(uuid.uuid4()),
        person_id=person_id,
        household_id=household_id,
        insurer_number="139998",
        symbol="みどり",
        number=household_id[-7:],
        branch_no=f"{branch:02d}",
        acquired_on=acquired_on,
        acquired_reason="move_in",
        lost_on=lost_on,
        lost_reason="move_out" if lost_on else None,
        recorded_at=utcnow(),
        superseded_at=None,
        change_id=str(uuid.uuid4()),
    )


def _birth(rng: random.Random) -> dt.date:
    roll = rng.random()
    if roll < 0.15:  # the 75th birthday around the day: LOSS-AGE75 on either side, the birthday itself
        return dt.date(1951, 12, 6) + dt.timedelta(days=rng.randint(-3, 3))
    if roll < 0.25:
        return dt.date(1946, 1, 1) + dt.timedelta(days=rng.randint(0, 1500))  # 75 and over
    if roll < 0.5:
        return dt.date(1952, 1, 1) + dt.timedelta(days=rng.randint(0, 1800))  # 70-74: the share is printed
    return dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 22000))


def _population(engine, rng: random.Random, households_count: int) -> list[str]:
    """Households of 1-3 with every case a renewal meets: insured or not, a period lost or not begun, 70-74 and 75,
    a residence period ended, rule DV by the registry's flag or a status (holding or ended), a card registration,
    incomes or none. The person ids in a shuffled order (a chunk is not by household)."""
    now = utcnow()
    person_ids: list[str] = []
    with engine.begin() as conn:
        periods_repo = PeriodRepository(conn)
        for h in range(households_count):
            household_id = f"H{h + 1:07d}"
            size = rng.choice((1, 1, 2, 2, 3))
            members = [f"3{h:05d}{i:03d}" for i in range(size)]
            conn.execute(
                sa.insert(households).values(
                    household_id=household_id,
                    head_person_id=members[0],
                    symbol="みどり",
                    number=household_id[-7:],
                    updated_at=now,
                    address=json.dumps({"postal_code": f"399-{h:04d}", "address": f"みどり市若葉町{h}番"}),
                )
            )
            for order, person_id in enumerate(members, start=1):
                foreign = rng.random() < 0.1
                conn.execute(
                    sa.insert(persons).values(
                        person_id=person_id,
                        household_id=household_id,
                        name_kanji=f"試験 {person_id}",
                        name_kana=f"シケン {person_id}",
                        birth_date=_birth(rng),
                        sex=rng.choice("12"),
                        listing_order=order,
                        updated_at=now,
                        dv_support=rng.random() < 0.05,
                        nationality="VN" if foreign else "",
                        residence_status="技能実習" if foreign else "",
                        residence_expires_on=DAY + dt.timedelta(days=rng.choice((-20, 200))) if foreign else None,
                    )
                )
                coverage = rng.random()
                if coverage < 0.75:
                    periods_repo.add(_period(person_id, household_id, order, dt.date(2020, 4, 1), None))
                elif coverage < 0.85:
                    periods_repo.add(_period(person_id, household_id, order, dt.date(2019, 4, 1), dt.date(2026, 10, 1)))
                elif coverage < 0.9:  # insured again later: on the day by the earlier period, not the current one
                    periods_repo.add(_period(person_id, household_id, order, dt.date(2019, 4, 1), dt.date(2027, 1, 1)))
                    periods_repo.add(_period(person_id, household_id, order, dt.date(2027, 3, 1), None))
                for kind, start, end in (
                    ("dv_support", dt.date(2026, 11, 1), None),
                    ("dv_support", dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
                    ("card_registration", dt.date(2025, 1, 1), None),
                ):
                    if rng.random() < 0.06:
                        conn.execute(
                            sa.insert(status_periods).values(
                                status_id=str(uuid.uuid4()),
                                person_id=person_id,
                                kind=kind,
                                start=start,
                                end=end,
                                change_id=str(uuid.uuid4()),
                                recorded_at=now,
                            )
                        )
                if rng.random() < 0.7:
                    taxable = rng.choice((0, 0, 800_000, 3_000_000))
                    conn.execute(
                        sa.insert(income_facts).values(
                            person_id=person_id,
                            income_year=2025,
                            taxable_income=taxable,
                            gross_income=taxable * 2,
                            kyu_tadashigaki_income=taxable,
                            non_taxed=taxable == 0,
                            recorded_at=now,
                        )
                    )
            person_ids += members
    rng.shuffle(person_ids)
    return person_ids


def _single(call, request) -> tuple[object | None, tuple[str, str] | None]:
    """A single call's answer, or its refusal as (gRPC status name, reason)."""
    try:
        return call(request), None
    except grpc.RpcError as error:
        _fields, info = rpc.unpack_details(rpc.read_status(error))
        return None, (error.code().name, info.reason if info is not None else "")


def _audit_actions(engine) -> list[str]:
    table = PLUMBING["audit_log"]
    with engine.connect() as conn:
        return list(conn.scalars(sa.select(table.c.action).order_by(table.c.seq)))


@pytest.mark.parametrize("context", [CTX, DV_READER], ids=["batch", "dv_reader"])
def test_a_generated_chunk_gets_person_by_person_what_the_single_calls_answer(stub, engine, context):
    client, _channel, _batches = stub
    asked = _population(engine, random.Random(20261206), 45)
    asked.insert(7, "399999999")  # no such person
    audited = len(_audit_actions(engine))
    answer = client.GetRenewalFacts(
        pb.GetRenewalFactsRequest(context=context, person_ids=asked, burden_for_kinds=[ELDER_KIND]), timeout=30
    )
    written = _audit_actions(engine)[audited:]
    assert [p.person_id for p in answer.persons] == asked
    households_answered = {h.household_id: h for h in answer.households}
    burdens_answered = {b.household_id: b for b in answer.burdens}
    outcomes: dict[str, int] = {}
    expected_households: set[str] = set()
    expected_burdens: set[str] = set()
    for entry in answer.persons:
        person_id = entry.person_id
        qualification, refused = _single(
            client.GetQualification,
            pb.GetQualificationRequest(context=context, person_id=person_id, as_of=DAY.isoformat()),
        )
        if refused is not None:
            assert (entry.refusal.code, entry.refusal.reason) == refused == ("NOT_FOUND", "NOT_FOUND")
            outcomes["not_found"] = outcomes.get("not_found", 0) + 1
            continue
        if not qualification.insured:
            assert not entry.HasField("refusal") and not entry.HasField("due") and not entry.HasField("person")
            assert entry.qualification == qualification
            outcomes["not_insured"] = outcomes.get("not_insured", 0) + 1
            continue
        due, refused = _single(
            client.GetCertificatesDue, pb.GetCertificatesDueRequest(context=context, person_id=person_id)
        )
        if refused is not None:
            assert (entry.refusal.code, entry.refusal.reason) == refused
            outcomes[refused[1]] = outcomes.get(refused[1], 0) + 1
            continue
        person = client.GetPerson(pb.GetPersonRequest(context=context, person_id=person_id))
        expected_households.add(person.household_id)
        household = client.GetHousehold(pb.GetHouseholdRequest(context=context, household_id=person.household_id))
        assert households_answered[person.household_id] == household
        if any(c.kind == ELDER_KIND for c in due.certificates):
            share, refused = _single(
                client.DetermineBurdenRatio,
                pb.DetermineBurdenRatioRequest(
                    context=context, household_id=person.household_id, as_of=DAY.isoformat(), dry_run=True
                ),
            )
            if refused is not None:
                assert (entry.refusal.code, entry.refusal.reason) == refused
                outcomes["share_" + refused[1]] = outcomes.get("share_" + refused[1], 0) + 1
                continue
            assert burdens_answered[person.household_id] == share
            expected_burdens.add(person.household_id)
        assert not entry.HasField("refusal")
        assert entry.qualification == qualification and entry.person == person and entry.due == due
        kinds = "+".join(sorted(c.kind for c in due.certificates)) or "none"
        outcomes[kinds] = outcomes.get(kinds, 0) + 1
    assert set(households_answered) == expected_households
    assert set(burdens_answered) == expected_burdens
    # The generated chunk meets the cases it was made for: unknown, not insured (75 and over among them), insured
    # on the day by a period that is no longer the current one (GetCertificatesDue's NOT_INSURED), no certificate
    # (AGED_75 on the 75th birthday, a residence period ended), 70-74 with the share, and under 70.
    assert outcomes["not_found"] == 1 and outcomes["not_insured"] >= 10 and outcomes["NOT_INSURED"] >= 1
    assert outcomes["none"] >= 1 and outcomes["eligibility_certificate"] >= 10
    assert outcomes[f"{ELDER_KIND}+eligibility_certificate"] >= 5
    assert any(h.address.postal_code for h in answer.households)
    withheld = [h for h in answer.households if any(m.dv_support for m in h.members)]
    assert withheld and all(bool(h.address.postal_code) == ("dv:read" in context.scopes) for h in withheld)
    # A DV address handed out is audited, a row per household (rule DV), all in the call's one transaction.
    assert written == ["dv.address_read"] * (len(withheld) if "dv:read" in context.scopes else 0)
