"""The synthetic municipality: deterministic, realistic enough, and true to the migration-file contract."""

from __future__ import annotations

import csv
import datetime as dt
import json
import pathlib
import random
import re

import pytest

from nhi_simulators import cli, municipality
from nhi_simulators.mynumber import check_digit, is_valid, random_my_number

TODAY = dt.date(2026, 11, 24)
KATAKANA = re.compile(r"^[\u30A1-\u30F6\u30FB\u30FC\u3000]+$")


@pytest.fixture(scope="module")
def households():
    return list(municipality.generate(1000, seed=1, today=TODAY))


@pytest.fixture(scope="module")
def people(households):
    return [m for h in households for m in h["members"]]


def age(member) -> int:
    return municipality.age_on(dt.date.fromisoformat(member["birth_date"]), TODAY)


def test_the_check_digit_follows_num_mynumber():
    assert check_digit("12345678901") == 8
    assert is_valid("123456789018") and not is_valid("123456789017") and not is_valid("12345678901")
    rng = random.Random(0)
    assert all(is_valid(random_my_number(rng)) for _ in range(1000))


def test_the_same_seed_gives_the_same_municipality(households):
    assert list(municipality.generate(1000, seed=1, today=TODAY)) == households
    assert list(municipality.generate(50, seed=2, today=TODAY)) != households[:50]


def test_ids_are_shaped_and_unique(households, people):
    assert len(households) == 1000
    assert all(re.fullmatch(r"H\d{8}", h["household_id"]) for h in households)
    assert all(re.fullmatch(r"\d{9}", p["person_id"]) for p in people)
    assert len({p["person_id"] for p in people}) == len(people)
    assert len({h["household_id"] for h in households}) == 1000
    assert len({(h["symbol"], h["number"]) for h in households}) == 1000
    assert all(h["head_person_id"] == h["members"][0]["person_id"] for h in households)


def test_every_my_number_is_valid_and_unique(people):
    numbers = [p["my_number"] for p in people]
    assert all(is_valid(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_names_have_full_width_katakana_readings_and_rare_glyphs_occur(people):
    assert all(KATAKANA.match(p["name_kana"]) for p in people)
    assert all(p["name_kanji"] for p in people)
    surnames = {p["name_kanji"].split("\u3000")[0] for p in people}
    assert {"髙橋", "山﨑"} & surnames


def test_addresses_are_in_midori_city(households):
    for h in households:
        address = h["address"]
        assert re.fullmatch(r"みどり市\D+\d丁目\d+番\d+号", address["address"])
        assert re.fullmatch(r"\d{3}-\d{4}", address["postal_code"])
        assert set(address) == {"postal_code", "address_code", "address", "building", "district_code"}


def test_ages_span_0_to_100_like_a_population(people):
    ages = [age(p) for p in people]
    assert min(ages) == 0 and max(ages) <= 100
    elderly = sum(a >= 65 for a in ages) / len(ages)
    children = sum(a < 15 for a in ages) / len(ages)
    assert 0.2 <= elderly <= 0.4 and 0.08 <= children <= 0.25


def test_household_compositions_vary(households):
    sizes = {len(h["members"]) for h in households}
    relationships = {m["relationship"] for h in households for m in h["members"]}
    assert {1, 2, 3, 4} <= sizes
    assert {"世帯主", "妻", "子", "母", "孫"} <= relationships


def test_between_55_and_65_percent_are_insured(people):
    share = sum(p["insured"] for p in people) / len(people)
    assert 0.55 <= share <= 0.65


def test_nobody_75_or_over_is_insured(people):
    assert not [p for p in people if p["insured"] and age(p) >= 75]


def test_at_least_3_percent_of_households_have_a_deemed_head(households):
    deemed = [h for h in households if municipality.is_deemed_head(h)]
    assert len(deemed) / len(households) >= 0.03


def test_insured_members_carry_branch_numbers_and_plausible_dates(households):
    for h in households:
        branches = [m["branch_no"] for m in h["members"] if m["insured"]]
        assert branches == [f"{n:02d}" for n in range(1, len(branches) + 1)]
        for m in h["members"]:
            since = dt.date.fromisoformat(m["resident_since"])
            assert dt.date.fromisoformat(m["birth_date"]) <= since <= TODAY
            if m["insured"]:
                acquired = dt.date.fromisoformat(m["acquired_on"])
                assert since <= acquired <= TODAY
            else:
                assert m["acquired_on"] is None and "branch_no" not in m


def test_some_residents_are_foreign_with_status_and_expiry(people):
    foreign = [p for p in people if p["nationality"]]
    assert 0.01 <= len(foreign) / len(people) <= 0.08
    assert all(p["residence_status"] for p in foreign)
    expiring = [p for p in foreign if p["residence_expires_on"]]
    assert expiring and all(dt.date.fromisoformat(p["residence_expires_on"]) > TODAY for p in expiring)
    assert all(not p["residence_status"] and p["residence_expires_on"] is None for p in people if not p["nationality"])


def test_the_command_writes_one_household_per_line(tmp_path, capsys):
    out = tmp_path / "migration.jsonl"
    assert (
        cli.main(["demo-municipality", "--households", "40", "--seed", "5", "--today", "2026-11-24", "--out", str(out)])
        == 0
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 40
    first = json.loads(lines[0])
    assert set(first) == {"household_id", "head_person_id", "address", "symbol", "number", "members"}
    summary = json.loads(capsys.readouterr().out)
    assert summary["households"] == 40 and summary["persons"] == sum(len(json.loads(x)["members"]) for x in lines)


def test_the_demo_address_table_converts_every_address_the_municipality_generates():
    """`make run` gives svc-interchange docs/interchange/address-table.sample.csv: no demo household is an E08."""
    sample = pathlib.Path(__file__).resolve().parents[2] / "docs" / "interchange" / "address-table.sample.csv"
    codes = {row["address_code"] for row in csv.DictReader(sample.open(encoding="utf-8"))}
    rng = random.Random(7)
    generated = {municipality.random_address(rng)["address_code"] for _ in range(2000)}
    assert generated <= codes
    assert all(len(code) == 11 for code in generated)
