"""Pension, welfare and income in, the 国保資格不整合一覧 found and resolved: the service layer on a real database, with
svc-qualification faked at its port (coverage facts as the CSV columns of ExportCoverageFacts)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from nhi_common import offering, progress
from nhi_common.errors import DomainError, IdempotencyReuse
from nhi_integration.adapters.feed_store import SqlFeedStore
from nhi_integration.adapters.feed_tables import integration_jobs
from nhi_integration.adapters.store import SqlStore
from nhi_integration.domain.income import parse_income
from nhi_integration.domain.inconsistency import age75_cutoff
from nhi_integration.domain.resident import InvalidChange
from nhi_integration.entrypoints.feed_grpc import to_job
from nhi_integration.service_layer.feed_imports import FeedImports
from nhi_integration.service_layer.income import IncomeIntake
from nhi_integration.service_layer.inconsistency import Inconsistencies
from nhi_integration.service_layer.jobs import Jobs
from nhi_integration.service_layer.pension import PensionIntake
from nhi_integration.service_layer.welfare import WelfareIntake

DAY = dt.date(2026, 12, 6)
COLUMNS = [
    "person_id",
    "household_id",
    "name_kanji",
    "birth_date",
    "resident_status",
    "insured",
    "acquired_on",
    "residence_expires_on",
    "residence_excluded",
    "dv_support",
]


def person(pid, *, status="resident", insured=True, birth="1980-01-01", expires="", excluded="0"):
    return [pid, "H" + pid, f"試験 {pid}", birth, status, "1" if insured else "0", "2020-04-01" if insured else "",
            expires, excluded, "0"]  # fmt: skip


class FakeQualification:
    def __init__(self) -> None:
        self.rows: dict[str, list[str]] = {}
        self.incomes: list = []
        self.determined: list[str] = []
        self.decisions: dict[str, dict] = {}
        self.dv: set[str] = set()  # under a DV support measure on the business date
        self.screened: list[tuple[list[str], str]] = []

    def hidden_persons(self, caller, person_ids, listing):
        self.screened.append((sorted(person_ids), listing))
        return set() if "dv:read" in caller["scopes"] else self.dv & set(person_ids)

    def record_incomes(self, records, *, idempotency_key):
        self.incomes += records
        return len(records)

    def households_of(self, person_ids):
        return {p: "H" + p for p in person_ids}

    def determine_burden(self, household_id, *, idempotency_key):
        self.determined.append(household_id)
        return {"household_id": household_id, "ratio_percent": 20, "limit_category": "", "pending": True}

    def coverage_pages(self, day, *, person_ids=None):
        ids = sorted(person_ids if person_ids is not None else self.rows)
        index = {c: i for i, c in enumerate(COLUMNS)}
        rows = [self.rows[p] for p in ids if p in self.rows]
        yield index, rows[:2]
        yield index, rows[2:]

    def decision(self, change_id):
        return self.decisions.get(change_id)


@pytest.fixture
def world(engine):
    qualification = FakeQualification()
    store = SqlFeedStore(engine)
    inconsistencies = Inconsistencies(store=store, qualification=qualification)
    pension = PensionIntake(store=store, inconsistencies=inconsistencies)
    income = IncomeIntake(store=store, qualification=qualification)
    welfare = WelfareIntake(store=store, inconsistencies=inconsistencies)
    imports = FeedImports(imports=SqlStore(engine), income=income, pension=pension, welfare=welfare)
    jobs = Jobs(store=store, inconsistencies=inconsistencies, spawn=lambda work: work())
    return qualification, inconsistencies, pension, income, imports, jobs


def test_an_unknown_kyu_tadashigaki_income_stays_unknown_never_zero():
    record = parse_income(
        {"record_id": "t-1", "person_id": "100001", "income_year": 2025, "taxable_income": 0, "non_taxed": False}
    )
    assert record.kyu_tadashigaki_income is None and record.gross_income is None
    assert record.amounts() == {"taxable_income": 0}


def test_a_malformed_income_names_every_field():
    with pytest.raises(InvalidChange) as caught:
        parse_income({"record_id": "t-1", "person_id": "x1", "income_year": 1800, "gross_income": -5})
    assert {p.field for p in caught.value.problems} == {"person_id", "income_year", "gross_income"}


@pytest.mark.parametrize(
    ("record", "field", "message"),
    [
        ({"person_id": "100001\n"}, "person_id", "must not contain control characters"),
        ({"person_id": "1000\x0001"}, "person_id", "must not contain control characters"),
        ({"record_id": "t-1\n"}, "record_id", "must not contain control characters"),
        ({"record_id": "t 1"}, "record_id", "may hold only letters, digits and _.:- (at most 100)"),
    ],
)
def test_an_income_id_with_a_line_feed_or_a_control_character_is_refused_naming_it(record, field, message):
    with pytest.raises(InvalidChange) as caught:
        parse_income({"record_id": "t-1", "person_id": "100001", "income_year": 2025, **record})
    assert {p.field: p.message for p in caught.value.problems} == {field: message}


def test_the_75th_birthday_of_a_leap_day_child_is_1_march():
    assert age75_cutoff(dt.date(2026, 3, 1)) == "1951-03-01"
    assert age75_cutoff(dt.date(2028, 2, 29)) == "1953-02-28"
    assert "1952-02-29" <= age75_cutoff(dt.date(2027, 3, 1))  # born 1952-02-29: 75 on 2027-03-01
    assert not "1952-02-29" <= age75_cutoff(dt.date(2027, 2, 28))


def test_income_is_recorded_as_given_and_the_household_re_decided(world):
    qualification, _inc, _pension, income, _imports, _jobs = world
    record = parse_income({"record_id": "t-2", "person_id": "100002", "income_year": 2025, "non_taxed": False})
    first = income.receive([record], receipt_key="evt-1")
    again = income.receive([record], receipt_key="evt-1")
    assert first["determinations"][0]["pending"] is True and again["duplicate"] is True
    assert qualification.determined == ["H100002"] and qualification.incomes[0].kyu_tadashigaki_income is None


def test_each_kind_is_found_by_the_population_job_and_resolved_by_its_correction(world):
    qualification, inconsistencies, pension, _income, _imports, jobs = world
    qualification.rows = {
        "200001": person("200001", status="moved_out"),
        "200002": person("200002", status="dead"),
        "200003": person("200003"),
        "200004": person("200004", birth="1951-01-10"),
        "200005": person("200005", expires="2026-11-30"),
        "200006": person("200006", excluded="1"),
        "200007": person("200007", insured=False),
        "200008": person("200008"),  # consistent
    }
    pension_changes = [
        {"change_id": "p-1", "person_id": "200003", "event": "changed", "category": "2", "changed_on": "2026-10-01"},
        {"change_id": "p-2", "person_id": "200007", "event": "acquired", "category": "1", "changed_on": "2026-10-01"},
        {"change_id": "p-3", "person_id": "200008", "event": "acquired", "category": "1", "changed_on": "2026-10-01"},
    ]
    content = "\n".join(json.dumps(c) for c in pension_changes).encode()
    imported = _imports_of(world).import_file(
        source="pension", file_name="p.jsonl", content=content, partial=False, operator_id="batch-01", day=DAY
    )
    assert imported["applied"] == 3
    job = jobs.start("inconsistency_check", {}, operator_id="batch-01", today=DAY)
    assert jobs.get(job["job_id"])["state"] == "succeeded" and jobs.get(job["job_id"])["done"] == 8
    rows, _ = inconsistencies.list(state="open", kind="", person_id="", page=_page())
    kinds = {r["person_id"]: r["kind"] for r in rows}
    assert kinds == {
        "200001": "insured_not_resident",
        "200002": "insured_dead",
        "200003": "pension_employee_insured",
        "200004": "insured_aged_75",
        "200005": "residence_expired",
        "200006": "residence_excluded",
        "200007": "uncovered_resident",
    }
    assert all(r["action"] and r["mismatch"] and r["rule"] for r in rows)
    # A second run finds the same, adding nothing.
    jobs.start("inconsistency_check", {}, operator_id="batch-01", today=DAY)
    assert len(inconsistencies.list(state="open", kind="", person_id="", page=_page())[0]) == 7

    dead = next(r for r in rows if r["kind"] == "insured_dead")
    qualification.decisions["chg-dead"] = {"decision_id": "chg-dead", "person_ids": ["200002"]}
    with pytest.raises(DomainError) as caught:  # not fixed yet
        inconsistencies.resolve(dead["inconsistency_id"], change_id="chg-dead", note="", operator_id="c-1", day=DAY)
    assert caught.value.field == "change_id" and caught.value.rule == "LOSS-DEATH"
    qualification.rows["200002"] = person("200002", status="dead", insured=False)
    resolved = inconsistencies.resolve(
        dead["inconsistency_id"], change_id="chg-dead", note="死亡日で喪失", operator_id="c-1", day=DAY
    )
    assert (resolved["state"], resolved["change_id"], resolved["resolved_by"]) == ("resolved", "chg-dead", "c-1")
    assert resolved["resolved_at"]
    assert [r["person_id"] for r in inconsistencies.list(state="resolved", kind="", person_id="", page=_page())[0]] == [
        "200002"
    ]
    with pytest.raises(DomainError) as caught:
        inconsistencies.resolve(dead["inconsistency_id"], change_id="chg-dead", note="", operator_id="c", day=DAY)
    assert caught.value.code == "ALREADY_RESOLVED"


@pytest.mark.parametrize("kind", ["inconsistency_check", "outbound_files"])
@pytest.mark.parametrize("date", ["0026-12-06", "2025-12-04", "2027-12-08", "9999-12-31"])
def test_a_job_for_a_day_more_than_a_year_from_the_business_date_is_refused_naming_the_field(world, kind, date):
    *_rest, jobs = world
    with pytest.raises(DomainError) as refused:
        jobs.start(kind, {"date": date}, operator_id="batch-01", today=DAY)
    assert (refused.value.field, refused.value.code) == ("parameters.date", "DATE_OUT_OF_RANGE")
    with jobs.store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(integration_jobs)).scalar_one() == 0  # none queued
    for near in ("2025-12-05", "2027-12-07"):  # a year (and a leap day) either way
        jobs.start(kind, {"date": near}, operator_id="batch-01", today=DAY)
    with jobs.store.engine.connect() as conn:
        days = conn.execute(sa.select(integration_jobs.c.business_date).order_by(integration_jobs.c.business_date))
        assert [str(d) for (d,) in days] == ["2025-12-05", "2027-12-07"]


def test_a_dv_persons_findings_are_listed_only_to_a_caller_svc_qualification_lets_see_them(world):
    qualification, inconsistencies, _pension, _income, _imports, jobs = world
    qualification.rows = {p: person(p, status="dead") for p in ("400001", "400002")}
    qualification.dv = {"400002"}
    jobs.start("inconsistency_check", {}, operator_id="batch-01", today=DAY)

    def listed(scopes: tuple[str, ...], person_id: str = "") -> list[str]:
        rows, _ = inconsistencies.list(
            state="open", kind="", person_id=person_id, page=_page(), caller={"scopes": scopes}
        )
        return [r["person_id"] for r in rows]

    assert listed(()) == ["400001"]
    assert listed((), person_id="400002") == []
    assert listed(("dv:read",)) == ["400001", "400002"]
    assert qualification.screened[0] == (["400001", "400002"], "integration.inconsistencies")
    assert len(inconsistencies.list(state="open", kind="", person_id="", page=_page())[0]) == 2  # its own read


def test_a_pension_change_checks_that_person_at_once(world):
    qualification, inconsistencies, pension, _income, _imports, _jobs = world
    qualification.rows = {"300001": person("300001")}
    from nhi_integration.domain.pension import parse_pension_change

    change = parse_pension_change(
        {"change_id": "p-9", "person_id": "300001", "event": "changed", "category": "3", "changed_on": "2026-11-01"}
    )
    assert pension.receive([change], receipt_key="evt-9", day=DAY) == {"kept": 1, "findings": 1}
    rows, _ = inconsistencies.list(state="open", kind="", person_id="300001", page=_page())
    assert rows[0]["kind"] == "pension_employee_insured" and rows[0]["source"] == "pension"


def test_a_malformed_file_is_reported_by_line_and_field_and_imports_nothing_unless_partial(world):
    qualification, *_ = world
    imports = _imports_of(world)
    content = (
        "record_id,person_id,income_year,taxable_income,total_income,kyu_tadashigaki_income,gross_income,"
        "public_pension_income,non_taxed\n"
        "r-1,400001,2025,1500000,2000000,,3000000,,false\n"
        "r-2,400002,20x5,,,,,,\n"
        "r-3,400003,2025,,,,,,maybe\n"
    ).encode()
    whole = imports.import_file(
        source="income", file_name="i.csv", content=content, partial=False, operator_id="b", day=DAY
    )
    assert whole["state"] == "rejected" and whole["applied"] == 0 and qualification.incomes == []
    assert [(e["line"], e["field"]) for e in whole["errors"]] == [(3, "income_year"), (4, "non_taxed")]
    partial = imports.import_file(
        source="income", file_name="i.csv", content=content, partial=True, operator_id="b", day=DAY
    )
    assert partial["state"] == "processed" and partial["applied"] == 1 and partial["rejected"] == 2
    assert (
        qualification.incomes[0].kyu_tadashigaki_income is None and qualification.incomes[0].taxable_income == 1500000
    )


def test_welfare_periods_from_a_csv_file_are_found_by_the_population_job_and_resolved_by_the_loss(world):
    qualification, inconsistencies, _pension, _income, imports, jobs = world
    qualification.rows = {
        "500001": person("500001"),  # protected since 2026-11-01, still insured: LOSS-WELFARE
        "500002": person("500002", insured=False),  # protection ended, nothing recorded: ACQ-WELFARE-END
        "500003": person("500003", insured=False),  # 1号 but protected: rightly not insured
        "500004": person("500004"),  # protection starts after the business date: nothing yet
        "500005": person("500005"),  # the period was withdrawn (ends on its start)
    }
    content = (
        "\ufeffchange_id,person_id,started_on,ended_on,reason\n"
        "w-1,500001,2026-11-01,,保護開始\n"
        "w-2,500002,2024-06-01,2026-10-15,保護廃止\n"
        "w-3,500003,2025-04-01,,\n"
        "w-4,500004,2026-12-20,,\n"
        "w-5,500005,2026-11-01,,\n"
        "w-6,500005,2026-11-01,2026-11-01,保護開始の取消\n"
    ).encode()
    imported = imports.import_file(
        source="welfare", file_name="w.csv", content=content, partial=False, operator_id="batch-01", day=DAY
    )
    assert (imported["state"], imported["applied"], imported["errors"]) == ("processed", 6, [])
    pension_file = (
        '{"change_id": "p-1", "person_id": "500003", "event": "acquired", "category": "1", "changed_on": "2025-04-01"}\n'
    ).encode()
    imports.import_file(
        source="pension", file_name="p.jsonl", content=pension_file, partial=False, operator_id="b", day=DAY
    )
    job = jobs.start("inconsistency_check", {}, operator_id="batch-01", today=DAY)
    assert jobs.get(job["job_id"])["state"] == "succeeded"
    rows, _ = inconsistencies.list(state="open", kind="", person_id="", page=_page())
    found = {r["person_id"]: (r["kind"], r["rule"], r["other_status"]) for r in rows}
    assert found == {
        "500001": ("welfare_insured", "LOSS-WELFARE", "生活保護 2026-11-01開始"),
        "500002": ("welfare_ended_uncovered", "ACQ-WELFARE-END", "生活保護 2026-10-15廃止"),
    }
    insured = next(r for r in rows if r["kind"] == "welfare_insured")
    assert insured["action"] == "保護開始日で資格喪失の訂正（2.2）" and insured["source"] == "welfare"

    # The welfare start dates the loss the same day (LOSS-WELFARE): once recorded, the finding is resolved by it.
    qualification.decisions["chg-welfare"] = {"decision_id": "chg-welfare", "person_ids": ["500001"]}
    with pytest.raises(DomainError) as caught:
        inconsistencies.resolve(insured["inconsistency_id"], change_id="chg-welfare", note="", operator_id="c", day=DAY)
    assert caught.value.code == "STILL_INCONSISTENT" and caught.value.rule == "LOSS-WELFARE"
    qualification.rows["500001"] = person("500001", insured=False)
    resolved = inconsistencies.resolve(
        insured["inconsistency_id"], change_id="chg-welfare", note="保護開始で喪失", operator_id="c-1", day=DAY
    )
    assert (resolved["state"], resolved["change_id"]) == ("resolved", "chg-welfare")

    # When the protection starts on a later day, the job of that day finds it.
    jobs.start("inconsistency_check", {}, operator_id="batch-01", today=dt.date(2026, 12, 20))
    assert [r["kind"] for r in inconsistencies.list(state="open", kind="", person_id="500004", page=_page())[0]] == [
        "welfare_insured"
    ]


def test_a_welfare_period_checks_that_person_at_once_and_its_end_is_kept(world):
    qualification, inconsistencies, _pension, _income, imports, _jobs = world
    qualification.rows = {"600001": person("600001")}
    content = b'{"change_id": "w-9", "person_id": "600001", "started_on": "2026-11-10"}\n'
    imports.import_file(source="welfare", file_name="w.jsonl", content=content, partial=False, operator_id="b", day=DAY)
    [row] = inconsistencies.list(state="open", kind="", person_id="600001", page=_page())[0]
    assert (row["kind"], row["source"]) == ("welfare_insured", "welfare")

    # The same period ended on 2026-12-01 (its 廃止日): the person, not insured, is now to be invited to join.
    from nhi_integration.domain.welfare import parse_welfare_record

    ended = parse_welfare_record(
        {"change_id": "w-10", "person_id": "600001", "started_on": "2026-11-10", "ended_on": "2026-12-01"}
    )
    qualification.rows["600001"] = person("600001", insured=False)
    welfare = WelfareIntake(store=inconsistencies.store, inconsistencies=inconsistencies)
    assert welfare.receive([ended], receipt_key="evt-w10", day=DAY) == {"kept": 1, "findings": 1}
    assert welfare.receive([ended], receipt_key="evt-w10", day=DAY) == {"kept": 0, "findings": 0}  # once per id
    kinds = [r["kind"] for r in inconsistencies.list(state="open", kind="", person_id="600001", page=_page())[0]]
    assert kinds == ["welfare_insured", "welfare_ended_uncovered"]  # the first stays open until resolved


def test_a_malformed_welfare_file_names_line_and_field_and_imports_nothing_unless_partial(world):
    qualification, inconsistencies, _pension, _income, imports, _jobs = world
    qualification.rows = {"700001": person("700001")}
    content = (
        "change_id,person_id,started_on,ended_on\n"
        "w-1,700001,2026-11-01,\n"
        "w-2,70000x,2026-11-01,\n"
        "w-3,700003,2026-11-01,2026-10-01\n"
        "w-4,700004,,\n"
    ).encode()
    whole = imports.import_file(
        source="welfare", file_name="w.csv", content=content, partial=False, operator_id="b", day=DAY
    )
    assert (whole["state"], whole["applied"]) == ("rejected", 0)
    assert [(e["line"], e["field"]) for e in whole["errors"]] == [(3, "person_id"), (4, "ended_on"), (5, "started_on")]
    assert inconsistencies.list(state="open", kind="", person_id="", page=_page())[0] == []
    partial = imports.import_file(
        source="welfare", file_name="w.csv", content=content, partial=True, operator_id="b", day=DAY
    )
    assert (partial["state"], partial["applied"], partial["rejected"]) == ("processed", 1, 3)
    assert [r["person_id"] for r in inconsistencies.list(state="open", kind="", person_id="", page=_page())[0]] == [
        "700001"
    ]


def test_after_welfare_ends_a_2go_or_3go_pension_member_is_not_taken_as_uncovered():
    from nhi_integration.domain.inconsistency import compare
    from nhi_integration.domain.welfare import WelfareStatus

    index = {c: i for i, c in enumerate(COLUMNS)}
    rows = [person(p, insured=False) for p in ("800001", "800002", "800003")]
    ended = WelfareStatus("2024-06-01", "2026-10-15")
    welfare = {"800001": ended, "800002": ended, "800003": ended}
    found = compare(rows, index, {"800002": "2", "800003": "1"}, DAY, welfare)
    assert [(f.person_id, f.kind) for f in found] == [
        ("800001", "welfare_ended_uncovered"),
        ("800003", "uncovered_resident"),
    ]


def test_welfare_status_on_a_day_is_the_covering_period_else_the_latest_ended():
    from nhi_integration.domain.welfare import status_on

    d = dt.date
    periods = [
        ("1", d(2020, 1, 1), d(2021, 1, 1)),
        ("1", d(2023, 5, 1), None),
        ("2", d(2020, 1, 1), d(2021, 1, 1)),
        ("2", d(2022, 1, 1), d(2023, 1, 1)),
        ("3", d(2026, 12, 1), d(2026, 12, 6)),  # the 廃止日 is the first unprotected day
        ("4", d(2027, 1, 1), None),
    ]
    status = status_on(periods, d(2026, 12, 6))
    assert {p: (s.started_on, s.ended_on, s.protected) for p, s in status.items()} == {
        "1": ("2023-05-01", "", True),
        "2": ("2022-01-01", "2023-01-01", False),
        "3": ("2026-12-01", "2026-12-06", False),
    }
    assert status_on(periods, d(2026, 12, 5))["3"].protected


def _imports_of(world):
    return world[4]


def _page():
    from nhi_common import paging

    return paging.parse(100, "")


def test_a_job_whose_process_is_gone_ends_failed_and_a_job_that_beats_is_left_to_run(world, engine):
    """A job runs in a thread of the service: killed or redeployed, the process leaves it queued or running. The
    running job beats its heartbeat; one silent for two minutes ends failed saying it was interrupted, while one
    whose heartbeat is recent runs on, however old it is."""
    _q, inconsistencies, _pension, _income, _imports, jobs = world
    ran = jobs.start("inconsistency_check", {}, operator_id="batch-01", today=DAY)
    assert jobs.get(ran["job_id"])["heartbeat_at"] is not None  # beaten while it ran
    dead = Jobs(store=jobs.store, inconsistencies=inconsistencies, spawn=lambda work: None)  # never runs: killed
    lost = dead.start("inconsistency_check", {}, operator_id="batch-01", today=DAY)["job_id"]
    alive = dead.start("outbound_files", {}, operator_id="batch-01", today=DAY)["job_id"]
    assert jobs.fail_abandoned() == []  # queued a moment ago

    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(sa.update(integration_jobs).values(created_at=now - dt.timedelta(minutes=10)))
        conn.execute(
            sa.update(integration_jobs)
            .where(integration_jobs.c.job_id == alive)
            .values(state="running", heartbeat_at=now - dt.timedelta(seconds=20))
        )
    assert jobs.fail_abandoned() == [lost]
    failed = jobs.get(lost)
    assert failed["state"] == "failed" and failed["finished_at"] is not None
    assert failed["error"].startswith("interrupted: the process running it stopped")
    assert jobs.get(alive)["state"] == "running" and jobs.get(ran["job_id"])["state"] == "succeeded"
    assert jobs.fail_abandoned() == []  # an ended job is never ended again


def test_the_silence_that_ends_a_job_is_the_configured_one_and_its_error_says_so(world, engine):
    """NHI_JOB_ABANDONED_SECONDS: with 4 s, a running job silent for 2 s runs on and one silent for 6 s ends failed,
    its error naming the 4 s (the real clock: a margin either side)."""
    _q, inconsistencies, _pension, _income, _imports, running = world
    jobs = Jobs(
        store=running.store,
        inconsistencies=inconsistencies,
        spawn=lambda work: None,
        abandonment=offering.abandonment_setting(4),
    )
    quiet, silent = (jobs.start("inconsistency_check", {}, operator_id="batch-01", today=DAY)["job_id"] for _ in "ab")
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        for job_id, silence in ((quiet, 2), (silent, 6)):
            conn.execute(
                sa.update(integration_jobs)
                .where(integration_jobs.c.job_id == job_id)
                .values(
                    state="running",
                    created_at=now - dt.timedelta(minutes=1),
                    heartbeat_at=now - dt.timedelta(seconds=silence),
                )
            )
    assert jobs.fail_abandoned() == [silent]
    assert jobs.get(silent)["error"] == (
        "interrupted: the process running it stopped (no heartbeat for 4 s); start the job again"
    )
    assert jobs.get(quiet)["state"] == "running"


def test_a_job_started_again_with_the_same_idempotency_key_is_the_job_it_queued_and_runs_once(world):
    """POST /jobs retried (a timeout, a CronJob's retry): the operator's key answers the job it queued and starts
    nothing; the same key with another request is refused; another operator's key of the same spelling is theirs."""
    _q, inconsistencies, _pension, _income, _imports, running = world
    spawned: list = []
    jobs = Jobs(store=running.store, inconsistencies=inconsistencies, spawn=spawned.append)

    def start(operator: str, parameters: dict, fingerprint: bytes = b"request-1"):
        return jobs.start(
            "inconsistency_check",
            parameters,
            operator_id=operator,
            today=DAY,
            idempotency_key="nightly-1",
            fingerprint=fingerprint,
        )

    first = start("batch-01", {})
    again = start("batch-01", {})
    assert again["job_id"] == first["job_id"] and len(spawned) == 1
    with pytest.raises(IdempotencyReuse):
        start("batch-01", {"date": DAY.isoformat()}, fingerprint=b"request-2")
    theirs = start("batch-02", {})
    assert theirs["job_id"] != first["job_id"] and len(spawned) == 2


def test_a_running_job_whose_total_is_not_known_yet_promises_no_time_left(world):
    """The whole-population check learns its total a page at a time: while it runs it is `planning` (GET /jobs/{id}
    answers eta_seconds null, not 0 as total = done made it), and once it ended its total is the persons compared."""
    _q, _inconsistencies, _pension, _income, _imports, jobs = world
    paused = Jobs(store=jobs.store, inconsistencies=jobs.inconsistencies, spawn=lambda work: None)
    job_id = paused.start("inconsistency_check", {}, operator_id="batch-01", today=DAY)["job_id"]
    paused._update(job_id, state="running", done=20_000, total=20_000)  # a first page compared
    running = to_job(paused.get(job_id))
    job = {"state": running.state, "planning": running.planning, "total": running.total, "done": running.done}
    assert job["planning"] is True
    assert progress.eta_seconds({**job, "created_at": running.created_at}) is None
    done = to_job(jobs.get(jobs.start("inconsistency_check", {}, operator_id="batch-01", today=DAY)["job_id"]))
    assert (done.state, done.planning) == ("succeeded", False)
