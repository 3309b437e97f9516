"""Initial data migration (データ移行): households, persons, 枝番 and current periods from a JSON Lines file."""

import datetime as dt
import json

import pytest

from nhi_qualification.adapters import migration_import
from nhi_qualification.domain.errors import RuleViolation
from nhi_qualification.service_layer.context import Actor

HOUSEHOLD = {
    "household_id": "H00000009",
    "head_person_id": "000000091",
    "symbol": "みどり",
    "number": "0000901",
    "address": {"address": "みどり市泉町1丁目2番3号"},
    "members": [
        {
            "person_id": "000000091",
            "name_kanji": "髙橋 一郎",
            "name_kana": "タカハシ　イチロウ",
            "birth_date": "1950-03-01",
            "sex": "1",
            "relationship": "世帯主",
            "listing_order": 1,
            "resident_since": "1990-04-01",
            "insured": False,
            "my_number": "123456789018",
        },
        {
            "person_id": "000000092",
            "name_kanji": "髙橋 花",
            "name_kana": "タカハシ　ハナ",
            "birth_date": "1985-07-07",
            "sex": "2",
            "relationship": "子",
            "listing_order": 2,
            "resident_since": "1990-04-01",
            "insured": True,
            "acquired_on": "2020-04-01",
            "branch_no": "02",
        },
    ],
}


def write(tmp_path, *records) -> str:
    path = tmp_path / "migration.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return str(path)


def test_a_migration_loads_once_and_keeps_the_numbers_and_a_first_version(service, engine, vault, tmp_path):
    path = write(tmp_path, HOUSEHOLD)
    counts = migration_import.import_households(engine, vault, "139998", migration_import.read_lines(path))
    assert counts == {"households": 1, "persons": 2, "insured": 1, "skipped": 0}
    again = migration_import.import_households(engine, vault, "139998", migration_import.read_lines(path))
    assert again == {"households": 0, "persons": 0, "insured": 0, "skipped": 1}
    clerk = Actor("clerk-01")
    household = service.get_household("H00000009", clerk, as_of=dt.date(2026, 11, 1))
    assert household["deemed_head"] is True
    view = service.get_qualification("000000092", dt.date(2026, 11, 1), None, clerk)
    assert (view["period"]["symbol"], view["period"]["number"], view["period"]["branch_no"]) == (
        "みどり",
        "0000901",
        "02",
    )
    history = service.get_history("000000091")["person_versions"]
    assert [v["cause"] for v in history] == ["migration"]
    assert history[0]["attributes"]["relationship"] == "世帯主"


def test_a_wrong_my_number_stops_the_migration_naming_the_record(engine, vault, tmp_path):
    broken = json.loads(json.dumps(HOUSEHOLD))
    broken["members"][0]["my_number"] = "123456789012"
    with pytest.raises(RuleViolation) as error:
        migration_import.import_households(
            engine, vault, "139998", migration_import.read_lines(write(tmp_path, broken))
        )
    assert error.value.field == "H00000009.members[0].my_number" and error.value.rule == "NUM-MYNUMBER"


def _indexes(engine) -> list[str]:

    from nhi_qualification.adapters import bulk

    with engine.connect() as conn:
        return sorted(ddl for _name, ddl in bulk.secondary_indexes(conn, [t.name for t in migration_import.TABLES]))


def _keys(engine) -> list[tuple[str, str, str]]:
    from nhi_qualification.adapters import bulk

    with engine.connect() as conn:
        return bulk.key_constraints(conn, [t.name for t in migration_import.TABLES])


def test_a_first_load_builds_the_indexes_after_the_rows_and_keeps_them(engine, vault, tmp_path):
    """PostgreSQL: a first load into empty tables drops the secondary indexes and builds them again in the same
    transaction; afterwards they are all there and used for look-ups, and a second load (tables not empty) goes by
    chunks with the indexes in place."""
    if engine.dialect.name != "postgresql":
        pytest.skip("index handling of a first load is PostgreSQL's")
    before, keys = _indexes(engine), _keys(engine)
    assert any("birth_date" in ddl for ddl in before) and any("household_id" in ddl for ddl in before)
    assert ("persons", "persons_pkey", "PRIMARY KEY (person_id)") in keys
    assert any(table == "households" and "UNIQUE (symbol, number)" in d for table, _n, d in keys)
    second = json.loads(json.dumps(HOUSEHOLD).replace("00000009", "00000010").replace("0000009", "0000010"))
    second["number"] = "0000902"
    counts = migration_import.import_households(
        engine, vault, "139998", migration_import.read_lines(write(tmp_path, HOUSEHOLD))
    )
    assert counts == {"households": 1, "persons": 2, "insured": 1, "skipped": 0}
    assert _indexes(engine) == before and _keys(engine) == keys
    again = migration_import.import_households(
        engine, vault, "139998", migration_import.read_lines(write(tmp_path, HOUSEHOLD, second))
    )
    assert again == {"households": 1, "persons": 2, "insured": 1, "skipped": 1}
    assert _indexes(engine) == before and _keys(engine) == keys


def test_a_first_load_skips_a_household_met_again_and_refuses_a_person_in_two(engine, vault, tmp_path):
    """The keys are built after a first load's rows: a household repeated in the file is skipped by its id, as on a
    re-run; a person in two households fails the load with the key named, and leaves no row and every key."""
    if engine.dialect.name != "postgresql":
        pytest.skip("key handling of a first load is PostgreSQL's")
    import sqlalchemy as sa

    keys, indexes = _keys(engine), _indexes(engine)
    other = json.loads(json.dumps(HOUSEHOLD).replace("00000009", "00000010").replace("0000009", "0000010"))
    other["number"] = "0000902"
    other["members"][1]["person_id"] = HOUSEHOLD["members"][1]["person_id"]  # the same person twice
    with pytest.raises(RuleViolation) as error:
        migration_import.import_households(
            engine, vault, "139998", migration_import.read_lines(write(tmp_path, HOUSEHOLD, other))
        )
    assert error.value.code == "DUPLICATE_KEY" and error.value.field == "persons"
    assert HOUSEHOLD["members"][1]["person_id"] in str(error.value)
    assert _keys(engine) == keys and _indexes(engine) == indexes
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM persons")).scalar() == 0

    counts = migration_import.import_households(
        engine, vault, "139998", migration_import.read_lines(write(tmp_path, HOUSEHOLD, HOUSEHOLD))
    )
    assert counts == {"households": 1, "persons": 2, "insured": 1, "skipped": 1}
    assert _keys(engine) == keys


def test_a_failed_first_load_leaves_no_row_and_every_index(engine, vault, tmp_path, monkeypatch):
    """A first load is one transaction: the good household of the first chunk goes too, the indexes stay."""
    if engine.dialect.name != "postgresql":
        pytest.skip("index handling of a first load is PostgreSQL's")
    import sqlalchemy as sa

    monkeypatch.setattr(migration_import, "CHUNK", 1)

    before = _indexes(engine)
    broken = json.loads(json.dumps(HOUSEHOLD).replace("00000009", "00000010").replace("0000009", "0000010"))
    broken["number"] = "0000902"
    broken["members"][0]["my_number"] = "123456789012"
    with pytest.raises(RuleViolation):
        migration_import.import_households(
            engine, vault, "139998", migration_import.read_lines(write(tmp_path, HOUSEHOLD, broken))
        )
    assert _indexes(engine) == before
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM persons")).scalar() == 0
