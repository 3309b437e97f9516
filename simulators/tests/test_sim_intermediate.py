"""The intermediate-server simulator checks what a municipality sends against the sub-copy layout on its own
(docs/interchange/subcopy.md), answers queries from its configured incomes, and holds a DV person's request for a
manual answer."""

from __future__ import annotations

import pathlib

from nhi_simulators import intermediate as im

INSURER = "139998"


def subcopy_file(*records: dict, count: int | None = None) -> bytes:
    head = im.record(im.HEADER, {"record_type": "1", "serial": "0", "file_kind": "S", "insurer_number": INSURER})
    body = b"".join(
        im.record(im.SUBCOPY, {"record_type": "2", "serial": str(n), **r}) for n, r in enumerate(records, start=1)
    )
    n = len(records) if count is None else count
    tail = im.record(im.TRAILER, {"record_type": "8", "serial": str(len(records) + 1), "record_count": str(n)})
    return head + body + tail


def copy(person_id: str, **extra) -> dict:
    return {
        "action": "1",
        "insurer_number": INSURER,
        "person_id": person_id,
        "item_code": "01",
        "symbol": "みどり",
        "number": "0000001",
        "branch_no": "01",
        "qualified": "1",
        "acquired_on": "20261201",
        "limit_category": "Z",
        "no_auto_answer": "0",
        "changed_on": "20261201",
        "change_id": "c-1",
        **extra,
    }


def results(server: im.IntermediateServer, name: str) -> list[dict]:
    content = (server.inbox / f"RES_{name}").read_bytes()
    _header, chunks = im.body(content)
    return [im.parse(im.TRANSFER_RESULT, c) for c in chunks]


def drop(tmp_path: pathlib.Path, name: str, content: bytes) -> None:
    outbox = tmp_path / "intermediate" / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / name).write_bytes(content)


def test_each_record_is_checked_and_only_good_ones_are_registered(tmp_path):
    server = im.IntermediateServer(tmp_path, tmp_path / "state.json")
    name = "SUB_139998_20261205_000001.dat"
    drop(
        tmp_path,
        name,
        subcopy_file(
            copy("1"),
            copy("2", symbol=""),
            copy("3", lost_on="20261101"),
            copy("4", insurer_number="139990"),
            copy("5", no_auto_answer="7"),
            copy("6", action="3"),
            copy("7", acquired_on="20261340"),
        ),
    )
    [summary] = server.receive()["subcopies"]
    assert (summary["accepted"], summary["rejected"]) == (1, 6)
    codes = {r["person_id"]: r["code"] for r in results(server, name)}
    assert codes == {"1": "", "2": "C005", "3": "C006", "4": "C004", "5": "C007", "6": "C008", "7": "C003"}
    assert server.status()["copies"] == {INSURER: 1}
    assert server.receive()["subcopies"] == []  # the same file is not taken twice


def test_a_file_whose_trailer_miscounts_is_refused_as_a_whole(tmp_path):
    server = im.IntermediateServer(tmp_path, tmp_path / "state.json")
    drop(tmp_path, "SUB_139998_20261205_000001.dat", subcopy_file(copy("1"), count=5))
    [summary] = server.receive()["subcopies"]
    assert summary["refused"] == "C001"
    [whole] = results(server, "SUB_139998_20261205_000001.dat")
    assert (whole["original_serial"], whole["status"], whole["code"]) == ("0000000", "1", "C001")


def test_a_dv_persons_request_waits_for_a_manual_answer_and_an_unasked_answer_is_noted(tmp_path):
    server = im.IntermediateServer(tmp_path, tmp_path / "state.json")
    drop(tmp_path, "SUB_139998_20261205_000001.dat", subcopy_file(copy("1"), copy("2", no_auto_answer="1")))
    server.receive()
    assert server.ask(insurer=INSURER, person_id="1", requester="139006")["state"] == "answered_automatically"
    held = server.ask(insurer=INSURER, person_id="2", requester="139006")
    assert held["state"] == "waiting" and "answer" not in held
    [request] = list(server.inbox.glob("REQ_*.dat"))
    _header, [chunk] = im.body(request.read_bytes())
    values = im.parse(im.MANUAL_REQUEST, chunk)
    assert (values["request_id"], values["person_id"], values["reason"]) == (held["request_id"], "2", "1")
    assert server.ask(insurer=INSURER, person_id="9", requester="139006")["state"] == "no_copy"

    answer = im.record(
        im.MANUAL_ANSWER, {"record_type": "2", "serial": "1", "request_id": "not-asked", "decision": "2"}
    )
    head = im.record(im.HEADER, {"record_type": "1", "serial": "0", "file_kind": "M"})
    tail = im.record(im.TRAILER, {"record_type": "8", "serial": "2", "record_count": "1"})
    drop(tmp_path, "MAN_139998_not-asked.dat", head + answer + tail)
    server.receive()
    assert server.status()["unexpected_answers"] == ["not-asked"]
    assert server.status()["requests"][held["request_id"]]["state"] == "waiting"


def test_queries_are_answered_from_the_configured_incomes(tmp_path):
    server = im.IntermediateServer(tmp_path, tmp_path / "state.json")
    server.seed_income(my_number="123456789018", income_year=2025, non_taxed=False, taxable_income=1_000_000)
    rows = [
        {"query_id": "q1", "my_number": "123456789018", "item_code": "02", "income_year": "2025"},
        {"query_id": "q2", "my_number": "123456789018", "item_code": "02", "income_year": "2024"},
        {"query_id": "q3", "my_number": "123456789010", "item_code": "02", "income_year": "2025"},
    ]
    head = im.record(im.HEADER, {"record_type": "1", "serial": "0", "file_kind": "Q"})
    body = b"".join(im.record(im.QUERY, {"record_type": "2", "serial": str(n), **r}) for n, r in enumerate(rows, 1))
    tail = im.record(im.TRAILER, {"record_type": "8", "serial": "4", "record_count": "3"})
    drop(tmp_path, "QRY_139998_20261205_000001.dat", head + body + tail)
    [summary] = server.receive()["queries"]
    assert (summary["answered"], summary["queries"]) == (1, 3)
    _header, chunks = im.body((server.inbox / "ANS_QRY_139998_20261205_000001.dat").read_bytes())
    answers = {a["query_id"]: a for a in (im.parse(im.QUERY_ANSWER, c) for c in chunks)}
    assert (answers["q1"]["status"], answers["q1"]["taxable_income"], answers["q1"]["gross_income"]) == (
        "0",
        "1000000",
        "",
    )
    assert (answers["q2"]["status"], answers["q2"]["code"]) == ("1", "Q001")
    assert (answers["q3"]["status"], answers["q3"]["code"]) == ("1", "Q002")
