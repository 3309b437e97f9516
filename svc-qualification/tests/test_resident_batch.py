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
from nhi_qualification.adapters.tables import metadata
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
