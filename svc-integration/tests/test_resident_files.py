"""Resident change files (CSV and fixed-length CP932, docs/integration/resident-file.md): parsed into the changes the
stream carries, refused by line and column, and imported the stream's way (per-person order, one effect)."""

from __future__ import annotations

import copy
import json

import pytest

from nhi_common.errors import InvalidInput
from nhi_integration.adapters.store import SqlStore
from nhi_integration.domain.resident import parse_change
from nhi_integration.domain.resident_files import (
    FIXED_LAYOUT,
    RECORD_BYTES,
    encode_csv,
    encode_fixed,
    parse_resident_file,
)
from nhi_integration.entrypoints import cli
from nhi_integration.service_layer.services import RESIDENT_CHANGE_TYPE, IntegrationService


class FakeSink:
    """svc-qualification as the service layer sees it: takes every change and says so."""

    def __init__(self) -> None:
        self.applied: list[tuple[str, str]] = []

    def apply(self, change, *, idempotency_key):
        self.applied.append((change.change_id, idempotency_key))
        return [{"change_id": change.change_id, "outcome": "applied", "person_ids": change.person_ids}]


def offset_of(name: str) -> int:
    at = 0
    for field in FIXED_LAYOUT:
        if field.name == name:
            return at
        at += field.size
    raise KeyError(name)


def errors_of(lines) -> list[tuple[int, str]]:
    return [(getattr(p, "line", 0) or fl.line, p.field) for fl in lines for p in fl.problems]


def test_the_layout_is_600_bytes():
    assert RECORD_BYTES == 600


@pytest.mark.parametrize("file_format", ["csv", "fixed"])
def test_a_file_gives_back_the_change_the_stream_carries(move_in, file_format):
    move_in["persons"][1]["sequence"] = 3
    move_in["persons"][1]["residence_status"] = "技術・人文知識・国際業務"
    move_in["persons"][1]["nationality"] = "ベトナム"
    move_in["persons"][1]["residence_expires_on"] = "2029-03-31"
    move_in["persons"][1]["dv_support"] = True
    content = encode_csv([move_in]) if file_format == "csv" else encode_fixed(move_in)

    [line] = parse_resident_file(content, file_format)

    assert line.problems == () and line.line == (2 if file_format == "csv" else 1)
    assert line.change.to_dict() == parse_change(move_in).to_dict()


def test_a_cp932_csv_is_read_as_such(move_in):
    text = encode_csv([move_in]).decode("utf-8")
    [line] = parse_resident_file(text.encode("cp932"), "csv")
    assert line.change.persons[0].name_kanji == "髙橋　太郎"


def test_csv_problems_name_the_line_and_column_of_the_row(move_in):
    second = copy.deepcopy(move_in)
    second["change_id"] = "chg-0002"
    second["persons"][1]["name_kana"] = "たかはし"
    text = encode_csv([move_in, second]).decode()
    rows = text.split("\r\n")
    rows[4] = rows[4].replace("2026-11-20", "2026/11/20", 1)  # the second row of chg-0002 disagrees on event_date

    lines = parse_resident_file("\r\n".join(rows).encode(), "csv")

    assert [fl.change is not None for fl in lines] == [True, False]
    assert errors_of(lines) == [(5, "event_date"), (5, "name_kana")]
    assert all("たかはし" not in p.message for fl in lines for p in fl.problems)


def test_a_csv_with_an_unknown_column_is_refused_as_a_whole(move_in):
    content = encode_csv([move_in]).replace(b"change_kind", b"reason", 1)
    [line] = parse_resident_file(content, "csv")
    assert (line.line, line.problems[0].field) == (0, "heading")
    assert "reason" in line.problems[0].message and "change_kind" in line.problems[0].message


def test_fixed_problems_name_the_line_and_field(move_in):
    records = encode_fixed(move_in).split(b"\r\n")
    first = bytearray(records[0])
    at = offset_of("birth_date")
    first[at : at + 8] = b"19801301"
    second = bytearray(records[1])
    at = offset_of("change_kind")
    second[at : at + 2] = b"99"
    short = records[0][:-1]
    content = b"\r\n".join([bytes(first), bytes(second), short, b""])

    lines = parse_resident_file(content, "fixed")

    assert sorted(errors_of(lines)) == [(1, "birth_date"), (2, "change_kind"), (3, "")]
    assert "599 bytes" in next(p.message for fl in lines for p in fl.problems if p.field == "")


def test_a_double_byte_character_cut_by_a_field_end_is_refused(move_in):
    move_in["persons"] = move_in["persons"][:1]
    record = bytearray(encode_fixed(move_in).rstrip(b"\r\n"))
    at = offset_of("name_kanji")
    record[at : at + 60] = ("あ" * 29).encode("cp932") + b" " + "あ".encode("cp932")[:1]
    [line] = parse_resident_file(bytes(record), "fixed")  # no line ends: 600-byte blocks
    assert [(p.field, "CP932" in p.message) for p in line.problems] == [("name_kanji", True)]


@pytest.fixture
def sink():
    return FakeSink()


@pytest.fixture
def service(engine, sink):
    return IntegrationService(store=SqlStore(engine), sink=sink)


def test_a_malformed_fixed_file_imports_nothing_unless_partial(service, sink, move_in):
    bad = copy.deepcopy(move_in)
    bad["change_id"] = "chg-bad"
    bad["persons"] = bad["persons"][:1]
    record = bytearray(encode_fixed(bad)[:RECORD_BYTES])
    at = offset_of("sex")
    record[at : at + 1] = b"x"
    content = encode_fixed(move_in) + bytes(record) + b"\r\n"

    refused = service.import_feed(
        source="resident", file_name="r.dat", content=content, operator_id="batch", file_format="fixed"
    )
    assert (refused["state"], refused["records"], refused["applied"]) == ("rejected", 2, 0)
    assert [(e["line"], e["field"]) for e in refused["errors"]] == [(3, "sex")]
    assert sink.applied == []

    partial = service.import_feed(
        source="resident", file_name="r.dat", content=content, operator_id="batch", file_format="fixed", partial=True
    )
    assert (partial["state"], partial["applied"], partial["rejected"]) == ("processed", 1, 1)
    assert sink.applied == [("chg-0001", "feed:chg-0001")]


def with_sequence(change, change_id, kind, number):
    change = copy.deepcopy(change)
    change["change_id"], change["change_kind"] = change_id, kind
    change["persons"] = change["persons"][:1]
    change["persons"][0]["sequence"] = number
    return change


def test_a_file_applies_each_persons_changes_in_sequence_order_and_skips_what_the_stream_applied(
    service, sink, move_in
):
    first = with_sequence(move_in, "c1", "move_in", 1)
    second = with_sequence(move_in, "c2", "move_within", 2)
    third = with_sequence(move_in, "c3", "name_change", 3)
    assert service.receive_resident_event(event_id="e1", ce_type=RESIDENT_CHANGE_TYPE, data=first) == "applied"

    result = service.import_feed(
        source="resident",
        file_name="r.csv",
        content=encode_csv([third, second, first]),
        operator_id="batch",
        file_format="csv",
    )

    assert (result["state"], result["records"], result["applied"], result["errors"]) == ("processed", 3, 3, [])
    assert [c for c, _ in sink.applied] == ["c1", "c2", "c3"]  # c1 once: in the file it is stale


def test_an_unknown_file_format_is_refused_naming_the_field(service, move_in):
    with pytest.raises(InvalidInput) as caught:
        service.import_feed(source="resident", file_name="r", content=b"x", operator_id="b", file_format="xml")
    assert caught.value.field == "format"


def test_the_import_resident_command_imports_a_fixed_file_through_svc_qualification(
    tmp_path, monkeypatch, capsys, fake_qualification, move_in
):
    servicer, address = fake_qualification
    monkeypatch.setenv("INTEGRATION_DATABASE_URL", f"sqlite:///{tmp_path / 'integration.db'}")
    monkeypatch.setenv("QUALIFICATION_ADDR", address)
    monkeypatch.setenv("NATS_URL", "")
    path = tmp_path / "JUKI_IDO_20261124.dat"
    path.write_bytes(encode_fixed(move_in))

    assert cli.main(["import-resident", str(path), "--format", "fixed", "--operator", "batch-07"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["source"], shown["state"], shown["records"], shown["applied"]) == ("resident", "processed", 1, 1)
    [(request, _)] = servicer.calls
    assert [p.person_id for p in request.changes[0].persons] == ["900000001", "900000002"]

    path.write_bytes(b"not a record\r\n")
    assert cli.main(["import-resident", str(path), "--format", "fixed"]) == 1
    assert json.loads(capsys.readouterr().out)["errors"][0]["line"] == 1
    assert cli.main(["import-resident", str(tmp_path / "missing.dat")]) == 2
