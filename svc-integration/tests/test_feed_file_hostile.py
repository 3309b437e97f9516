"""Hostile and malformed feed files the mutation fuzz (tests/test_feed_fuzz.py) found: each is refused by line and
field, never an exception (a 500 at the gateway), and a refused file imports nothing."""

from __future__ import annotations

import base64
import copy
import json

import pytest

from nhi_common.mynumber_keys import MyNumberKeys
from nhi_integration.adapters.store import SqlStore
from nhi_integration.domain.feed import parse_resident_feed
from nhi_integration.domain.feed_files import parse_file
from nhi_integration.domain.resident_files import encode_csv, parse_resident_file
from nhi_integration.service_layer.feed_imports import MAX_ERRORS
from nhi_integration.service_layer.services import IntegrationService

INCOME_HEADING = "record_id,person_id,income_year,taxable_income,gross_income\n"


class FakeSink:
    def __init__(self) -> None:
        self.applied: list[str] = []

    def apply(self, change, *, idempotency_key):
        self.applied.append(change.change_id)
        return [{"change_id": change.change_id, "outcome": "applied", "person_ids": change.person_ids}]


@pytest.fixture
def sink():
    return FakeSink()


@pytest.fixture
def service(engine, sink):
    return IntegrationService(
        store=SqlStore(engine, MyNumberKeys({1: base64.b64encode(b"k" * 32).decode()})), sink=sink
    )


def where(lines) -> list[tuple[int, str]]:
    """(line, field) of every problem, as the import reports them."""
    return [(getattr(p, "line", 0) or ln.line, p.field) for ln in lines for p in ln.problems]


def jsonl(*items) -> bytes:
    return b"".join((i if isinstance(i, bytes) else json.dumps(i, ensure_ascii=False).encode()) + b"\n" for i in items)


# ----- JSON Lines -----


@pytest.mark.parametrize(
    "line",
    [
        b'{"income_year": '
        + b"9" * 5000
        + b"}",  # int() refuses more than 4300 digits: ValueError, not JSONDecodeError
        b"[" * 100_000,  # RecursionError
        b'{"a":' * 100_000,
    ],
    ids=["5000-digit number", "deep array", "deep object"],
)
def test_a_json_line_the_parser_cannot_take_is_a_problem_of_its_line(move_in, line):
    content = jsonl(move_in, line)

    assert where(parse_resident_feed(content)) == [(2, "record")]
    record = {"record_id": "r-1", "person_id": "100001", "income_year": 2025}
    assert [(ln.line, [p.field for p in ln.problems]) for ln in parse_file("income", jsonl(record, line))] == [
        (1, []),
        (2, ["record"]),
    ]


def test_a_json_line_holding_a_line_separator_in_a_string_stays_one_line(move_in):
    """U+2028 may stand in a JSON string as it is; str.splitlines split the record there."""
    move_in["address"]["building"] = "みどりハイツ\u2028201号室"
    second = dict(copy.deepcopy(move_in), change_id="chg-0002", event_date="2026/11/20")

    lines = parse_resident_feed(jsonl(move_in, second))

    assert [ln.line for ln in lines] == [1, 2] and lines[0].change is not None
    assert where(lines) == [(2, "event_date")]


def test_a_change_id_twice_in_a_json_lines_file_is_refused_on_the_second_line(service, sink, move_in):
    """Both lines were reported applied while the second, under the same receipt key, was dropped unseen."""
    changed = dict(copy.deepcopy(move_in), household_id="H90000099")

    refused = service.import_feed(
        source="resident", file_name="r.jsonl", operator_id="t", content=jsonl(move_in, changed)
    )

    assert (refused["state"], refused["applied"]) == ("rejected", 0)
    assert [(e["line"], e["field"]) for e in refused["errors"]] == [(2, "change_id")]
    assert sink.applied == []
    partial = service.import_feed(
        source="resident", file_name="r.jsonl", operator_id="t", content=jsonl(move_in, changed), partial=True
    )
    assert (partial["applied"], partial["rejected"]) == (1, 1) and sink.applied == ["chg-0001"]


# ----- CSV -----


def test_a_csv_cell_over_the_csv_modules_limit_is_a_problem_not_an_exception(move_in):
    resident = encode_csv([move_in]).replace("みどりハイツ".encode(), b"9" * 200_000)
    income = (INCOME_HEADING + "r-1,100001,2025," + "9" * 200_000 + ",0\n").encode()

    assert [field for _line, field in where(parse_resident_file(resident, "csv"))] == ["record"]
    assert [(ln.line, [p.field for p in ln.problems]) for ln in parse_file("income", income)] == [(2, ["record"])]


@pytest.mark.parametrize("value", ["9" * 5000, "3000000000", str(2**63)])
def test_an_order_or_sequence_number_too_large_for_its_column_is_refused(move_in, value):
    """5000 digits made int() raise; 3000000000 passed and overflowed svc-qualification's int32 listing_order."""
    for name in ("listing_order", "sequence"):
        change = copy.deepcopy(move_in)
        change["persons"][1][name] = value
        lines = parse_resident_file(encode_csv([change]), "csv")
        if name == "sequence" and value == "3000000000":
            assert where(lines) == []  # a sequence is 64-bit
        else:
            assert where(lines) == [(3, name)]
        if len(value) > 100:
            continue  # a JSON line of a 5000-digit number: test_a_json_line_the_parser_cannot_take_...
        change["persons"][1][name] = int(value)
        if not (name == "sequence" and value == "3000000000"):
            assert where(parse_resident_feed(jsonl(change))) == [(1, f"persons[1].{name}")]


def test_an_income_amount_or_year_of_5000_digits_is_a_problem_of_its_field():
    content = (INCOME_HEADING + f"r-1,100001,{'2' * 5000},{'9' * 5000},0\n").encode()

    [line] = parse_file("income", content)

    assert (line.line, sorted(p.field for p in line.problems)) == (2, ["income_year", "taxable_income"])


@pytest.mark.parametrize("content", [INCOME_HEADING.encode(), b"999999\n", b"\n\nrecord_id\n\n"])
def test_a_csv_file_without_a_record_is_refused_as_such(content):
    """A heading alone was 'rejected' with no error: nothing applied and nothing said why."""
    assert [(ln.line, [p.field for p in ln.problems]) for ln in parse_file("income", content)] == [(0, ["content"])]


def test_a_resident_csv_without_its_heading_row_does_not_repeat_the_first_rows_values(move_in):
    """The unknown column names were listed as they were: the values of the first row, a name and a My Number."""
    without_heading = b"".join(encode_csv([move_in]).splitlines(keepends=True)[1:])
    name_first = "髙橋　太郎,123456789018,みどり市若葉町2丁目3番5号,change_id,person_id\r\n".encode()

    for content in (without_heading, name_first):
        [line] = parse_resident_file(content, "csv")
        [problem] = line.problems
        assert problem.field == "heading"
        for value in ("髙橋", "123456789018", "みどり市", "900000001", "chg-0001"):
            assert value not in problem.message
    [line] = parse_resident_file(b"change_id,person_id,nickname\n", "csv")
    assert "1 unknown column(s): nickname" in line.problems[0].message


# ----- what an import keeps -----


def test_an_import_names_a_field_for_every_error_and_lists_at_most_max_errors(service, sink, move_in):
    """A whole-line problem had field "" (outside the API's spec); a million broken lines made an answer larger than
    a gRPC message may be (a 500)."""
    content = jsonl(move_in, b"{oops") + b"x\n" * (MAX_ERRORS + 500)

    refused = service.import_feed(source="resident", file_name="r.jsonl", operator_id="t", content=content)

    assert refused["state"] == "rejected" and sink.applied == []
    assert len(refused["errors"]) == MAX_ERRORS + 1
    assert refused["errors"][0] == {
        "line": 2,
        "field": "record",
        "message": "not JSON: Expecting property name enclosed in double quotes at column 2",
    }
    assert refused["errors"][-1] == {
        "line": MAX_ERRORS + 2,
        "field": "record",
        "message": "501 more problems not listed",
    }
    assert all(e["field"] for e in refused["errors"])
    assert service.get_import(refused["import_id"]) == refused
