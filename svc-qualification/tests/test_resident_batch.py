"""A batch of resident changes applied in one call stores exactly what the same changes applied one at a time store:
the batch reads households, members, periods and statuses once and keeps them, claims its changes together and
appends its audit rows together, and none of that may change an outcome, a version, a number or a row."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
import sqlalchemy as sa
from clients import Qualification

from nhi_devtools import testing
from nhi_qualification import bootstrap
from nhi_qualification.adapters.deferred import ChangedMeanwhile
from nhi_qualification.adapters.tables import metadata
from nhi_qualification.domain.errors import RuleViolation
from nhi_qualification.service_layer.context import Actor

REGISTRY = Actor("integration")
CLERK = Actor("clerk-01")
KEY = base64.b64encode(b"k" * 32).decode()
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# What differs between two runs whatever the batching: the clock and generated ids.
VOLATILE = {"updated_at", "recorded_at", "processed_at", "occurred_at", "created_at", "ce_time", "event_id", "seq"}
VOLATILE |= {"prev_hash", "row_hash", "traceparent", "published_at", "item_id", "my_number_hash", "my_number_cipher"}


@pytest.fixture(params=testing.backends())
def services(request, tmp_path):
    with (
        testing.migrated_engine(request.param, tmp_path, "batched", bootstrap.MIGRATIONS) as one,
        testing.migrated_engine(request.param, tmp_path, "single", bootstrap.MIGRATIONS) as other,
    ):
        yield [
            (
                Qualification(
                    bootstrap.make_app(
                        engine,
                        mynumber_key=KEY,
                        insurer_number="139998",
                        insured_symbol="みどり",
                        business_date=dt.date(2026, 11, 24),
                    )
                ),
                engine,
            )
            for engine in (one, other)
        ]


def person(pid: str, birth: str, relationship: str = "子", order: int = 1, name: str = "髙橋 一") -> dict:
    return {
        "person_id": pid,
        "name_kanji": name,
        "name_kana": "タカハシ ハジメ",
        "birth_date": birth,
        "sex": "1",
        "relationship": relationship,
        "listing_order": order,
    }


def change(change_id: str, kind: str, household: str, head: str, people: list[dict], day: str = "2026-11-20") -> dict:
    return {
        "change_id": change_id,
        "change_kind": kind,
        "event_date": day,
        "notified_on": day,
        "household_id": household,
        "head_person_id": head,
        "address": {"postal_code": "399-0101", "address": f"みどり市若葉町{change_id}"},
        "persons": people,
    }


def prepare(service) -> None:
    """H1: two insured; H2: a resident not insured (waiting at the counter); H3: one insured."""
    service.apply_resident_changes(
        [
            change(
                "m1",
                "move_in",
                "H1",
                "P1",
                [person("P1", "1980-04-02", "世帯主"), person("P2", "2012-05-05", "子", 2)],
                "2026-10-01",
            ),
            change("m2", "move_in", "H2", "P5", [person("P5", "1990-01-01", "世帯主")], "2026-10-01"),
            change("m3", "move_in", "H3", "P7", [person("P7", "1960-03-03", "世帯主")], "2026-10-01"),
        ],
        REGISTRY,
    )
    for household, ids in (("H1", ["P1", "P2"]), ("H3", ["P7"])):
        service.submit_notification(
            {
                "kind": "join",
                "reason": "move_in",
                "household_id": household,
                "persons": [{"person_id": p} for p in ids],
                "event_date": "2026-10-01",
                "notified_on": "2026-10-01",
                "identity_check": {"document_kind": "driver_license", "checked_by": "clerk-01"},
            },
            CLERK,
        )


BATCH = [
    change("b1", "birth", "H1", "P1", [person("C1", "2026-11-20", order=3)]),
    change("b2", "birth", "H1", "P1", [person("C2", "2026-11-20", order=4)]),
    change("b3", "move_within", "H1", "P1", [person("P1", "1980-04-02", "世帯主")]),
    # a child insured earlier in the batch dies: the period written in the batch is the one that ends
    change("b10", "death", "H1", "P1", [person("C2", "2026-11-20", order=4)], "2026-11-23"),
    change("b4", "birth", "H2", "P5", [person("C3", "2026-11-20", order=2)]),
    # an insured member joins H2 in the batch: a birth there is an NHI birth now
    change("b4a", "household_merge", "H2", "P5", [person("P2", "2012-05-05", "子", 3)]),
    change("b4b", "birth", "H2", "P5", [person("C6", "2026-11-20", order=4)]),
    change("b1", "birth", "H1", "P1", [person("C1", "2026-11-20", order=3)]),  # the first one again
    change("b5", "death", "H3", "P7", [person("P7", "1960-03-03", "世帯主")], "2026-11-21"),
    change("b6", "name_change", "H1", "P1", [person("P2", "2012-05-05", "子", 2, name="髙橋 二")]),
    change("b7", "birth", "H3", "P7", [person("C4", "2026-11-22", order=2)], "2026-11-22"),
    # a death after the business date: the rules refuse it inside its savepoint, a clerk looks at it
    change("b8", "death", "H1", "P1", [person("P2", "2012-05-05", "子", 2)], "2026-12-24"),
    change("b9", "birth", "H1", "P1", [person("C5", "2026-11-23", order=5)], "2026-11-23"),
]


def stored(engine: sa.Engine) -> dict[str, list]:
    """Every table's rows without clocks and generated ids, in a stable order."""
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = []
            for row in conn.execute(sa.select(table)):
                values = {k: v for k, v in row._mapping.items() if k not in VOLATILE}
                rows.append(tuple(sorted((k, _steady(v)) for k, v in values.items())))
            out[table.name] = sorted(rows, key=repr)
    return out


def _steady(value):
    if isinstance(value, str):
        return UUID.sub("<id>", value)
    if isinstance(value, dt.datetime):
        return "<moment>"  # when it happened differs; whether it did (superseded or not) is compared
    return value


def outcomes(results: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "intake_item_id"} | {"item": "intake_item_id" in r} for r in results]


def test_a_batch_stores_what_the_same_changes_one_at_a_time_store(services):
    (batched, batched_engine), (single, single_engine) = services
    prepare(batched)
    prepare(single)

    together = batched.apply_resident_changes(BATCH, REGISTRY)
    alone = [single.apply_resident_changes([c], REGISTRY)[0] for c in BATCH]

    assert outcomes(together) == outcomes(alone)
    assert [r["outcome"] for r in together] == [
        "reflected",
        "reflected",
        "applied",
        "reflected",
        "applied",  # H2 has nobody insured: only recorded
        "applied",
        "reflected",
        "duplicate",
        "reflected",
        "applied",
        "applied",  # H3's only insured died: the birth is only recorded
        "intake_item",
        "reflected",
    ]
    assert stored(batched_engine) == stored(single_engine)

    # the children of H1 numbered one after another under the household's 記号・番号, as at the counter
    with batched_engine.connect() as conn:
        numbered = dict(conn.execute(sa.text("SELECT person_id, branch_no FROM branches ORDER BY person_id")).all())
    assert numbered == {"C1": "03", "C2": "04", "C5": "05", "C6": "01", "P1": "01", "P2": "02", "P7": "01"}


# A batch that only records (no birth, death, move-out or move-in): it reads no members, periods or 枝番 up front.
RECORDS = [
    change("r1", "move_within", "H1", "P1", [person("P1", "1980-04-02", "世帯主")]),
    change("r2", "name_change", "H1", "P1", [person("P2", "2012-05-05", "子", 2, name="髙橋 二")]),
    change("r3", "move_within", "H3", "P7", [person("P7", "1960-03-03", "世帯主")], "2026-11-21"),
    change("r1", "move_within", "H1", "P1", [person("P1", "1980-04-02", "世帯主")]),  # the first one again
    # a member of H1 is filed under H2: the person's household changes in the batch
    change("r4", "household_merge", "H2", "P5", [person("P2", "2012-05-05", "子", 3)]),
    change("r5", "move_within", "H2", "P5", [person("P2", "2012-05-05", "子", 3, name="髙橋 三")], "2026-11-22"),
    change("r6", "move_within", "H1", "P1", [person("P1", "1980-04-02", "世帯主", 1)], "2026-11-23"),
]


def test_a_batch_that_only_records_stores_what_the_changes_one_at_a_time_store(services):
    (batched, batched_engine), (single, single_engine) = services
    prepare(batched)
    prepare(single)

    together = batched.apply_resident_changes(RECORDS, REGISTRY)
    alone = [single.apply_resident_changes([c], REGISTRY)[0] for c in RECORDS]

    assert outcomes(together) == outcomes(alone)
    assert [r["outcome"] for r in together] == ["applied"] * 3 + ["duplicate"] + ["applied"] * 3
    assert stored(batched_engine) == stored(single_engine)
    with batched_engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version FROM persons WHERE person_id = 'P2'")).scalar_one()
        kept = conn.execute(sa.text("SELECT count(*) FROM person_versions WHERE person_id = 'P2'")).scalar_one()
    assert (versions, kept) == (4, 4)  # the move-in, the name change, the merge, the move: a version each


def many_births(households: list[str], per_household: int, start: int) -> list[dict]:
    return [
        change(
            f"x{start + i}", "birth", h, "P1" if h == "H1" else "P7", [person(f"K{start + i}", "2026-11-20", order=9)]
        )
        for i in range(per_household)
        for h in households
    ]


def statements_of(engine: sa.Engine, work) -> int:
    seen = []

    def count(*_args) -> None:
        seen.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_a_batch_of_births_takes_as_many_statements_whatever_its_size(services):
    """The rows of a batch go per table: four births or forty cost the same number of statements."""
    (service, engine), _other = services
    prepare(service)
    service.submit_notification(
        {
            "kind": "leave",
            "reason": "death",
            "household_id": "H3",
            "persons": [{"person_id": "P7"}],
            "event_date": "2026-11-01",
            "notified_on": "2026-11-01",
            "identity_check": {"document_kind": "death_certificate", "checked_by": "clerk-01"},
        },
        CLERK,
    )
    few = many_births(["H1", "H3"], 2, 0)
    many = many_births(["H1", "H3"], 20, 100)

    small = statements_of(engine, lambda: service.apply_resident_changes(few, REGISTRY))
    large = statements_of(engine, lambda: service.apply_resident_changes(many, REGISTRY))

    assert large == small
    with engine.connect() as conn:
        numbered = conn.execute(sa.text("SELECT count(*) FROM branches WHERE person_id LIKE 'K%'")).scalar_one()
    assert numbered == 22  # H1's children insured; H3 has nobody insured (its head died): only recorded


def test_a_failed_part_of_a_batch_undoes_its_kept_writes_even_once_they_went_to_the_database(services):
    """A change's savepoint while writes are kept back: what the part kept is put back when it fails, also after a
    read inside it sent the kept rows to the database (a database savepoint then undoes them)."""
    (service, engine), _other = services
    prepare(service)
    with service.app.uow() as uow:
        uow.cache_reads(person_ids=["P1", "P2"], household_ids=["H1"])
        uow.defer_writes()
        uow.persons.update("P1", "before", name_kanji="髙橋 甲")
        with pytest.raises(RuleViolation):
            with uow.savepoint():
                uow.persons.update("P2", "inside", name_kanji="髙橋 乙")
                uow.households.update("H1", new_version=True, address='{"address": "inside"}')
                # the history is read from the database: every kept row goes there first
                assert [v["cause"] for v in uow.persons.history("P2")][-1] == "inside"
                raise RuleViolation("persons[0]", "refused", code="REFUSED")
        assert uow.persons.get("P2").name_kanji == "髙橋 一"
        uow.persons.update("P2", "after", name_kanji="髙橋 丙")
        uow.commit()
    with engine.connect() as conn:
        names = dict(conn.execute(sa.text("SELECT person_id, name_kanji FROM persons WHERE household_id = 'H1'")).all())
        causes = conn.execute(sa.text("SELECT cause FROM person_versions WHERE person_id IN ('P1', 'P2')")).scalars()
        address = conn.execute(sa.text("SELECT address FROM households WHERE household_id = 'H1'")).scalar_one()
    assert names == {"P1": "髙橋 甲", "P2": "髙橋 丙"}
    assert sorted(c for c in causes if not c.startswith("resident.")) == ["after", "before"]
    assert "inside" not in address


def test_a_row_changed_by_someone_else_meanwhile_undoes_the_batch(services):
    """The batch read P1 before another transaction changed it: writing its kept row would lose that change, so the
    whole batch is refused (to be applied again) and nothing of it is stored, its claims neither."""
    (service, engine), _other = services
    prepare(service)

    done = []

    def someone_else(conn, _cursor, statement, *_args) -> None:
        # Another writer commits a change of P1 after the batch read it (outside the batch's transaction on
        # PostgreSQL; on SQLite, which lets no other writer in, through the batch's own connection unseen).
        if done or "FROM inbox" not in statement:  # the batch claims its changes after reading its rows
            return
        done.append(True)
        if engine.dialect.name == "postgresql":
            with engine.begin() as other:
                other.execute(sa.text("UPDATE persons SET version = version + 1 WHERE person_id = 'P1'"))
        else:
            conn.connection.driver_connection.execute("UPDATE persons SET version = version + 1 WHERE person_id = 'P1'")

    sa.event.listen(engine, "before_cursor_execute", someone_else)
    try:
        with pytest.raises(ChangedMeanwhile):
            service.apply_resident_changes(RECORDS[:1], REGISTRY)
    finally:
        sa.event.remove(engine, "before_cursor_execute", someone_else)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version FROM persons WHERE person_id = 'P1'")).scalar_one()
        claimed = conn.execute(sa.text("SELECT count(*) FROM inbox WHERE event_id = 'r1'")).scalar_one()
    # the other writer's version (on SQLite its write was inside the batch's transaction: undone with it), and the
    # change not claimed
    other = 1 if engine.dialect.name == "postgresql" else 0
    assert (version, claimed) == (1 + other, 0)

    assert service.apply_resident_changes(RECORDS[:1], REGISTRY)[0]["outcome"] == "applied"  # again: it goes
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version FROM persons WHERE person_id = 'P1'")).scalar_one() == 2 + other
