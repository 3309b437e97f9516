"""The resident-registry publisher against a real embedded NATS."""

from __future__ import annotations

import asyncio
import json
import re

import nats
import pytest

from nhi_simulators import cli, mynumber
from nhi_simulators.resident import Registry, UnknownResident

KATAKANA = re.compile(r"^[\u30A1-\u30F6\u30FB\u30FC\u3000]+$")


def read_all(url: str) -> list:
    async def _go():
        nc = await nats.connect(url)
        try:
            sub = await nc.jetstream().pull_subscribe("resident.v1.changes", durable="test-reader", stream="RESIDENT")
            return [(dict(m.headers), json.loads(m.data)) for m in await sub.fetch(20, timeout=2)]
        finally:
            await nc.close()

    return asyncio.run(_go())


def sim(capsys, *args) -> dict:
    assert cli.main(list(args)) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_a_move_in_lands_on_resident_as_a_cloudevent(nats_server, tmp_path, capsys):
    summary = sim(
        capsys,
        "resident",
        "move-in",
        "--nats-url",
        nats_server.url,
        "--members",
        "3",
        "--seed",
        "11",
        "--event-date",
        "2026-11-20",
        "--state",
        str(tmp_path / "state.jsonl"),
    )
    assert set(summary) == {"household_id", "person_ids", "change_id", "event_id"} and len(summary["person_ids"]) == 3
    [(headers, data)] = read_all(nats_server.url)
    assert headers["ce-specversion"] == "1.0" and headers["ce-type"] == "jp.lg.resident.change.v1"
    assert headers["ce-source"] == "urn:resident-registry:midori" and headers["ce-subject"] == summary["household_id"]
    assert headers["ce-id"] == headers["Nats-Msg-Id"] == summary["event_id"]
    assert data["change_kind"] == "move_in" and data["change_id"] == summary["change_id"]
    assert data["event_date"] == "2026-11-20" and data["household_id"] == summary["household_id"]
    assert [p["person_id"] for p in data["persons"]] == summary["person_ids"]
    assert data["head_person_id"] == summary["person_ids"][0] and data["address"]["address"].startswith("みどり市")
    for person in data["persons"]:
        assert KATAKANA.match(person["name_kana"]) and person["sex"] in ("1", "2")
        assert mynumber.is_valid(person["my_number"]) and re.fullmatch(r"\d{9}", person["person_id"])
    assert [p["listing_order"] for p in data["persons"]] == [1, 2, 3]


def test_birth_death_and_move_out_follow_a_known_household(nats_server, tmp_path, capsys):
    common = ["--nats-url", nats_server.url, "--state", str(tmp_path / "state.jsonl"), "--event-date", "2026-11-21"]
    moved = sim(capsys, "resident", "move-in", "--members", "2", "--seed", "3", *common)
    household = moved["household_id"]
    born = sim(capsys, "resident", "birth", "--household-id", household, "--seed", "4", *common)
    died = sim(capsys, "resident", "death", "--person-id", moved["person_ids"][1], *common)
    left = sim(capsys, "resident", "move-out", "--household-id", household, *common)
    changes = [data for _, data in read_all(nats_server.url)]
    assert [c["change_kind"] for c in changes] == ["move_in", "birth", "death", "move_out"]
    assert changes[1]["persons"][0]["birth_date"] == "2026-11-21" and changes[1]["persons"][0]["relationship"] == "子"
    assert died["person_ids"] == [moved["person_ids"][1]]
    assert set(left["person_ids"]) == {moved["person_ids"][0], born["person_ids"][0]}
    assert all(c["household_id"] == household for c in changes)


def test_an_unknown_person_is_refused_before_publishing(nats_server, tmp_path, capsys):
    code = cli.main(
        [
            "resident",
            "death",
            "--person-id",
            "123456789",
            "--nats-url",
            nats_server.url,
            "--state",
            str(tmp_path / "state.jsonl"),
        ]
    )
    assert code == 2 and "unknown resident" in capsys.readouterr().err


def test_a_roster_file_makes_the_demo_households_known(tmp_path, capsys):
    roster = tmp_path / "migration.jsonl"
    cli.main(["demo-municipality", "--households", "5", "--seed", "1", "--today", "2026-11-24", "--out", str(roster)])
    registry = Registry(tmp_path / "state.jsonl", [str(roster)])
    assert registry.household(person_id="000000001")["household_id"] == "H00000001"
    with pytest.raises(UnknownResident):
        registry.household(household_id="H99999999")
