"""Resident change validation and feed parsing: pure rules, no I/O."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from nhi_integration.adapters.clients import to_message
from nhi_integration.domain.feed import parse_resident_feed
from nhi_integration.domain.resident import InvalidChange, parse_change
from nhi_integration.domain.resident_order import Order, OrderCheck, check_order


def problems_of(data) -> dict[str, str]:
    with pytest.raises(InvalidChange) as caught:
        parse_change(data)
    return {p.field: p.message for p in caught.value.problems}


def test_a_valid_move_in_becomes_a_value_object(move_in):
    change = parse_change(move_in)
    assert change.change_kind == "move_in"
    assert change.event_date == dt.date(2026, 11, 20)
    assert change.person_ids == ["900000001", "900000002"]
    assert change.persons[0].my_number == "123456789018"
    assert change.address.building == "みどりハイツ201号室"


def test_the_value_object_round_trips_to_the_wire_schema(move_in):
    again = parse_change(parse_change(move_in).to_dict())
    assert again == parse_change(move_in)


def test_a_my_number_that_is_not_12_digits_names_the_field(move_in):
    move_in["persons"][0]["my_number"] = "12345"
    assert problems_of(move_in) == {"persons[0].my_number": "a My Number is 12 digits"}


def test_a_bad_date_names_the_field(move_in):
    move_in["event_date"] = "2026-13-01"
    assert problems_of(move_in) == {"event_date": "must be a date as YYYY-MM-DD"}


def test_an_unknown_change_kind_is_rejected(move_in):
    move_in["change_kind"] = "teleport"
    assert "unknown change kind" in problems_of(move_in)["change_kind"]


def test_a_missing_person_id_names_the_person(move_in):
    del move_in["persons"][1]["person_id"]
    assert problems_of(move_in) == {"persons[1].person_id": "is required"}


def test_every_problem_is_reported_at_once(move_in):
    move_in["notified_on"] = "tomorrow"
    move_in["persons"][0]["sex"] = "M"
    move_in["persons"][0]["name_kana"] = "たかはし　たろう"
    move_in["persons"][1]["my_number"] = "12345678901X"
    found = problems_of(move_in)
    assert set(found) == {"notified_on", "persons[0].sex", "persons[0].name_kana", "persons[1].my_number"}


def test_problem_messages_never_repeat_personal_values(move_in):
    move_in["persons"][0]["my_number"] = "1234567890"
    move_in["persons"][0]["birth_date"] = "1980-02-30"
    move_in["persons"][0]["name_kana"] = "髙橋"
    text = str(pytest.raises(InvalidChange, parse_change, move_in).value)
    for secret in ("1234567890", "1980-02-30", "髙橋"):
        assert secret not in text


def test_a_move_in_needs_an_address(move_in):
    move_in["address"] = {}
    assert problems_of(move_in) == {"address": "is required for this change kind"}


def test_a_death_needs_no_address(move_in):
    move_in["change_kind"] = "death"
    move_in["address"] = {}
    assert parse_change(move_in).address.address == ""


def test_a_change_without_persons_is_rejected(move_in):
    move_in["persons"] = []
    assert problems_of(move_in) == {"persons": "at least one person is required"}


def test_a_person_born_after_the_event_is_rejected(move_in):
    move_in["persons"][1]["birth_date"] = "2026-11-21"
    assert problems_of(move_in) == {"persons[1].birth_date": "is after the event date"}


def test_the_same_person_twice_is_rejected(move_in):
    move_in["persons"][1]["person_id"] = "900000001"
    assert problems_of(move_in) == {"persons[1].person_id": "appears twice in this change"}


def test_listing_order_and_dv_flag_are_typed(move_in):
    move_in["persons"][0]["listing_order"] = "1"
    move_in["persons"][1]["dv_support"] = "yes"
    assert set(problems_of(move_in)) == {"persons[0].listing_order", "persons[1].dv_support"}


def test_a_non_object_is_rejected():
    assert problems_of(["not", "a", "change"]) == {"": "a resident change is a JSON object"}


def test_a_feed_is_checked_line_by_line(move_in):
    bad = dict(move_in, change_id="chg-2", change_kind="unknown")
    content = "\n".join([json.dumps(move_in, ensure_ascii=False), "", "{not json", json.dumps(bad)]).encode()
    lines = parse_resident_feed(content)
    assert [line.line for line in lines] == [1, 3, 4]
    assert lines[0].change is not None
    assert lines[1].change is None and lines[1].problems[0].message.startswith("not JSON")
    assert lines[2].problems[0].field == "change_kind"


def test_a_feed_that_is_not_utf8_is_one_problem():
    lines = parse_resident_feed("髙橋".encode("shift_jis", errors="replace") + b"\xff")
    assert lines[0].line == 0 and lines[0].problems[0].field == "content"


@pytest.mark.parametrize(
    ("reason", "applies_as"),
    [
        ("move_in", "move_in"),
        ("move_in_from_abroad", "move_in"),
        ("move_within", "move_within"),
        ("move_out_planned", "move_out_planned"),
        ("move_out", "move_out"),
        ("move_out_abroad", "move_out"),
        ("birth", "birth"),
        ("death", "death"),
        ("ex_officio_entry", "move_in"),
        ("ex_officio_deletion", "move_out"),
        ("ex_officio_correction", "record_correction"),
        ("household_merge", "household_merge"),
        ("household_split", "household_split"),
        ("head_change", "household_change"),
        ("name_change", "name_change"),
        ("residence_status_change", "residence_change"),
        ("residence_period_change", "residence_change"),
        ("dv_support_change", "dv_support_change"),
    ],
)
def test_every_reason_of_the_registry_is_handed_on_as_what_qualification_applies(move_in, reason, applies_as):
    move_in["change_kind"] = reason
    change = parse_change(move_in)
    message = to_message(change)
    assert message.change_kind == change.applies_as == applies_as
    assert all("sequence" not in p.DESCRIPTOR.fields_by_name for p in message.persons)


def test_a_sequence_is_a_positive_integer_per_person(move_in):
    move_in["persons"][0]["sequence"] = 0
    move_in["persons"][1]["sequence"] = "2"
    with pytest.raises(InvalidChange) as refused:
        parse_change(move_in)
    assert [p.field for p in refused.value.problems] == ["persons[0].sequence", "persons[1].sequence"]


def test_order_is_kept_per_person():
    assert check_order({"1": 3}, {"1": 2}).verdict is Order.IN_ORDER
    assert check_order({"1": 2}, {"1": 2}).verdict is Order.STALE
    assert check_order({"1": 5, "2": 1}, {"1": 2}) == OrderCheck(Order.GAP, "1", 3, 5)
    assert check_order({"1": 1}, {}).verdict is Order.IN_ORDER
    assert check_order({"1": 7}, {}) == OrderCheck(Order.GAP, "1", 1, 7)  # number 1 may come after a crash
    assert check_order({"1": 3, "2": 1}, {"1": 2, "2": 4}).verdict is Order.STALE


@pytest.mark.parametrize(
    ("where", "field"),
    [
        (lambda change: change["persons"][0].update(name_kanji="山田\x00太郎"), "persons[0].name_kanji"),
        (lambda change: change["persons"][0].update(person_id="P\n1"), "persons[0].person_id"),
        (lambda change: change.update(household_id="H\x7f1"), "household_id"),
        (lambda change: change["address"].update(address="みどり市\r\n若葉町"), "address.address"),
    ],
)
def test_a_control_character_in_a_text_field_names_the_field(move_in, where, field):
    """No field of the registry holds one; PostgreSQL would refuse a NUL with the whole batch."""
    where(move_in)
    assert problems_of(move_in) == {field: "must not contain control characters"}
