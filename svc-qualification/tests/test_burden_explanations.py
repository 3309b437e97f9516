"""Shared explanations of burden determinations (migration 0015): a result refers to a person's reasons by digest,
reads back whole, and a downgrade puts the texts back into the results; and determinations kept as the facts they
were decided on (migration 0016), explained again on reading and written whole by a downgrade."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from nhi_common import db
from nhi_devtools import testing
from nhi_qualification import bootstrap
from nhi_qualification.adapters.repositories.burden import BurdenRepository
from nhi_qualification.adapters.tables import burden_determinations, burden_explanations
from nhi_qualification.domain.burden import determine_burden
from nhi_qualification.domain.burden_facts import HouseholdMember, IncomeFacts
from nhi_qualification.domain.explanations import facts_text
from nhi_qualification.service_layer.burden import decision_json, explained, shared_decision_json

DAY = dt.date(2026, 8, 1)


def _decided(n: int, birth: dt.date):
    pid = f"7{n:08d}"
    members = [HouseholdMember(pid, birth, True, False, True)]
    incomes = {pid: IncomeFacts(pid, 2025, 0, 800_000, 0, False, 0, 0)}
    return determine_burden(as_of=DAY, members=members, incomes=incomes), {pid: birth}


def _row(n: int, text: str, decision) -> dict:
    return {
        "determination_id": f"d-{n}",
        "household_id": f"H{n:08d}",
        "as_of": DAY,
        "income_year": decision.income_year,
        "ratio_percent": decision.ratio_percent,
        "limit_category": decision.limit_category,
        "pending": decision.pending,
        "result": text,
        "business_date": DAY,
        "operator_id": "test",
        "job_id": None,
        "recorded_at": dt.datetime.now(dt.timezone.utc),
        "changed": True,
    }


@pytest.mark.parametrize("backend", testing.backends())
def test_shared_explanations_read_back_whole_and_a_downgrade_puts_them_back(backend, tmp_path):
    with testing.database(backend, tmp_path, "explanations") as (url, schema):
        engine = db.make_engine(url, schema=schema)
        try:
            db.migrate(engine, bootstrap.MIGRATIONS)
            whole, shared, fragments = {}, {}, {}
            with engine.begin() as conn:
                repo = BurdenRepository(conn)
                rows = []
                for n in range(3):  # two born on the same day: one explanation for both
                    decision, births = _decided(n, dt.date(1954, 3, 3) if n < 2 else dt.date(1955, 5, 5))
                    whole[n] = decision_json(decision, f"H{n:08d}", f"d-{n}", births, {})
                    shared[n] = shared_decision_json(decision, f"H{n:08d}", f"d-{n}", births, fragments)
                    rows.append(_row(n, shared[n], decision))
                # A result stored whole before the migration reads as it was.
                decision, births = _decided(9, dt.date(1953, 1, 1))
                whole[9] = decision_json(decision, f"H{9:08d}", "d-9", births, {})
                rows.append(_row(9, whole[9], decision))
                repo.share_explanations(dict(fragments.values()))
                repo.share_explanations(dict(fragments.values()))  # kept once, whoever comes second
                repo.add_determinations(rows)
            with engine.connect() as conn:
                assert conn.execute(sa.select(sa.func.count()).select_from(burden_explanations)).scalar() == 2
                stored = conn.execute(sa.select(burden_determinations).order_by(burden_determinations.c.seq)).all()
                assert all(len(r.result) < len(whole[int(r.determination_id[2:])]) for r in stored[:3])
                read = BurdenRepository(conn).resolved(stored)
            assert {r.determination_id: r.result for r in read} == {f"d-{n}": whole[n] for n in whole}

            config = Config()
            config.set_main_option("script_location", str(bootstrap.MIGRATIONS))
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.downgrade(config, "0014")
            with engine.connect() as conn:
                results = dict(
                    conn.execute(
                        sa.select(burden_determinations.c.determination_id, burden_determinations.c.result)
                    ).all()
                )
                assert not sa.inspect(conn).has_table("burden_explanations")
            assert results == {f"d-{n}": whole[n] for n in whole}
        finally:
            engine.dispose()


@pytest.mark.parametrize("backend", testing.backends())
def test_a_determination_kept_as_its_facts_reads_whole_and_a_downgrade_writes_it_whole(backend, tmp_path):
    with testing.database(backend, tmp_path, "facts") as (url, schema):
        engine = db.make_engine(url, schema=schema)
        try:
            db.migrate(engine, bootstrap.MIGRATIONS)
            pid, birth = "700000001", dt.date(1954, 3, 3)
            members = [HouseholdMember(pid, birth, True, False, True), HouseholdMember("700000002", birth, False, True)]
            incomes = {
                pid: IncomeFacts(pid, 2025, 2_000_000, 3_000_000, 2_000_000, False, None, None),
                "700000002": IncomeFacts("700000002", 2025, None, 1_000_000, None, False, None, None),
            }
            decision = determine_burden(as_of=DAY, members=members, incomes=incomes)
            whole = decision_json(decision, "H00000001", "d-1", {pid: birth, "700000002": birth}, {})
            with engine.begin() as conn:
                BurdenRepository(conn).add_determinations(
                    [{**_row(1, "", decision), "facts": facts_text(members, incomes)}]
                )
            with engine.connect() as conn:
                stored = conn.execute(sa.select(burden_determinations)).all()
            assert stored[0].result == "" and len(stored[0].facts) < len(whole) / 4
            assert [r.result for r in explained(stored)] == [whole]

            config = Config()
            config.set_main_option("script_location", str(bootstrap.MIGRATIONS))
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.downgrade(config, "0015")
            with engine.connect() as conn:
                results = conn.execute(sa.text("SELECT determination_id, result FROM burden_determinations")).all()
                assert "facts" not in {c["name"] for c in sa.inspect(conn).get_columns("burden_determinations")}
            assert [tuple(r) for r in results] == [("d-1", whole)]
        finally:
            engine.dispose()
