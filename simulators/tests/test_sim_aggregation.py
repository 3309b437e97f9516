"""The aggregation-system simulator checks each record against the layout and the prefecture's continuity rules."""

from __future__ import annotations

import hashlib
import json

from nhi_simulators import aggregation as agg

GOOD_NUMBER = "123456789018"


def person(serial: int, **values) -> bytes:
    record = {
        "record_type": "2",
        "serial": str(serial),
        "action": "1",
        "insurer_number": "139998",
        "household_id": "H1",
        "person_id": f"{serial:09d}",
        "symbol": "みどり",
        "number": "0000001",
        "branch_no": f"{serial:02d}",
        "my_number": GOOD_NUMBER,
        "name_kanji": "山田 太郎",
        "name_kana": "ヤマダ タロウ",
        "birth_date": "19800401",
        "sex": "1",
        "acquired_on": "20261201",
        "limit_category": "Z",
        "change_id": f"c{serial}",
        **values,
    }
    return agg._record(agg.PERSON, record)


def household(serial: int, **values) -> bytes:
    record = {
        "record_type": "2",
        "serial": str(serial),
        "action": "1",
        "insurer_number": "139998",
        "household_id": f"H{serial}",
        "symbol": "みどり",
        "number": f"{serial:07d}",
        "head_person_id": f"{serial:09d}",
        "postal_code": "3990101",
        "address_code": "99999001001",
        "district_code": "0101",
        "changed_on": "20261201",
        "ward_code": "",
        "aggregation_address_code": "9999900001001",
        **values,
    }
    return agg._record(agg.HOUSEHOLD, record)


def drop(tmp_path, records: list[bytes], *, sequence=1, day="2026-12-05", tamper=False, kind="P") -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir(exist_ok=True)
    head = agg._record(agg.HEADER, {"record_type": "1", "serial": "0", "file_kind": kind, "file_sequence": sequence})
    tail = agg._record(agg.TRAILER, {"record_type": "8", "serial": len(records) + 1, "record_count": len(records)})
    content = head + b"".join(records) + tail
    name = f"NHI_139998_{kind}_{day.replace('-', '')}.dat"
    (outbox / name).write_bytes(content)
    digest = hashlib.sha256(content + (b"x" if tamper else b"")).hexdigest()
    manifest = {
        "business_date": day,
        "insurer_number": "139998",
        "file_sequence": sequence,
        "files": [{"kind": kind, "file_name": name, "records": len(records), "sha256": digest}],
    }
    (outbox / f"NHI_139998_{day.replace('-', '')}.manifest.json").write_text(json.dumps(manifest))


def results(tmp_path, day="20261205") -> list[dict[str, str]]:
    content = (tmp_path / "inbox" / f"RET_139998_P_{day}.dat").read_bytes()
    chunks = [content[i : i + agg.RECORD_SIZE] for i in range(0, len(content), agg.RECORD_SIZE)]
    return [agg.parse(agg.RESULT, c) for c in chunks[1:-1]]


def test_a_valid_record_is_accepted_and_a_wrong_my_number_rejected_with_its_code(tmp_path):
    drop(tmp_path, [person(1), person(2, my_number="123456789012")])
    system = agg.AggregationSystem(tmp_path, tmp_path / "state.json")
    [summary] = system.receive()
    assert (summary["accepted"], summary["rejected"]) == (1, 1)
    assert [(r["person_id"], r["status"], r["code"]) for r in results(tmp_path)] == [
        ("000000001", "0", ""),
        ("000000002", "1", "K004"),
    ]


def test_a_digit_field_with_a_letter_and_a_date_that_is_no_date_are_layout_errors(tmp_path):
    drop(tmp_path, [person(1, sex="M"), person(2, birth_date="19801301")])
    agg.AggregationSystem(tmp_path, tmp_path / "state.json").receive()
    assert [r["code"] for r in results(tmp_path)] == ["K002", "K003"]


def test_the_same_delivery_again_is_not_received_twice_and_a_checksum_mismatch_is_refused(tmp_path):
    drop(tmp_path, [person(1)])
    system = agg.AggregationSystem(tmp_path, tmp_path / "state.json")
    assert len(system.receive()) == 1
    assert agg.AggregationSystem(tmp_path, tmp_path / "state.json").receive() == []
    drop(tmp_path, [person(1)], sequence=2, day="2026-12-06", tamper=True)
    [refused] = system.receive()
    assert "checksum" in refused["refused"]


def test_an_open_period_elsewhere_in_the_prefecture_rejects_and_a_move_carries_the_prefecture_date(tmp_path):
    system = agg.AggregationSystem(tmp_path, tmp_path / "state.json")
    system.seed_period(my_number=GOOD_NUMBER, insurer="139006", acquired_on="20200401")
    other = "234567890121"
    system.seed_period(my_number=other, insurer="139006", acquired_on="20180401", lost_on="20261201")
    drop(tmp_path, [person(1), person(2, my_number=other)])
    system.receive()
    overlap, moved = results(tmp_path)
    assert (overlap["status"], overlap["code"]) == ("1", "K101")
    assert (moved["status"], moved["pref_acquired_on"]) == ("0", "20180401")


def test_a_household_with_an_address_needs_its_converted_codes_and_one_without_an_address_needs_none(tmp_path):
    drop(
        tmp_path,
        [
            household(1),
            household(2, aggregation_address_code=""),
            household(3, ward_code="12"),
            household(4, aggregation_address_code="99999000010X1"),
            household(5, postal_code="", address_code="", district_code="", aggregation_address_code=""),
            household(6, ward_code="999981"),
        ],
        kind="H",
    )
    [summary] = agg.AggregationSystem(tmp_path, tmp_path / "state.json").receive()
    assert [(r["original_serial"], r["code"]) for r in results(tmp_path)] == [
        ("0000002", "K006"),
        ("0000003", "K007"),
        ("0000004", "K007"),
    ]
    assert summary["rejected"] == 3


def test_a_record_carrying_the_prefecture_date_is_continuous_by_its_coverage_and_not_an_overlap(tmp_path):
    system = agg.AggregationSystem(tmp_path, tmp_path / "state.json")
    system.seed_period(my_number=GOOD_NUMBER, insurer="139006", acquired_on="20180401", lost_on="20261201")
    drop(tmp_path, [person(1)])
    system.receive()
    [moved] = results(tmp_path)
    assert (moved["status"], moved["pref_acquired_on"]) == ("0", "20180401")
    # the municipality writes the date back: the corrected record carries it, its 適用開始 stays the move-in date
    drop(tmp_path, [person(1, action="2", acquired_on="20180401", coverage_starts_on="20261201")], sequence=2)
    system.receive()
    [corrected] = results(tmp_path)
    assert (corrected["status"], corrected["code"], corrected["pref_acquired_on"]) == ("0", "", "")
    # a coverage that starts before the other municipality's ended overlaps it
    drop(tmp_path, [person(1, change_id="c9", acquired_on="20180401", coverage_starts_on="20261101")], sequence=3)
    system.receive()
    [overlap] = results(tmp_path)
    assert (overlap["status"], overlap["code"]) == ("1", "K101")
