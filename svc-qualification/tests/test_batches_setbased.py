"""The set-based batch paths: the hand-built result JSON equals decision_dict's, COPY writes (PostgreSQL) equal executemany ones, unchanged determinations are not stored again,
and a chunk's in-memory losses behave like one person after the other."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import random
import uuid

import pytest
import sqlalchemy as sa
from test_batches_service import BATCH, add_household, batches, events, income, rows  # noqa: F401

from nhi_common.plumbing import utcnow
from nhi_qualification.adapters import bulk
from nhi_qualification.adapters.tables import (
    PLUMBING,
    burden_determinations,
    burden_explanations,
    certificates,
    job_results,
    status_periods,
)
from nhi_qualification.domain.burden import determine_burden
from nhi_qualification.domain.burden_facts import HouseholdMember, IncomeFacts
from nhi_qualification.domain.errors import RuleViolation
from nhi_qualification.domain.explanations import RULES_VERSION, facts_text, resolve_result
from nhi_qualification.service_layer.burden import (
    decision_dict,
    decision_json,
    explained,
    explained_result,
    shared_decision_json,
)


def _random_household(rng: random.Random, n: int) -> tuple[list[HouseholdMember], dict[str, IncomeFacts]]:
    members, incomes = [], {}
    size = rng.choice([1, 1, 2, 2, 3, 4])
    head = rng.randrange(size)
    for k in range(size):
        pid = f"{n:07d}{k}"
        year = rng.choice([1949, 1950, 1951, 1952, 1953, 1954, 1955, 1956, 1957, 1960, 1990, 2020, 2024])
        birth = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(366 if year % 4 == 0 else 365))
        specific = rng.random() < 0.08
        insured = not specific and rng.random() < 0.9
        members.append(HouseholdMember(pid, birth, insured, specific, k == head))
        if rng.random() < 0.93:
            taxable = rng.choice([0, 0, 500_000, 1_449_999, 1_450_000, 3_800_000, 7_000_000])
            incomes[pid] = IncomeFacts(
                pid,
                2025,
                taxable,
                taxable * 2 + rng.randrange(2_000_000),
                taxable + rng.randrange(1_000_000),
                taxable == 0 and rng.random() < 0.5,
                rng.choice([0, 700_000, 1_500_000]),
                rng.choice([0, 0, 300_000]),
            )
    return members, incomes


def test_the_result_json_is_decision_dicts_json():
    rng = random.Random(7)
    fragments: dict = {}
    shared: dict = {}
    compared = 0
    for n in range(2000):
        members, incomes = _random_household(rng, n)
        try:
            decision = determine_burden(as_of=dt.date(2026, 8, 1), members=members, incomes=incomes)
        except RuleViolation:
            continue
        expected = json.dumps(
            decision_dict(decision, f"H{n}", f"id-{n}", False), ensure_ascii=False, separators=(",", ":")
        )
        births = {m.person_id: m.birth_date for m in members}
        assert decision_json(decision, f"H{n}", f"id-{n}", births, fragments) == expected
        # Stored with shared explanations, it reads back byte for byte.
        compact = shared_decision_json(decision, f"H{n}", f"id-{n}", births, shared)
        assert len(compact) < len(expected) or not decision.persons
        assert resolve_result(compact, dict(shared.values())) == expected
        # Stored as the facts it was decided on (a batch since 0016), it is explained again byte for byte.
        kept = facts_text(members, incomes)
        assert len(kept) < len(expected) / 3
        assert explained_result(kept, f"H{n}", f"id-{n}", dt.date(2026, 8, 1), decision.income_year) == expected
        compared += 1
    assert compared > 1000


def test_the_explanations_of_these_rules_are_those_of_rules_version_1():
    """A determination stored as facts is explained again by today's rules, so what they explain must not change
    under RULES_VERSION. If this fails because a rule's wording, facts or order changed on purpose: raise
    domain/explanations.RULES_VERSION, write the older rows' explanations whole in the migration that goes with it
    (as 0016's downgrade does), then put the new digest here."""
    rng = random.Random(11)
    digest = hashlib.sha256()
    for n in range(3000):
        members, incomes = _random_household(rng, n)
        try:
            decision = determine_burden(
                as_of=dt.date(2026, 8, 1) + dt.timedelta(days=n % 400), members=members, incomes=incomes
            )
        except RuleViolation:
            continue
        digest.update(
            decision_json(decision, f"H{n}", f"id-{n}", {m.person_id: m.birth_date for m in members}, {}).encode()
        )
    assert RULES_VERSION == 1
    assert digest.hexdigest() == "73f0a04712a2ea8a2c4f2550081af777d73cfd8b958b8970ef2ddbe1c2cd0991"


@pytest.fixture(params=["executemany", "copy"])
def writes(request, monkeypatch, engine):
    if request.param == "copy":
        if engine.dialect.name != "postgresql":
            pytest.skip("COPY is PostgreSQL only")
        monkeypatch.setattr(bulk, "COPY_FROM", 1)
    return request.param


def test_redetermination_stores_only_changed_outcomes(batches, engine, writes):
    for n in range(1, 6):
        add_household(
            engine, f"H00003{n:02d}", [(f"80000{n:02d}01", "1954-09-09", True), (f"80000{n:02d}02", "1990-09-09", True)]
        )
    facts = []
    for n in range(1, 6):
        facts += [
            income(f"80000{n:02d}01", 2025, 500_000, 2_000_000, 500_000),
            income(f"80000{n:02d}02", 2025, 1_000_000, 3_000_000, 1_000_000),
        ]
    batches.record_income_facts(facts, BATCH)
    first = batches.start_job("burden_redetermination", {"date": "2026-08-01"}, BATCH)
    batches.wait(30)
    assert batches.get_job(first["job_id"])["done"] == 5
    stored = rows(engine, burden_determinations)
    assert len(stored) == 5 and {(d.ratio_percent, d.income_year) for d in stored} == {(20, 2025)}
    # Each determination keeps the facts it was decided on, not its explanation; it reads back whole: the text the
    # rules give on those facts.
    assert len(rows(engine, burden_explanations)) == 0
    assert {d.result for d in stored} == {""} and all(d.facts for d in stored)
    resolved = explained(stored)
    result = json.loads(resolved[0].result)
    assert result["determination_id"] == stored[0].determination_id
    assert [r["rule_id"] for r in result["persons"][0]["reasons"]] == ["ELDER-START", "ELDER-END"]
    members = [
        HouseholdMember("800000101", dt.date(1954, 9, 9), True, False, True),  # the head
        HouseholdMember("800000102", dt.date(1990, 9, 9), True, False, False),
    ]
    incomes = {
        "800000101": IncomeFacts("800000101", 2025, 500_000, 2_000_000, 500_000, False, None, None),
        "800000102": IncomeFacts("800000102", 2025, 1_000_000, 3_000_000, 1_000_000, False, None, None),
    }
    first_row = next(d for d in resolved if d.household_id == "H0000301")
    decision = determine_burden(as_of=dt.date(2026, 8, 1), members=members, incomes=incomes)
    assert first_row.result == json.dumps(
        decision_dict(decision, "H0000301", first_row.determination_id, False),
        ensure_ascii=False,
        separators=(",", ":"),
    )
    assert len(events(engine, "nhi.v1.qualification.changed")) == 5

    # A later day on the same income year with the same facts: decided (done), nothing stored or announced.
    again = batches.start_job("burden_redetermination", {"date": "2026-08-02"}, BATCH)
    batches.wait(30)
    job = batches.get_job(again["job_id"])
    assert job["state"] == "succeeded" and job["done"] == job["total"] == 5
    assert len(rows(engine, burden_determinations)) == 5
    assert len(events(engine, "nhi.v1.qualification.changed")) == 5

    # One household's income changes: only that one is stored and announced.
    batches.record_income_facts([income("800000101", 2025, 2_000_000, 6_000_000, 2_500_000)], BATCH)
    third = batches.start_job("burden_redetermination", {"date": "2026-08-03"}, BATCH)
    batches.wait(30)
    latest = rows(engine, burden_determinations, burden_determinations.c.job_id == third["job_id"])
    assert [(d.household_id, d.ratio_percent) for d in latest] == [("H0000301", 30)]
    changed = events(engine, "nhi.v1.qualification.changed")[5:]
    assert [(e["person_id"], e["ratio_percent_old"], e["ratio_percent_new"]) for e in changed] == [
        ("800000101", 20, 30)
    ]


def test_a_household_whose_70_to_74_member_is_not_insured_is_not_decided(batches, engine, writes):
    # Between two households with an insured 70–74 member (one chunk), one whose 70–74 member is not insured
    # (its younger member is): not a key of the job, not decided, not counted.
    add_household(engine, "H0000501", [("800050101", "1954-09-09", True)])
    add_household(engine, "H0000502", [("800050201", "1954-09-09", False), ("800050202", "1990-09-09", True)])
    add_household(engine, "H0000503", [("800050301", "1953-03-03", True)])
    batches.record_income_facts(
        [income(pid, 2025, 0, 800_000, 0) for pid in ("800050101", "800050201", "800050202", "800050301")], BATCH
    )
    job = batches.start_job("burden_redetermination", {"date": "2026-08-01"}, BATCH)
    batches.wait(30)
    assert {k: batches.get_job(job["job_id"])[k] for k in ("state", "total", "done", "failed")} == {
        "state": "succeeded",
        "total": 2,
        "done": 2,
        "failed": 0,
    }
    assert sorted(d.household_id for d in rows(engine, burden_determinations)) == ["H0000501", "H0000503"]


def test_the_result_list_names_why_a_household_stored_as_facts_is_pending(batches, engine, writes):
    # One household without the 70–74 member's income (pending), one decided: the list of the job's results says
    # whose income is missing for the first, from its explanation decided again, and nothing for the second.
    add_household(engine, "H0000601", [("800060101", "1954-09-09", True)])
    add_household(engine, "H0000602", [("800060201", "1953-03-03", True)])
    batches.record_income_facts([income("800060201", 2025, 0, 800_000, 0)], BATCH)
    job = batches.start_job("burden_redetermination", {"date": "2026-08-01"}, BATCH)
    batches.wait(30)
    listed = batches.target_list(job["job_id"])["households"]
    assert [(h["household_id"], h["pending"], h["burden_ratio"], h["pending_reason"]) for h in listed] == [
        ("H0000601", True, "判定保留", "所得が未確定のため判定保留（暫定2割）：800060101 の所得"),
        ("H0000602", False, "2割", ""),
    ]


def test_each_determination_change_and_event_of_a_redetermination_has_an_id_of_its_own(batches, engine, writes):
    # Two households of two 70–74 members and one of one: every id a uuid4, each household's change named once
    # by the events of both its members, and the collector given back what each chunk set aside.
    add_household(engine, "H0000701", [("800070101", "1953-03-03", True), ("800070102", "1954-09-09", True)])
    add_household(engine, "H0000702", [("800070201", "1952-10-10", True)])
    add_household(engine, "H0000703", [("800070301", "1953-03-03", True), ("800070302", "1955-01-01", True)])
    batches.record_income_facts(
        [income(pid, 2025, 0, 800_000, 0) for pid in ("800070101", "800070102", "800070201", "800070301")]
        + [income("800070302", 2025, 0, 800_000, 0)],
        BATCH,
    )
    batches.start_job("burden_redetermination", {"date": "2026-08-01"}, BATCH)
    batches.wait(30)
    assert gc.get_freeze_count() == 0
    stored = {d.household_id: d.determination_id for d in rows(engine, burden_determinations)}
    changed = events(engine, "nhi.v1.qualification.changed")
    assert sorted(e["person_id"] for e in changed) == [
        "800070101",
        "800070102",
        "800070201",
        "800070301",
        "800070302",
    ]
    assert {e["determination_id"] for e in changed} == set(stored.values())
    changes = {e["household_id"]: set() for e in changed}
    for e in changed:
        changes[e["household_id"]].add(e["change_id"])
        assert e["determination_id"] == stored[e["household_id"]]
    assert all(len(ids) == 1 for ids in changes.values()) and len(set.union(*changes.values())) == 3
    outbox = PLUMBING["outbox"]
    event_ids = [r.event_id for r in rows(engine, outbox, outbox.c.nats_subject == "nhi.v1.qualification.changed")]
    named = [*stored.values(), *set.union(*changes.values()), *event_ids]
    assert len(set(named)) == len(named) == 3 + 3 + 5
    assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in named)


def test_two_losses_in_one_household_and_one_chunk_follow_each_other(batches, engine, writes):
    # Both turn 75 in December; the first leaves the second (still 74) and a 73-year-old behind.
    add_household(
        engine,
        "H0000401",
        [("900000001", "1951-12-05", True), ("900000002", "1951-12-20", True), ("900000003", "1953-01-01", True)],
    )
    now = utcnow()
    with engine.begin() as conn:
        for pid, until in (
            ("900000001", None),
            ("900000001", dt.date(2026, 11, 30)),
            ("900000002", dt.date(2027, 7, 31)),
        ):
            conn.execute(
                sa.insert(certificates).values(
                    certificate_id=f"c-{pid}-{until}",
                    kind="insurance_card",
                    person_id=pid,
                    household_id="H0000401",
                    issued_on=dt.date(2026, 8, 1),
                    valid_from=dt.date(2026, 8, 1),
                    valid_until=until,
                    updated_at=now,
                )
            )
    batches.record_income_facts(
        [income(p, 2025, 0, 1_000_000, 0) for p in ("900000001", "900000002", "900000003")], BATCH
    )
    started = batches.start_job("age75_loss", {"month": "2026-12"}, BATCH)
    batches.wait(30)
    job = batches.get_job(started["job_id"])
    assert job["state"] == "succeeded" and job["done"] == job["total"] == 2
    detail = {
        r.person_id: json.loads(r.detail) for r in rows(engine, job_results, job_results.c.job_id == job["job_id"])
    }
    first, second = detail["900000001"]["household_effects"], detail["900000002"]["household_effects"]
    assert first["remaining_insured"] == ["900000002", "900000003"] and first["deemed_head"] is True
    assert first["certificates_ended"] == 1 and second["certificates_ended"] == 1
    assert second["remaining_insured"] == ["900000003"] and second["deemed_head"] is False
    assert first["burden"] is not None and second["burden"] is not None
    decided = rows(engine, burden_determinations, burden_determinations.c.household_id == "H0000401")
    assert [d.as_of for d in decided] == [dt.date(2026, 12, 5), dt.date(2026, 12, 20)]
    # On 12/20 both who left are 特定同一世帯所属者 in the second determination.
    kijun = json.loads(decided[1].result)
    assert [p["person_id"] for p in kijun["persons"]] == ["900000003"]
    status = rows(engine, status_periods)
    assert sorted((s.person_id, s.start) for s in status) == [
        ("900000001", dt.date(2026, 12, 5)),
        ("900000002", dt.date(2026, 12, 20)),
    ]
    ended = {(c.person_id, c.valid_until) for c in rows(engine, certificates)}
    assert ended == {
        ("900000001", dt.date(2026, 12, 4)),
        ("900000001", dt.date(2026, 11, 30)),
        ("900000002", dt.date(2026, 12, 19)),
    }
    assert len(events(engine, "nhi.v1.qualification.lost")) == 2
    outbox_before = len(rows(engine, PLUMBING["outbox"]))
    again = batches.start_job("age75_loss", {"month": "2026-12"}, BATCH)
    batches.wait(30)
    assert batches.get_job(again["job_id"])["done"] == 2
    assert len(rows(engine, PLUMBING["outbox"])) == outbox_before
