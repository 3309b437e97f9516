"""Income facts at the spec's maxItems in one set-based write, once per operator and Idempotency-Key.

SQLite always, PostgreSQL too when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa
from clients import Batches

from nhi_common.plumbing import utcnow
from nhi_qualification.adapters.tables import PLUMBING, households, income_facts, persons
from nhi_qualification.domain.errors import IdempotencyReuse, NotFound
from nhi_qualification.service_layer.context import Actor

CLERK = Actor("clerk-01", idempotency_key="facts-1")
OTHER_CLERK = Actor("clerk-02", idempotency_key="facts-1")
PERSONS = 1000
YEARS = range(2016, 2026)  # 1,000 persons x 10 years = the 10,000 facts of the spec's maxItems


@pytest.fixture
def batches(service, engine):
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            sa.insert(households),
            [
                {
                    "household_id": "H0000001",
                    "head_person_id": "P00000",
                    "symbol": "みどり",
                    "number": "1",
                    "updated_at": now,
                }
            ],
        )
        conn.execute(
            sa.insert(persons),
            [
                {
                    "person_id": f"P{n:05d}",
                    "household_id": "H0000001",
                    "name_kanji": "試験",
                    "name_kana": "シケン",
                    "birth_date": dt.date(1960, 1, 1),
                    "sex": "1",
                    "listing_order": n + 1,
                    "updated_at": now,
                }
                for n in range(PERSONS)
            ],
        )
    return Batches(service.app)


def fact(person_id: str, year: int, taxable: int) -> dict:
    return {"person_id": person_id, "income_year": year, "taxable_income": taxable, "gross_income": 1_000_000}


def stored(engine) -> dict[tuple[str, int], int]:
    with engine.connect() as conn:
        return {(r.person_id, r.income_year): r.taxable_income for r in conn.execute(sa.select(income_facts))}


def audit_count(engine) -> int:
    audit = PLUMBING["audit_log"]
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(audit).where(audit.c.action == "income.recorded"))


def test_ten_thousand_facts_are_kept_in_a_handful_of_statements(batches, engine):
    facts = [fact(f"P{n:05d}", year, n * 1000 + year) for n in range(PERSONS) for year in YEARS]
    statements = []

    def count(conn, cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert batches.record_income_facts(facts, CLERK) == 10_000
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(stored(engine)) == 10_000
    # one look-up per 1,000 persons, one upsert sent in the driver's batches, the audit row, the idempotency key
    assert len(statements) <= 40, len(statements)


def test_a_replayed_key_answers_the_first_result_and_records_nothing_again(batches, engine):
    first = batches.record_income_facts([fact("P00001", 2025, 100)], CLERK)
    again = batches.record_income_facts([fact("P00001", 2025, 100)], CLERK)
    assert first == again == 1
    assert audit_count(engine) == 1
    with pytest.raises(IdempotencyReuse):
        batches.record_income_facts([fact("P00001", 2025, 999)], CLERK)
    assert stored(engine) == {("P00001", 2025): 100}


def test_another_operator_with_the_same_key_gets_a_key_of_its_own(batches, engine):
    batches.record_income_facts([fact("P00001", 2025, 100)], CLERK)
    assert batches.record_income_facts([fact("P00002", 2025, 200)], OTHER_CLERK) == 1
    assert stored(engine) == {("P00001", 2025): 100, ("P00002", 2025): 200}
    assert audit_count(engine) == 2


def test_the_later_of_two_facts_of_one_person_and_year_is_kept(batches, engine):
    keyless = dataclasses.replace(CLERK, idempotency_key="")
    assert batches.record_income_facts([fact("P00001", 2025, 100), fact("P00001", 2025, 300)], keyless) == 1
    assert stored(engine) == {("P00001", 2025): 300}


def test_an_unknown_person_records_none_of_the_facts(batches, engine):
    with pytest.raises(NotFound) as refused:
        batches.record_income_facts([fact("P00001", 2025, 100), fact("nobody", 2025, 1)], CLERK)
    assert refused.value.key == "nobody"
    assert stored(engine) == {}
    assert batches.record_income_facts([fact("P00001", 2025, 100)], CLERK) == 1  # the key was not used up
