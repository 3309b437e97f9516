"""The daily aggregation link (2.6.1–2.6.7) on a real database and a real directory, with a fake My Number source."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from aggregation_returns import returned_file

from nhi.common.v1 import common_pb2
from nhi_common import offering
from nhi_common.errors import IdempotencyReuse
from nhi_common.events import Event
from nhi_common.paging import Page
from nhi_devtools import testing
from nhi_interchange import bootstrap
from nhi_interchange.adapters.address_table import AddressTableFile
from nhi_interchange.adapters.files import DirectoryDrop
from nhi_interchange.adapters.store import SqlStore
from nhi_interchange.domain import files, layout
from nhi_interchange.domain.address import TableError, parse_table
from nhi_interchange.service_layer.ports import WriteBackRefused
from nhi_interchange.service_layer.services import InterchangeService

DAY = dt.date(2026, 12, 5)
DURING_DAY = dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC)  # 12:00 JST
AFTER_DAY = dt.datetime(2026, 12, 5, 16, 30, tzinfo=dt.UTC)  # 01:30 JST the next day, when the CronJob runs
NUMBERS = {"000000001": "123456789018", "000000002": "234567890121"}


class FakeNumbers:
    def __init__(self, numbers: dict[str, str]) -> None:
        self.numbers = dict(numbers)

    def my_number(self, person_id: str) -> str:
        return self.numbers.get(person_id, "")


@pytest.fixture(params=testing.backends())
def setup(request, tmp_path):
    with testing.migrated_engine(request.param, tmp_path, "interchange", bootstrap.MIGRATIONS) as engine:
        numbers = FakeNumbers(NUMBERS)
        drop = DirectoryDrop(tmp_path / "files")
        clock = {"now": DURING_DAY}
        service = InterchangeService(
            SqlStore(engine), numbers=numbers, drop=drop, insurer_number="139998", clock=lambda: clock["now"]
        )
        yield service, numbers, drop, clock


def acquired(person_id="000000001", *, name="山田 太郎", branch_no="01", acquired_on="2026-12-01", **extra) -> Event:
    data = {
        "person_id": person_id,
        "household_id": "H1",
        "head_person_id": "000000001",
        "name_kanji": name,
        "name_kana": "ヤマダ タロウ",
        "display_name": "",
        "birth_date": "1980-04-01",
        "sex": "1",
        "address": {"postal_code": "1000001", "address_code": "13101001001", "district_code": "0101"},
        "dv_support": False,
        "change_id": f"c-{person_id}",
        "period_id": f"p-{person_id}",
        "insurer_number": "139998",
        "symbol": "みどり",
        "number": "0000001",
        "branch_no": branch_no,
        "acquired_on": acquired_on,
        "lost_on": "",
        "coverage_starts_on": acquired_on,
        "coverage_ends_on": "",
        "reason": "move_in",
        **extra,
    }
    return Event.new(
        source="urn:nhi:svc-qualification", type="jp.nhi.qualification.acquired.v1", subject=person_id, data=data
    )


def run(service, clock, day=DAY):
    """The run of `day` at 01:30 JST the day after, then the clock back in the day after `day`."""
    clock["now"] = AFTER_DAY + (day - DAY)
    result = service.run_daily_aggregation(day)
    clock["now"] = DURING_DAY + (day - DAY) + dt.timedelta(days=1)
    return result


def records_of(path) -> list[bytes]:
    content = path.read_bytes()
    assert len(content) % layout.RECORD_SIZE == 0
    return [content[i : i + layout.RECORD_SIZE] for i in range(0, len(content), layout.RECORD_SIZE)]


def report(service, kind):
    rows, _ = service.list_report(kind, page=Page(100))
    return rows


def test_the_files_carry_each_change_in_fixed_length_cp932_records_with_a_manifest(setup):
    service, _, drop, clock = setup
    service.record_qualification_event(acquired("000000001"))
    service.record_qualification_event(acquired("000000002", name="山田 花子", branch_no="02"))
    result = run(service, clock)
    assert (result.sent, result.errors, result.households) == (2, 0, 1)
    person = records_of(drop.outbox / "NHI_139998_P_20261205.dat")
    assert [layout.decode(layout.PERSON, r)["record_type"] for r in person] == ["1", "2", "2", "8"]
    first = layout.decode(layout.PERSON, person[1])
    assert (first["person_id"], first["branch_no"], first["my_number"], first["name_kanji"]) == (
        "000000001",
        "01",
        "123456789018",
        "山田 太郎",
    )
    assert (first["action"], first["acquired_on"], first["limit_category"]) == ("1", "20261201", "Z")
    assert layout.decode(layout.TRAILER, person[-1])["record_count"] == "0000002"
    header = layout.decode(layout.HEADER, person[0])
    assert (header["file_kind"], header["cutoff"], header["file_sequence"]) == ("P", "20261206000000", "000001")
    manifest = json.loads((drop.outbox / "NHI_139998_20261205.manifest.json").read_text(encoding="utf-8"))
    assert [f["records"] for f in manifest["files"]] == [1, 2]
    listed, _ = service.list_files(page=Page(10))
    assert [(f["kind"], f["sha256"]) for f in listed] == [
        ("household", manifest["files"][0]["sha256"]),
        ("person", manifest["files"][1]["sha256"]),
    ]
    assert [f["cutoff_at"] for f in listed] == [result.cutoff] * 2


def test_a_rerun_of_the_same_business_day_gives_byte_identical_files(setup):
    service, _, drop, clock = setup
    service.record_qualification_event(acquired("000000001"))
    run(service, clock)
    before = {p.name: p.read_bytes() for p in drop.outbox.iterdir()}
    service.record_qualification_event(acquired("000000002", branch_no="02"))  # after the cut-off: the next day's
    rerun = run(service, clock)
    assert rerun.rerun and rerun.sent == 1
    assert {p.name: p.read_bytes() for p in drop.outbox.iterdir()} == before
    assert run(service, clock, DAY + dt.timedelta(days=1)).sent == 1


def test_a_run_before_the_day_ends_cuts_off_at_its_start_and_later_changes_wait_for_the_next_day(setup):
    service, _, _, clock = setup
    service.record_qualification_event(acquired("000000001"))
    clock["now"] = DURING_DAY + dt.timedelta(hours=1)
    early = service.run_daily_aggregation(business_date=DAY)
    assert early.cutoff == (DURING_DAY + dt.timedelta(hours=1)).astimezone(files.JST).isoformat()
    clock["now"] = DURING_DAY + dt.timedelta(hours=2)
    service.record_qualification_event(acquired("000000002", branch_no="02"))
    assert run(service, clock).sent == 1
    assert run(service, clock, DAY + dt.timedelta(days=1)).sent == 1


def test_a_record_without_my_number_is_listed_as_an_error_and_re_enters_once_fixed(setup):
    service, numbers, drop, clock = setup
    service.record_qualification_event(acquired("000000003", branch_no="03"))
    result = run(service, clock)
    assert (result.sent, result.errors) == (0, 1)
    rows = report(service, "qualification_data_error_list")
    assert [(r["record_key"], r["error_code"]) for r in rows] == [("000000003/c-000000003", "E01")]
    assert "NUM-MYNUMBER" in rows[0]["message"]
    numbers.numbers["000000003"] = "345678901234"
    fixed = run(service, clock, DAY + dt.timedelta(days=1))
    assert (fixed.sent, fixed.errors) == (1, 0)


def test_missing_branch_number_and_inconsistent_dates_are_errors_naming_the_rule(setup):
    service, _, _, clock = setup
    service.record_qualification_event(acquired("000000001", branch_no=""))
    service.record_qualification_event(acquired("000000002", branch_no="02", birth_date="2026-12-02"))
    run(service, clock)
    codes = {r["error_code"]: r["message"] for r in report(service, "qualification_data_error_list")}
    assert set(codes) == {"E04", "E03"}
    assert "NUM-INSURED" in codes["E04"] and "acquired_on" in codes["E03"]


def test_a_character_outside_cp932_is_degraded_by_the_mapping_and_reported(setup):
    service, _, drop, clock = setup
    service.record_qualification_event(acquired("000000001", name="𠮷田 𪚲子"))
    result = run(service, clock)
    record = layout.decode(layout.PERSON, records_of(drop.outbox / "NHI_139998_P_20261205.dat")[1])
    assert record["name_kanji"] == "吉田 〓子"
    assert b"?" not in (drop.outbox / "NHI_139998_P_20261205.dat").read_bytes()
    assert result.degraded == 2
    listed, _ = service.list_files(page=Page(10))
    assert {f["kind"]: f["degraded_characters"] for f in listed} == {"household": 0, "person": 2}
    run(service, clock)  # a re-run lists them once
    warnings = [r for r in report(service, "qualification_data_error_list") if r["error_code"] == "W01"]
    assert [w["message"].split(" を")[0] for w in warnings] == ["CP932にない文字 U+20BB7", "CP932にない文字 U+2A6B2"]


def test_a_crash_while_writing_leaves_no_file_under_its_final_name(tmp_path):
    drop = DirectoryDrop(tmp_path)

    def chunks():
        yield b"x" * layout.RECORD_SIZE
        raise OSError("disk gone")

    with pytest.raises(OSError):
        drop.deliver("NHI_139998_P_20261205.dat", chunks())
    assert list(drop.outbox.iterdir()) == []


def test_a_dv_household_carries_no_address(setup):
    service, _, drop, clock = setup
    service.record_qualification_event(acquired("000000001", dv_support=True))
    run(service, clock)
    record = layout.decode(layout.HOUSEHOLD, records_of(drop.outbox / "NHI_139998_H_20261205.dat")[1])
    assert (record["postal_code"], record["address_code"], record["district_code"]) == ("", "", "")


def test_a_burden_change_carries_the_limit_category_and_a_loss_z(setup):
    service, _, drop, clock = setup
    service.record_qualification_event(acquired("000000001"))
    changed = Event.new(
        source="urn:nhi:svc-qualification",
        type="jp.nhi.qualification.changed.v1",
        subject="000000001",
        data={
            "person_id": "000000001",
            "household_id": "H1",
            "change_id": "b1",
            "change_kind": "burden",
            "effective_date": "2026-12-01",
            "limit_category_new": "ウ",
        },
    )
    service.record_qualification_event(changed)
    run(service, clock)
    person = records_of(drop.outbox / "NHI_139998_P_20261205.dat")
    assert [layout.decode(layout.PERSON, r)["limit_category"] for r in person[1:-1]] == ["Z", "A03"]


def returned(drop, name, results):
    """A return file as the aggregation system writes it (see simulators' aggregation), put in the inbox."""
    drop.inbox.mkdir(parents=True, exist_ok=True)
    (drop.inbox / name).write_bytes(returned_file(results))


def test_returned_data_is_imported_once_and_reflected_and_a_rejected_record_fixed_is_re_sent(setup):
    service, _, drop, clock = setup
    service.record_qualification_event(acquired("000000001"))
    service.record_qualification_event(acquired("000000002", branch_no="02"))
    run(service, clock)
    returned(
        drop,
        "RET_139998_P_20261205.dat",
        [("000000001", "c-000000001", "0", "", "2020-04-01"), ("000000002", "c-000000002", "1", "K101", "")],
    )
    assert service.import_returned().files == 1
    assert service.import_returned().files == 0  # the same file is imported once
    assert report(service, "interchange_import_list") == [
        {"data_type": "資格情報（個人）", "count": 2, "status": "取込済", "rejected": 1}
    ]
    results = report(service, "interchange_registration_result_list")
    assert [(r["record_key"], r["applied"]) for r in results] == [
        ("000000001/c-000000001", "反映"),
        ("000000002/c-000000002", "不能"),
    ]
    assert results[1]["reason"].startswith("K101")
    fix = acquired("000000002", branch_no="02", acquired_on="2026-12-02", change_id="c-fix")
    service.record_qualification_event(fix)
    resent = run(service, clock, DAY + dt.timedelta(days=1))
    assert resent.sent == 1
    person = records_of(drop.outbox / "NHI_139998_P_20261206.dat")
    assert layout.decode(layout.PERSON, person[1])["change_id"] == "c-fix"


class FakeRegister:
    """svc-qualification's RecordPrefectureAcquisition (PrefectureAcquisitions): refuses a date after 適用開始."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.down = True

    def record_prefecture_acquisition(self, **call) -> str:
        self.calls.append(call)
        if self.down:
            raise ConnectionError("svc-qualification is not answering")
        if call["prefecture_acquired_on"] > "2026-12-01":
            raise WriteBackRefused("the prefecture acquisition date is after the municipality's 適用開始 2026-12-01")
        return "recorded"


def test_a_returned_prefecture_acquisition_date_is_written_back_and_listed_and_retried_while_unanswered(setup):
    service, _, drop, clock = setup
    service.register = register = FakeRegister()
    service.record_qualification_event(acquired("000000001"))
    service.record_qualification_event(acquired("000000002", branch_no="02"))
    run(service, clock)
    returned(
        drop,
        "RET_139998_P_20261205.dat",
        [("000000001", "c-000000001", "0", "", "2020-04-01"), ("000000002", "c-000000002", "0", "", "2026-12-03")],
    )
    job = service.run_job(service.start_job(kind="aggregation_import", parameters={}, business_date=DAY)["job_id"])
    assert (job["state"], job["done"], job["failed"]) == ("succeeded", 1, 2)  # both dates wait for svc-qualification
    cells = [r["pref_acquired_on"] for r in report(service, "interchange_registration_result_list")]
    assert cells == ["2020-04-01（資格へ未反映（次回取込で再試行）: 資格管理サービスが応答しません）"] + [
        "2026-12-03（資格へ未反映（次回取込で再試行）: 資格管理サービスが応答しません）"
    ]
    register.down = False
    again = service.import_returned()  # no new file: only the waiting dates
    assert (again.files, again.written_back, again.write_back_waiting) == (0, 1, 0)
    assert register.calls[-2] == {
        "person_id": "000000001",
        "period_id": "p-000000001",
        "prefecture_acquired_on": "2020-04-01",
        "source_change_id": "c-000000001",
    }
    cells = [r["pref_acquired_on"] for r in report(service, "interchange_registration_result_list")]
    assert cells[0] == "2020-04-01（資格取得日へ反映済）"
    assert cells[1].startswith("2026-12-03（資格へ反映不可: the prefecture acquisition date is after")
    assert service.import_returned().written_back == 0 and len(register.calls) == 4  # nothing left to write


class Table:
    """The municipality's table as a file would hold it (AddressTables)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def load(self):
        return parse_table(self.text)


TABLE = (
    "address_code,ward_code,district_code,aggregation_address_code,note\n"
    "13101001,131016,0101,1310160001000,prefix of a whole 町\n"
    "13101001001,131016,0102,1310160001001,one 丁目 of it\n"
)


def test_the_household_record_carries_the_district_ward_and_aggregation_address_from_the_table(setup):
    service, _, drop, clock = setup
    service.addresses = Table(TABLE)
    service.record_qualification_event(acquired("000000001"))  # address code 13101001001: the longest prefix wins
    other = acquired("000000002", branch_no="02", household_id="H2")
    other.data["address"] = {"postal_code": "100-0002", "address_code": "13101001009", "district_code": "9999"}
    service.record_qualification_event(other)
    assert run(service, clock).errors == 0
    household = [layout.decode(layout.HOUSEHOLD, r) for r in records_of(drop.outbox / "NHI_139998_H_20261205.dat")]
    assert [(h["district_code"], h["ward_code"], h["aggregation_address_code"]) for h in household[1:-1]] == [
        ("0102", "131016", "1310160001001"),
        ("0101", "131016", "1310160001000"),
    ]
    assert household[2]["postal_code"] == "1000002"  # the hyphen of the registry's form is dropped


def test_an_address_not_in_the_table_is_an_error_of_the_household_file_and_goes_out_once_the_table_has_it(setup):
    service, _, drop, clock = setup
    service.addresses = Table(TABLE.replace("13101001,131016,0101,1310160001000,prefix of a whole 町\n", ""))
    moved = acquired("000000002", branch_no="02")
    moved.data["address"] = {"postal_code": "1000002", "address_code": "13101002001", "district_code": "0201"}
    service.record_qualification_event(moved)
    service.record_qualification_event(acquired("000000001", dv_support=True, household_id="H3"))
    result = run(service, clock)
    assert (result.sent, result.errors) == (1, 1)  # the DV household has no address to convert
    [row] = report(service, "qualification_data_error_list")
    assert (row["record_key"], row["file"], row["error_code"]) == ("000000002/c-000000002", "資格情報（世帯）", "E08")
    assert "13101002001" in row["message"] and "住所・行政区変換表" in row["message"]
    service.addresses = Table(TABLE + "13101002,,0201,1310160002000,\n")
    fixed = run(service, clock, DAY + dt.timedelta(days=1))
    assert (fixed.sent, fixed.errors) == (1, 0)
    household = layout.decode(layout.HOUSEHOLD, records_of(drop.outbox / "NHI_139998_H_20261206.dat")[1])
    assert (household["district_code"], household["ward_code"], household["aggregation_address_code"]) == (
        "0201",
        "",
        "1310160002000",
    )


@pytest.mark.parametrize(
    "text, fault",
    [
        ("address_code,district_code\n", "line 1: the header lacks ward_code, aggregation_address_code"),
        (TABLE + "13101002,,0201,131016000200,\n", "line 4: aggregation_address_code is 13 digits"),
        (TABLE + "13101002,1310,0201,1310160002000,\n", "line 4: ward_code is 6 digits"),
        (TABLE + "13101001,,0201,1310160002000,\n", "line 4: address_code 13101001 is listed twice"),
        (TABLE + "13101002,,,1310160002000,\n", "line 4: district_code is required"),
    ],
)
def test_a_malformed_table_is_refused_naming_the_line_and_the_fault(text, fault):
    with pytest.raises(TableError) as refused:
        parse_table(text)
    assert str(refused.value).startswith(fault)


def test_a_malformed_table_file_fails_the_daily_job_naming_it(setup, tmp_path):
    service, _, _, _ = setup
    path = tmp_path / "address-table.csv"
    path.write_text("address_code,ward_code\n", encoding="utf-8")
    service.addresses = AddressTableFile(path)
    service.record_qualification_event(acquired("000000001"))
    job = service.run_job(service.start_job(kind="daily_aggregation", parameters={}, business_date=DAY)["job_id"])
    assert job["state"] == "failed" and "address-table.csv: line 1: the header lacks" in job["error"]


class FakePeople:
    """svc-qualification's ScreenListedPersons at its port: 000000002 and 000000003 are under a DV support measure."""

    DV = {"000000002", "000000003"}

    def __init__(self) -> None:
        self.asked: list[tuple[list[str], str]] = []

    def hidden_persons(self, caller, person_ids, listing):
        self.asked.append((sorted(person_ids), listing))
        return set() if "dv:read" in caller.scopes else self.DV & set(person_ids)


def test_the_error_and_result_lists_name_a_dv_person_only_to_a_caller_svc_qualification_lets_see_them(setup):
    service, _, drop, clock = setup
    service.people = people = FakePeople()
    service.record_qualification_event(acquired("000000001", name="𠮷田 太郎"))  # W01 of the 個人 file
    # W01 of both files (記号 is in each): the 個人 row names the person, the 世帯 row their household H2
    service.record_qualification_event(acquired("000000002", household_id="H2", symbol="𠮷野"))
    service.record_qualification_event(acquired("000000003", household_id="H3"))  # E01: no My Number
    run(service, clock)
    clerk = common_pb2.RequestContext(operator_id="clerk-01")
    reader = common_pb2.RequestContext(operator_id="clerk-01", scopes=["dv:read"], purpose="check")

    def keys(kind: str, caller) -> list[str]:
        rows, _ = service.list_report(kind, page=Page(100), caller=caller)
        assert all(set(r) == set(report(service, kind)[0]) for r in rows)  # the persons are no cell
        return sorted(r["record_key"] for r in rows)

    errors = "qualification_data_error_list"
    assert keys(errors, reader) == ["000000001", "000000002", "000000003/c-000000003", "H2"]
    assert keys(errors, clerk) == ["000000001"]
    assert people.asked[-1] == (["000000001", "000000002", "000000003"], "interchange.qualification_data_error_list")

    returned(
        drop,
        "RET_139998_P_20261205.dat",
        [
            ("000000001", "c-000000001", "0", "", ""),
            ("000000002", "c-000000002", "0", "", ""),
            ("", "", "1", "K900", ""),  # a record the aggregation system could not read: no person
        ],
    )
    service.import_returned()
    results = "interchange_registration_result_list"
    assert keys(results, reader) == ["000000001/c-000000001", "000000002/c-000000002", "P#3"]
    assert keys(results, clerk) == ["000000001/c-000000001", "P#3"]
    assert people.asked[-1] == (["000000001", "000000002"], "interchange.registration_result_list")
    assert len(report(service, results)) == 3  # the service's own read is whole


def test_a_job_whose_process_is_gone_ends_failed_and_a_job_that_beats_is_left_to_run(setup):
    """A job runs in a thread of the service: a process killed or redeployed leaves it queued or running. The
    running job beats its heartbeat; one silent for two minutes ends failed saying it was interrupted, one whose
    heartbeat is recent runs on."""
    service, _numbers, _drop, clock = setup
    ran = service.run_job(service.start_job(kind="aggregation_import", parameters={}, business_date=DAY)["job_id"])
    assert ran["state"] == "succeeded"
    lost = service.start_job(kind="aggregation_import", parameters={}, business_date=DAY)["job_id"]  # never run
    alive = service.start_job(kind="subcopy_query_send", parameters={}, business_date=DAY)["job_id"]
    waiting = service.start_job(kind="subcopy_query_send", parameters={}, business_date=DAY)["job_id"]
    service.held.add(waiting)  # queued in this process behind a long job: alive, though it has not started
    assert service.fail_abandoned_jobs() == []  # queued a moment ago
    clock["now"] = DURING_DAY + dt.timedelta(minutes=10)
    with service.store.transaction() as records:
        records.update_job(alive, state="running", heartbeat_at=clock["now"] - dt.timedelta(seconds=20))
    assert service.fail_abandoned_jobs() == [lost]
    failed = service.get_job(lost)
    assert failed["state"] == "failed" and failed["error"].startswith("interrupted: the process running it stopped")
    assert service.get_job(alive)["state"] == "running" and service.get_job(ran["job_id"])["state"] == "succeeded"
    assert service.get_job(waiting)["state"] == "queued"
    assert service.fail_abandoned_jobs() == []


def test_the_silence_that_ends_a_job_is_the_configured_one_and_its_error_says_so(setup):
    """NHI_JOB_ABANDONED_SECONDS: with 4 s, a running job silent for 3 s runs on and one silent for 5 s ends failed,
    its error naming the 4 s."""
    service, _numbers, _drop, clock = setup
    service.abandonment = offering.abandonment_setting(4)
    assert service.abandonment.every == 1.0  # the sweeper looks, and a running job beats, every second
    clock["now"] = DURING_DAY
    quiet, silent = (
        service.start_job(kind="subcopy_query_send", parameters={}, business_date=DAY)["job_id"] for _ in range(2)
    )
    with service.store.transaction() as records:
        records.update_job(quiet, state="running", heartbeat_at=clock["now"] - dt.timedelta(seconds=3))
        records.update_job(silent, state="running", heartbeat_at=clock["now"] - dt.timedelta(seconds=5))
    assert service.fail_abandoned_jobs() == [silent]
    assert service.get_job(silent)["error"] == (
        "interrupted: the process running it stopped (no heartbeat for 4 s); start the job again"
    )
    assert service.get_job(quiet)["state"] == "running"


def test_a_job_started_again_with_the_same_idempotency_key_is_the_job_it_queued_and_is_not_run_again(setup):
    service, _numbers, _drop, _clock = setup

    def start(operator: str, fingerprint: bytes = b"request-1"):
        return service.start_job_once(
            kind="aggregation_import",
            parameters={},
            business_date=DAY,
            operator_id=operator,
            idempotency_key="nightly-1",
            fingerprint=fingerprint,
        )

    first, queued = start("batch-01")
    again, queued_again = start("batch-01")
    assert (queued, queued_again) == (True, False) and again["job_id"] == first["job_id"]
    with pytest.raises(IdempotencyReuse):
        start("batch-01", fingerprint=b"request-2")
    theirs, queued_theirs = start("batch-02")
    assert queued_theirs and theirs["job_id"] != first["job_id"]


def test_run_job_for_a_day_before_the_latest_run_is_refused_naming_it_and_starts_nothing(tmp_path, monkeypatch, capsys):
    """The CronJob's command: a refused day (STD-2.6.1, the files go forward in date order; or more than a year away)
    is one line and exit 2, not a traceback, and no job is left queued."""
    import sqlalchemy as sa

    from nhi_interchange.entrypoints import cli

    database = tmp_path / "interchange.db"
    monkeypatch.setenv("INTERCHANGE_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("INTERCHANGE_FILE_DIR", str(tmp_path / "files"))
    monkeypatch.setenv("NHI_BUSINESS_DATE", "2026-12-08")
    monkeypatch.setenv("NATS_URL", "")
    assert cli.main(["migrate"]) == 0
    assert cli.main(["run-job", "daily-aggregation", "--date", "2025-06-01"]) == 2
    refused = capsys.readouterr()
    assert "Traceback" not in refused.err
    assert [line for line in refused.err.splitlines() if line.startswith("run-job: parameters.date: ")]
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM interchange_jobs")).scalar_one() == 0
    engine.dispose()
