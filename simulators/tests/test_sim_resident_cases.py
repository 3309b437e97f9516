"""nhi-sim resident change KIND: a one-off change of any 異動事由 with the attributes a case needs, against a real
embedded NATS."""

from __future__ import annotations

import asyncio
import json

import nats
import pytest

from nhi_simulators import cli, resident_cases


def published(url: str) -> list[dict]:
    async def _go():
        nc = await nats.connect(url)
        try:
            sub = await nc.jetstream().pull_subscribe("resident.v1.changes", durable="cases", stream="RESIDENT")
            return [json.loads(m.data) for m in await sub.fetch(50, timeout=2)]
        finally:
            await nc.close()

    return asyncio.run(_go())


def sim(capsys, *args) -> dict:
    assert cli.main(list(args)) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_a_case_is_built_from_flags_change_by_change(nats_server, tmp_path, capsys):
    common = ["--nats-url", nats_server.url, "--state", str(tmp_path / "state.jsonl"), "--event-date", "2026-11-02"]
    arrived = sim(
        capsys,
        *("resident", "move-in", "--members", "2", "--seed", "5", *common),
        *("--birth-date", "1990-02-28", "--my-number", "123456789018", "--nationality", "ベトナム"),
        *("--residence-status", "技能実習", "--residence-expires-on", "2027-03-31", "--dv-support", "true"),
    )
    head, other = arrived["person_ids"]
    household = arrived["household_id"]
    sim(
        capsys,
        "resident",
        "change",
        "residence_status_change",
        "--person-id",
        head,
        *common,
        "--residence-status",
        "短期滞在",
        "--sequence",
        "2",
    )
    split = sim(
        capsys,
        "resident",
        "change",
        "household_split",
        "--person-id",
        other,
        *common,
        "--new-household-id",
        "H9000077",
        "--relationship",
        "世帯主",
    )
    sim(
        capsys, "resident", "change", "dv_support_change", "--household-id", household, *common, "--dv-support", "false"
    )
    sim(capsys, "resident", "change", "death", "--person-id", other, *common)

    changes = published(nats_server.url)
    assert [c["change_kind"] for c in changes] == [
        "move_in",
        "residence_status_change",
        "household_split",
        "dv_support_change",
        "death",
    ]
    arrival = changes[0]["persons"][0]
    assert (arrival["person_id"], arrival["birth_date"], arrival["my_number"]) == (head, "1990-02-28", "123456789018")
    assert (arrival["nationality"], arrival["residence_status"], arrival["residence_expires_on"]) == (
        "ベトナム",
        "技能実習",
        "2027-03-31",
    )
    assert arrival["dv_support"] is True and changes[0]["persons"][1]["dv_support"] is False
    status = changes[1]
    assert [(p["person_id"], p["residence_status"], p["sequence"]) for p in status["persons"]] == [
        (head, "短期滞在", 2)
    ]
    assert status["persons"][0]["birth_date"] == "1990-02-28"  # kept from the state
    assert (split["household_id"], changes[2]["head_person_id"], changes[2]["persons"][0]["relationship"]) == (
        "H9000077",
        other,
        "世帯主",
    )
    assert [p["person_id"] for p in changes[3]["persons"]] == [head]  # the split left one person behind
    assert changes[3]["persons"][0]["dv_support"] is False
    assert changes[4]["household_id"] == "H9000077" and changes[4]["persons"][0]["person_id"] == other


def test_every_reason_of_the_registry_can_be_sent(nats_server, tmp_path, capsys):
    common = ["--nats-url", nats_server.url, "--state", str(tmp_path / "state.jsonl")]
    for kind in resident_cases.KINDS:
        arrived = sim(capsys, "resident", "move-in", "--members", "2", *common)
        args = ["resident", "change", kind, *common]
        if kind not in resident_cases.ARRIVALS:
            args += ["--household-id", arrived["household_id"]]
        if kind == "head_change":
            args += ["--head-person-id", arrived["person_ids"][1]]
        assert sim(capsys, *args)["change_id"]
    kinds = [c["change_kind"] for c in published(nats_server.url) if c["change_kind"] != "move_in"]
    assert sorted(kinds) == sorted(k for k in resident_cases.KINDS if k != "move_in")


def test_a_my_number_that_is_not_12_digits_is_refused_by_the_command_line(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli.main(["resident", "change", "name_change", "--person-id", "1", "--my-number", "12ab"])
    assert "12 digits" in capsys.readouterr().err
