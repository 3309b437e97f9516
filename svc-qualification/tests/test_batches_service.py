"""Burden-ratio determinations, income facts and the population jobs on a real database.

SQLite always, PostgreSQL too when TEST_DATABASE_URL is set; the job tests pull their chunks through a real
embedded NATS (work-queue stream NHI_JOBS), except the one that checks the in-process fallback.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import pytest
import sqlalchemy as sa
from clients import Batches

from nhi_common.plumbing import utcnow
from nhi_qualification.adapters.repositories.periods import PeriodRepository
from nhi_qualification.adapters.tables import (
    PLUMBING,
    burden_determinations,
    households,
    income_facts,
    job_chunks,
    job_results,
    persons,
    status_periods,
)
from nhi_qualification.domain.commands import StartJob
from nhi_qualification.domain.errors import NotFound, RuleViolation
from nhi_qualification.domain.model import Period
from nhi_qualification.entrypoints.jobs_worker import Worker
from nhi_qualification.service_layer.context import Actor
from nhi_qualification.service_layer.jobs import Jobs

CLERK = Actor("clerk-01")
BATCH = Actor("batch-01")


# ----- fixtures -----


def add_household(
    engine,
    household_id: str,
    members: list[tuple[str, str, bool]],
    head: str | None = None,
    acquired_on: str = "2020-04-01",
) -> None:
    """members: (person_id, birth_date, insured)."""
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            sa.insert(households).values(
                household_id=household_id,
                head_person_id=head or members[0][0],
                symbol="みどり",
                number=household_id[-7:],
                updated_at=now,
            )
        )
        for order, (pid, birth, insured) in enumerate(members, start=1):
            conn.execute(
                sa.insert(persons).values(
                    person_id=pid,
                    household_id=household_id,
                    name_kanji=f"試験 {pid}",
                    name_kana=f"シケン {pid}",
                    birth_date=dt.date.fromisoformat(birth),
                    sex="1",
                    listing_order=order,
                    updated_at=now,
                )
            )
            if insured:
                PeriodRepository(conn).add(
                    Period(
                        period_id=str(uuid.uuid4()),
                        person_id=pid,
                        household_id=household_id,
                        insurer_number="139998",
                        symbol="みどり",
                        number=household_id[-7:],
                        branch_no=f"{order:02d}",
                        acquired_on=dt.date.fromisoformat(acquired_on),
                        acquired_reason="move_in",
                        lost_on=None,
                        lost_reason=None,
                        recorded_at=now,
                        superseded_at=None,
                        change_id=str(uuid.uuid4()),
                    )
                )


def income(pid: str, year: int, taxable: int = 0, gross: int = 0, kyu: int = 0, non_taxed: bool = False) -> dict:
    return {
        "person_id": pid,
        "income_year": year,
        "taxable_income": taxable,
        "gross_income": gross,
        "kyu_tadashigaki_income": kyu,
        "non_taxed": non_taxed,
    }


def rows(engine, table, *where):
    with engine.connect() as conn:
        return list(conn.execute(sa.select(table).where(*where)))


def history(engine, person_id: str):
    with engine.connect() as conn:
        return PeriodRepository(conn).history(person_id)


def events(engine, subject: str) -> list[dict]:
    outbox = PLUMBING["outbox"]
    return [json.loads(r.data) for r in rows(engine, outbox, outbox.c.nats_subject == subject)]


@pytest.fixture
def batches(service):
    return Batches(service.app)


@pytest.fixture
def worker(batches, nats_server):
    worker = Worker(batches.app, nats_server.url, chunk_size=2).start()
    batches.jobs = worker.jobs  # jobs now go through NATS to the worker
    yield worker
    worker.stop()


def wait_job(batches: Batches, job_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = batches.get_job(job_id)
        if job["state"] in ("succeeded", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {batches.get_job(job_id)}")


# ----- burden ratio (5.6) -----

ELDER_HOUSEHOLD = [
    ("100000001", "1953-05-10", True),
    ("100000002", "1954-03-03", True),
    ("100000003", "1990-01-15", True),
]


def test_a_70_74_household_is_decided_stored_and_announced_once(batches, engine):
    add_household(engine, "H0000001", ELDER_HOUSEHOLD)
    assert (
        batches.record_income_facts(
            [
                income("100000001", 2025, 2_000_000, 6_000_000, 2_500_000),
                income("100000002", 2025, 0, 800_000, 0),
                income("100000003", 2025, 3_000_000, 4_500_000, 3_000_000),
            ],
            CLERK,
        )
        == 3
    )
    first = batches.determine_burden_ratio({"household_id": "H0000001"}, CLERK)
    assert (first["ratio_percent"], first["limit_category"], first["pending"]) == (30, "現役並みⅠ", False)
    assert first["income_year"] == 2025 and first["as_of"] == "2026-11-24"
    assert {p["person_id"]: p["elder"] for p in first["persons"]} == {
        "100000001": True,
        "100000002": True,
        "100000003": False,
    }
    stored = rows(engine, burden_determinations)
    assert len(stored) == 1 and stored[0].determination_id == first["determination_id"]
    assert json.loads(stored[0].result)["ratio_percent"] == 30 and stored[0].operator_id == "clerk-01"
    changed = events(engine, "nhi.v1.qualification.changed")
    assert sorted(e["person_id"] for e in changed) == ["100000001", "100000002"]
    assert changed[0]["ratio_percent_old"] is None and changed[0]["ratio_percent_new"] == 30
    assert "BURDEN-3" in changed[0]["rule_ids"] and "name_kanji" not in changed[0]
    audit = PLUMBING["audit_log"]
    assert [a.action for a in rows(engine, audit, audit.c.target_id == "H0000001")] == ["burden.determined"]

    # The same facts again: a second row, no event.
    batches.determine_burden_ratio({"household_id": "H0000001"}, CLERK)
    assert len(rows(engine, burden_determinations)) == 2
    assert len(events(engine, "nhi.v1.qualification.changed")) == 2

    # Incomes given with the request are recorded first: the share drops to 2割, announced old → new.
    lower = batches.determine_burden_ratio(
        {"household_id": "H0000001", "incomes": [income("100000001", 2025, 1_000_000, 2_500_000, 1_200_000)]}, CLERK
    )
    assert (lower["ratio_percent"], lower["limit_category"]) == (20, "一般")
    assert rows(engine, income_facts, income_facts.c.person_id == "100000001")[0].taxable_income == 1_000_000
    latest = events(engine, "nhi.v1.qualification.changed")[-2:]
    assert {
        (e["ratio_percent_old"], e["ratio_percent_new"], e["limit_category_old"], e["limit_category_new"])
        for e in latest
    } == {(30, 20, "現役並みⅠ", "一般")}


def test_missing_income_leaves_the_decision_pending_at_a_provisional_2wari(batches, engine):
    add_household(engine, "H0000001", ELDER_HOUSEHOLD)
    batches.record_income_facts([income("100000001", 2025, 2_000_000, 6_000_000, 2_500_000)], CLERK)
    result = batches.determine_burden_ratio({"household_id": "H0000001", "as_of": "2026-11-24"}, CLERK)
    assert result["pending"] is True and result["ratio_percent"] == 20 and result["limit_category"] == ""
    pending = [r for r in result["reasons"] if r["rule_id"] == "BURDEN-PENDING"][0]
    assert set(pending["facts"]["missing_income"].split(",")) == {"100000002", "100000003"}
    assert rows(engine, burden_determinations)[0].pending is True


def test_an_amount_not_given_is_stored_unknown_and_leaves_the_decision_pending(batches, engine):
    add_household(engine, "H0000001", ELDER_HOUSEHOLD)
    facts = [income(pid, 2025, 0, 1_000_000, 0) for pid in ("100000002", "100000003")]
    facts.append(
        {"person_id": "100000001", "income_year": 2025, "taxable_income": 1_500_000, "gross_income": 6_000_000}
    )
    batches.record_income_facts(facts, CLERK)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(income_facts).where(income_facts.c.person_id == "100000001")).one()
    assert (stored.taxable_income, stored.kyu_tadashigaki_income, stored.total_income) == (1_500_000, None, None)
    result = batches.determine_burden_ratio({"household_id": "H0000001", "as_of": "2026-11-24"}, CLERK)
    assert result["pending"] is True and result["limit_category"] == ""
    pending = [r for r in result["reasons"] if r["rule_id"] == "BURDEN-PENDING"][0]
    assert pending["facts"]["unknown_income"] == "100000001.kyu_tadashigaki_income"


def test_a_dry_run_stores_nothing_not_even_the_incomes_it_was_given(batches, engine):
    add_household(engine, "H0000001", ELDER_HOUSEHOLD)
    result = batches.determine_burden_ratio(
        {
            "household_id": "H0000001",
            "dry_run": True,
            "incomes": [income(pid, 2025, 0, 1_000_000, 0) for pid, _b, _i in ELDER_HOUSEHOLD],
        },
        CLERK,
    )
    assert result["dry_run"] is True and result["determination_id"] == "" and result["pending"] is False
    assert result["ratio_percent"] == 20
    assert rows(engine, burden_determinations) == [] and rows(engine, income_facts) == []
    assert events(engine, "nhi.v1.qualification.changed") == []


def test_the_income_year_follows_august_1st_and_bad_input_names_the_field(batches, engine):
    add_household(engine, "H0000001", ELDER_HOUSEHOLD)
    assert (
        batches.determine_burden_ratio({"household_id": "H0000001", "as_of": "2026-07-31", "dry_run": True}, CLERK)[
            "income_year"
        ]
        == 2024
    )
    with pytest.raises(NotFound):
        batches.determine_burden_ratio({"household_id": "H9999999"}, CLERK)
    with pytest.raises(RuleViolation) as error:
        batches.determine_burden_ratio({"household_id": "H0000001", "as_of": "2026-13-01"}, CLERK)
    assert error.value.field == "as_of" and error.value.code == "INVALID_DATE"
    with pytest.raises(RuleViolation) as error:
        batches.determine_burden_ratio({"household_id": "H0000001", "incomes": [income("100000001", 2023)]}, CLERK)
    assert error.value.field == "incomes[0].income_year" and error.value.rule == "BURDEN-YEAR"


def test_an_idempotency_key_answers_the_first_determination(batches, engine):
    add_household(engine, "H0000001", ELDER_HOUSEHOLD)
    actor = Actor("clerk-01", idempotency_key="key-1")
    first = batches.determine_burden_ratio({"household_id": "H0000001"}, actor)
    again = batches.determine_burden_ratio({"household_id": "H0000001"}, actor)
    assert again == first and len(rows(engine, burden_determinations)) == 1


# ----- age75_loss (2.5.1) through NATS -----

AGE75_HOUSEHOLD = [
    ("200000001", "1951-12-10", True),  # head: 75th birthday 2026-12-10
    ("200000002", "1953-06-01", True),  # 73: 高齢受給者
    ("200000003", "1985-04-04", True),
]


def test_age75_loss_end_to_end_over_nats_and_a_second_run_changes_nothing(batches, engine, worker):
    add_household(engine, "H0000002", AGE75_HOUSEHOLD)
    add_household(engine, "H0000003", [("300000001", "1951-12-10", True)])  # alone: no household effects
    add_household(engine, "H0000004", [("400000001", "1951-12-11", True)])  # one day later: not today
    batches.record_income_facts(
        [
            income("200000002", 2025, 2_000_000, 6_000_000, 2_500_000),
            income("200000003", 2025, 3_000_000, 4_000_000, 3_000_000),
            income("200000001", 2025, 0, 1_000_000, 0),
        ],
        BATCH,
    )
    started = batches.start_job("age75_loss", {"date": "2026-12-10"}, BATCH)
    assert started["state"] in ("queued", "running", "succeeded") and started["parameters"] == {"date": "2026-12-10"}
    job = wait_job(batches, started["job_id"])
    assert job["state"] == "succeeded" and job["total"] == 2 and job["done"] == 2 and job["failed"] == 0
    assert len(rows(engine, job_chunks, job_chunks.c.job_id == job["job_id"])) == 1

    head = history(engine, "200000001")
    assert [(p.lost_on, p.lost_reason, p.superseded_at is None) for p in head] == [
        (None, None, False),
        (dt.date(2026, 12, 10), "age75", True),
    ]
    assert any(r.rule_id == "LOSS-AGE75" for r in head[-1].reasons)
    with engine.connect() as conn:
        assert PeriodRepository(conn).as_of("200000001", dt.date(2026, 12, 9), None) is not None
        assert PeriodRepository(conn).as_of("200000001", dt.date(2026, 12, 10), None) is None
        assert PeriodRepository(conn).as_of("200000002", dt.date(2026, 12, 10), None) is not None
    status = rows(engine, status_periods, status_periods.c.kind == "specific_same_household")
    assert [(s.person_id, s.start, json.loads(s.evidence)) for s in status] == [
        ("200000001", dt.date(2026, 12, 10), ["age75_transition"])
    ]

    lost = {e["person_id"]: e for e in events(engine, "nhi.v1.qualification.lost")}
    assert set(lost) == {"200000001", "300000001"}
    assert lost["200000001"]["deemed_head"] is True and lost["200000001"]["rule_ids"] == ["LOSS-AGE75"]
    assert lost["200000001"]["lost_on"] == "2026-12-10" and lost["300000001"]["deemed_head"] is False

    results = {r.person_id: r for r in rows(engine, job_results, job_results.c.job_id == job["job_id"])}
    effects = json.loads(results["200000001"].detail)["household_effects"]
    assert effects["deemed_head"] is True and effects["remaining_insured"] == ["200000002", "200000003"]
    assert effects["specific_same_household"] == "200000001"
    # The remaining 73-year-old is re-decided as of the loss, the one who left counted as 特定同一世帯所属者.
    assert effects["burden"]["ratio_percent"] == 30
    decided = rows(engine, burden_determinations, burden_determinations.c.household_id == "H0000002")
    assert [(d.as_of, d.job_id) for d in decided] == [(dt.date(2026, 12, 10), job["job_id"])]
    kijun = [r for r in json.loads(decided[0].result)["reasons"] if r["rule_id"] == "BURDEN-KIJUN"][0]
    assert kijun["facts"]["specific_same_household"] == "200000001"

    listing = batches.target_list(job["job_id"])
    assert listing["title"] == "75歳到達 対象者一覧"
    assert [(r["person_id"], r["age_75_birthday"], r["outcome"], r["deemed_head"]) for r in listing["rows"]] == [
        ("200000001", "2026-12-10", "lost", True),
        ("300000001", "2026-12-10", "lost", False),
    ]
    assert [r["burden_redetermined"] for r in listing["rows"]] == ["3割 現役並みⅠ", ""]

    outbox_before = len(rows(engine, PLUMBING["outbox"]))
    again = wait_job(batches, batches.start_job("age75_loss", {"date": "2026-12-10"}, BATCH)["job_id"])
    assert again["state"] == "succeeded" and again["done"] == again["total"] == 2
    assert batches.target_list(again["job_id"])["summary"] == {"skipped_already_lost": 2}
    assert len(history(engine, "200000001")) == 2
    assert len(rows(engine, PLUMBING["outbox"])) == outbox_before
    assert len(rows(engine, status_periods)) == 1


def test_born_on_29_february_turns_75_on_1_march_of_a_common_year(batches, engine, worker):
    add_household(engine, "H0000005", [("500000001", "1952-02-29", True), ("500000002", "1980-01-01", True)])
    early = wait_job(batches, batches.start_job("age75_loss", {"date": "2027-02-28"}, BATCH)["job_id"])
    assert early["total"] == 0 and early["state"] == "succeeded"
    job = wait_job(batches, batches.start_job("age75_loss", {"date": "2027-03-01"}, BATCH)["job_id"])
    assert job["total"] == job["done"] == 1
    assert history(engine, "500000001")[-1].lost_on == dt.date(2027, 3, 1)


def test_month_mode_takes_everyone_whose_75th_birthday_falls_in_the_month(batches, engine, worker):
    for n, birth in enumerate(["1951-12-01", "1951-12-31", "1951-11-30", "1952-01-01", "1951-12-15"], start=1):
        add_household(engine, f"H000010{n}", [(f"60000000{n}", birth, n != 5)])  # the 5th is not insured
    job = wait_job(batches, batches.start_job("age75_loss", {"month": "2026-12"}, BATCH)["job_id"])
    assert job["state"] == "succeeded" and job["total"] == job["done"] == 2
    assert {r["person_id"]: r["lost_on"] for r in batches.target_list(job["job_id"])["rows"]} == {
        "600000001": "2026-12-01",
        "600000002": "2026-12-31",
    }


def test_job_parameters_are_checked(batches):
    with pytest.raises(RuleViolation) as error:
        batches.start_job("age75_loss", {"month": "2026-13"}, BATCH)
    assert error.value.field == "parameters.month"
    with pytest.raises(RuleViolation) as error:
        batches.start_job("age75_loss", {"date": "tomorrow"}, BATCH)
    assert error.value.field == "parameters.date"
    with pytest.raises(RuleViolation) as error:
        batches.start_job("renewal", {}, BATCH)
    assert error.value.field == "kind"
    with pytest.raises(NotFound):
        batches.get_job("no-such-job")


# ----- burden_redetermination (8/1) -----


def _redetermination_city(batches, engine):
    for n in range(1, 6):  # five households with a 70–74 member, cut into chunks of two
        add_household(
            engine, f"H00002{n:02d}", [(f"70000{n:02d}01", "1954-09-09", True), (f"70000{n:02d}02", "1990-09-09", True)]
        )
    add_household(engine, "H0000299", [("7000990001", "1980-01-01", True)])  # nobody 70–74: not a target
    facts = []
    for n in range(1, 6):
        facts += [
            income(f"70000{n:02d}01", 2024, 500_000, 2_000_000, 500_000),  # 2024: 2割
            income(f"70000{n:02d}01", 2025, 2_000_000, 6_000_000, 2_500_000),  # 2025: 3割
            income(f"70000{n:02d}02", 2024, 1_000_000, 3_000_000, 1_000_000),
            income(f"70000{n:02d}02", 2025, 1_000_000, 3_000_000, 1_000_000),
        ]
    batches.record_income_facts(facts, BATCH)


def test_burden_redetermination_switches_income_year_on_august_1st_over_nats(batches, engine, worker):
    _redetermination_city(batches, engine)
    before = wait_job(batches, batches.start_job("burden_redetermination", {"date": "2026-07-31"}, BATCH)["job_id"])
    assert before["state"] == "succeeded" and before["total"] == before["done"] == 5
    assert len(rows(engine, job_chunks, job_chunks.c.job_id == before["job_id"])) == 3
    stored = rows(engine, burden_determinations)
    assert {(d.income_year, d.ratio_percent) for d in stored} == {(2024, 20)} and len(stored) == 5
    assert len(events(engine, "nhi.v1.qualification.changed")) == 5

    after = wait_job(batches, batches.start_job("burden_redetermination", {"date": "2026-08-01"}, BATCH)["job_id"])
    assert after["done"] == 5
    latest = rows(engine, burden_determinations, burden_determinations.c.job_id == after["job_id"])
    assert {(d.income_year, d.ratio_percent, d.limit_category) for d in latest} == {(2025, 30, "現役並みⅠ")}
    listing = batches.target_list(after["job_id"], page_size=2)
    assert listing["title"] == "負担割合一括再判定 結果一覧" and listing["rows"] == []
    assert listing["summary"] == {"stored": 5, "changed": 5, "pending": 0}
    first = listing["households"]
    assert [(h["burden_ratio"], h["limit_category"], h["changed"], h["pending"]) for h in first] == [
        ("3割", "現役並みⅠ", True, False)
    ] * 2
    second = batches.target_list(after["job_id"], page_size=2, cursor=listing["next_cursor"])["households"]
    assert first[-1]["household_id"] < second[0]["household_id"]
    changed = events(engine, "nhi.v1.qualification.changed")[5:]
    assert len(changed) == 5 and {(e["ratio_percent_old"], e["ratio_percent_new"]) for e in changed} == {(20, 30)}
    assert {e["income_year"] for e in changed} == {2025}

    # The same day again: stored, but nothing changed, so nothing announced.
    again = wait_job(batches, batches.start_job("burden_redetermination", {"date": "2026-08-01"}, BATCH)["job_id"])
    assert len(events(engine, "nhi.v1.qualification.changed")) == 10
    assert batches.target_list(again["job_id"])["summary"] == {"stored": 0, "changed": 0, "pending": 0}


def _chunks(engine, job_id: str) -> list[tuple[int, str, str]]:
    found = rows(engine, job_chunks, job_chunks.c.job_id == job_id)
    return sorted((c.chunk_no, c.first_key, c.last_key) for c in found)


def test_a_plan_cut_short_goes_on_after_its_last_chunk_and_every_household_is_decided_once(batches, engine):
    """Chunks are published as they are cut. When a publish fails mid-plan (NATS went away) the plan message comes
    again: the chunks stored so far are published again and the cut goes on after the last of them."""
    _redetermination_city(batches, engine)
    sent: list = []
    refuse_chunk = [1]

    def dispatch(messages):
        for _subject, event in messages:
            if event.data.get("chunk_no") == refuse_chunk[0]:
                refuse_chunk[0] = None
                raise ConnectionError("NATS went away")
            sent.append(event.data)

    jobs = Jobs(batches.app, dispatch=dispatch, chunk_size=2)
    job_id = jobs.start(StartJob("burden_redetermination", date=dt.date(2026, 8, 1)), BATCH)["job_id"]
    plan = sent.pop(0)
    with pytest.raises(ConnectionError):
        jobs.handle_message(plan)
    assert [m["chunk_no"] for m in sent] == [0]
    assert _chunks(engine, job_id) == [(0, "H0000201", "H0000202"), (1, "H0000203", "H0000204")]
    cut_short = jobs.get(job_id)
    assert cut_short["state"] == "queued" and cut_short["total"] == 4

    jobs.handle_message(plan)  # delivered again
    assert [m["chunk_no"] for m in sent] == [0, 0, 1, 2]
    assert _chunks(engine, job_id) == [
        (0, "H0000201", "H0000202"),
        (1, "H0000203", "H0000204"),
        (2, "H0000205", "H0000205"),
    ]
    for message in sent:  # chunk 0 twice: the second finds itself done
        jobs.handle_message(message)
    done = jobs.get(job_id)
    assert done["state"] == "succeeded" and done["total"] == done["done"] == 5 and done["failed"] == 0
    decided = rows(engine, burden_determinations, burden_determinations.c.job_id == job_id)
    assert sorted(d.household_id for d in decided) == [f"H00002{n:02d}" for n in range(1, 6)]


def test_a_job_whose_messages_were_lost_has_its_work_not_done_offered_again_once_nothing_of_it_is_queued(
    batches, engine
):
    """A NATS server that comes back without NHI_JOBS loses the chunks queued: the job, with no progress and nothing
    of its kind on the work queue, has its plan offered again, which sends the chunks not done; the job then ends
    with every household decided once. A job whose kind has messages queued is slow, not lost, and is left alone."""
    _redetermination_city(batches, engine)
    sent: list = []
    jobs = Jobs(batches.app, dispatch=lambda messages: sent.extend(messages), chunk_size=2)
    job_id = jobs.start(StartJob("burden_redetermination", date=dt.date(2026, 8, 1)), BATCH)["job_id"]
    (_subject, plan) = sent.pop()
    jobs.handle_message(plan.data)
    assert [e.data["chunk_no"] for _s, e in sent] == [0, 1, 2]
    jobs.handle_message(sent[0][1].data)
    sent.clear()  # chunks 1 and 2 lost with the stream
    asked: list[str] = []

    def held(count):
        return lambda subject: asked.append(subject) or count

    assert jobs.reoffer_stalled(held(0), idle=dt.timedelta(hours=1)) == [] and not sent  # not idle long enough
    assert jobs.reoffer_stalled(held(1), idle=dt.timedelta(0)) == [] and not sent  # its kind is queued: slow
    assert asked == ["nhi.jobs.v1.burden_redetermination"]
    assert jobs.reoffer_stalled(held(0), idle=dt.timedelta(0)) == [job_id]
    [(subject, again)] = sent
    assert subject == "nhi.jobs.v1.burden_redetermination" and again.data == plan.data and again.id != plan.id
    sent.clear()
    jobs.handle_message(again.data)
    assert [e.data["chunk_no"] for _s, e in sent] == [1, 2]  # only the chunks not done
    for _subject, event in sent:
        jobs.handle_message(event.data)
    done = jobs.get(job_id)
    assert done["state"] == "succeeded" and done["total"] == done["done"] == 5 and done["failed"] == 0
    decided = rows(engine, burden_determinations, burden_determinations.c.job_id == job_id)
    assert sorted(d.household_id for d in decided) == [f"H00002{n:02d}" for n in range(1, 6)]
    sent.clear()
    assert jobs.reoffer_stalled(held(0), idle=dt.timedelta(0)) == [] and not sent  # an ended job is never offered


def test_a_job_does_not_end_while_its_plan_is_still_being_cut(batches, engine):
    """Workers take the first chunks while the plan goes on: all the chunks cut so far may be done before the
    last one is cut, and the job still runs until the plan is complete."""
    _redetermination_city(batches, engine)
    seen: list[tuple[int, str]] = []
    holder: dict = {}

    def dispatch(messages):
        for _subject, event in messages:
            if event.data.get("step") == "plan":
                holder["plan"] = event.data
                continue
            holder["jobs"].handle_message(event.data)  # a worker takes it at once
            seen.append((event.data["chunk_no"], holder["jobs"].get(event.data["job_id"])["state"]))

    jobs = holder["jobs"] = Jobs(batches.app, dispatch=dispatch, chunk_size=2)
    job_id = jobs.start(StartJob("burden_redetermination", date=dt.date(2026, 8, 1)), BATCH)["job_id"]
    jobs.handle_message(holder["plan"])
    assert seen == [(0, "running"), (1, "running"), (2, "running")]
    done = jobs.get(job_id)
    assert done["state"] == "succeeded" and done["total"] == done["done"] == 5 and done["finished_at"]


def test_without_nats_the_chunks_run_in_process(batches, engine):
    _redetermination_city(batches, engine)
    started = batches.start_job("burden_redetermination", {}, BATCH)
    assert started["parameters"] == {"date": "2026-11-24"}
    batches.wait(30)
    job = batches.get_job(started["job_id"])
    assert job["state"] == "succeeded" and job["done"] == job["total"] == 5 and job["finished_at"]


def test_a_plan_message_naming_another_kind_cuts_the_stored_job_into_chunks_of_its_own_kind(service, engine):
    """The chunks of a plan go to the work queue of the job as stored: a plan message that says another kind (a
    message only points at its job) does not hand them to another kind's workers."""
    add_household(engine, "H0000001", ELDER_HOUSEHOLD)
    queued: list = []
    jobs = Jobs(service.app, dispatch=queued.extend)
    job = jobs.start(StartJob("burden_redetermination", date=dt.date(2026, 8, 1)), BATCH)
    [(_subject, plan)] = queued
    jobs.handle_message({**plan.data, "kind": "age75_loss"})
    chunks = queued[1:]
    assert chunks, "the job was cut into chunks"
    assert {subject for subject, _event in chunks} == {"nhi.jobs.v1.burden_redetermination"}
    assert {event.data["kind"] for _subject, event in chunks} == {"burden_redetermination"}
    for _subject, event in chunks:
        jobs.handle_message(event.data)
    assert jobs.get(job["job_id"])["state"] == "succeeded"


def test_a_job_is_planning_until_its_plan_is_cut_and_then_its_total_is_final(service, engine):
    """GET /jobs/{id}: `planning` while the job is cut into chunks (its total still growing, no time left promised),
    then false once the plan is complete."""
    for n, birth in enumerate(["1951-12-01", "1951-12-31"], start=1):
        add_household(engine, f"H000020{n}", [(f"60000010{n}", birth, True)])
    sent: list = []
    jobs = Jobs(service.app, dispatch=sent.extend)
    job = jobs.start(StartJob("age75_loss", month="2026-12"), BATCH)
    assert job["planning"] is True and job["state"] == "queued"
    cut = 0
    for _chunk in jobs.plan(job["job_id"]):
        cut += 1
        assert jobs.get(job["job_id"])["planning"] is True  # chunks stored one by one, the plan not yet complete
    planned = jobs.get(job["job_id"])
    assert cut >= 1 and planned["state"] in ("queued", "running") and planned["total"] == 2
    assert planned["planning"] is False
