"""Hostile inbound files: a seeded mutation fuzz of what the aggregation system and the intermediate server send back
(RET_, RES_, ANS_, REQ_), each taken in by the job that takes it in as the service runs it, on a real database.

Every mutant must end in a recorded outcome (applied, or refused/unreadable naming a line and field), a refused one
changes nothing stored, a second poll does not read it again, a valid file after it is still taken in, and no name or
My Number reaches an error text or a log line. INTERCHANGE_FUZZ_CASES runs more cases (default 250 a backend);
INTERCHANGE_FUZZ_SEED picks another seed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import pathlib
import random

import pytest
import sqlalchemy as sa
from aggregation_returns import returned_file

from nhi_common.events import Event
from nhi_common.paging import Page
from nhi_devtools import testing
from nhi_interchange import bootstrap
from nhi_interchange.adapters.address_table import AddressTableFile
from nhi_interchange.adapters.files import DirectoryDrop
from nhi_interchange.adapters.store import SqlStore
from nhi_interchange.domain import layout
from nhi_interchange.domain import subcopy as sc
from nhi_interchange.domain.address import TableError, parse_table
from nhi_interchange.service_layer.ports import PersonFacts
from nhi_interchange.service_layer.services import InterchangeService
from nhi_simulators.intermediate import IntermediateServer

DAY = dt.date(2026, 12, 5)
DURING_DAY = dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC)
AFTER_DAY = dt.datetime(2026, 12, 5, 16, 30, tzinfo=dt.UTC)
MY_NUMBER, NAME = "123456789018", "山田 太郎"
PEOPLE = {
    "000000001": PersonFacts("000000001", "H1", MY_NUMBER, False),
    "000000002": PersonFacts("000000002", "H2", "234567890121", True),
}
CASES = int(os.environ.get("INTERCHANGE_FUZZ_CASES", "250"))
SEED = int(os.environ.get("INTERCHANGE_FUZZ_SEED", "20261205"))
# Where what each kind of file leaves is recorded, and the tables a refused file must leave as they were.
RECORD_TABLES = {"interchange_imports", "intermediate_receipts", "interchange_jobs"}


class FakePeople:
    def person(self, person_id):
        return PEOPLE.get(person_id)

    def hidden_persons(self, caller, person_ids, listing):
        return set()


class FakeBurden:
    def income_year(self, household_id):
        return 2025

    def redetermine(self, household_id, income, *, key):
        return {"determination_id": "d-1", "ratio_percent": 30, "pending": False}


class FakeNumbers:
    def my_number(self, person_id):
        return PEOPLE[person_id].my_number if person_id in PEOPLE else ""


def acquired(person_id: str, household_id: str, **extra) -> Event:
    data = {
        "person_id": person_id,
        "household_id": household_id,
        "head_person_id": person_id,
        "name_kanji": NAME,
        "name_kana": "ヤマダ タロウ",
        "birth_date": "1955-04-01",
        "sex": "1",
        "address": {"postal_code": "1000001", "address_code": "13101001001", "district_code": "0101"},
        "dv_support": False,
        "change_id": f"c-{person_id}",
        "period_id": f"p-{person_id}",
        "insurer_number": "139998",
        "symbol": "みどり",
        "number": "0000001",
        "branch_no": "01",
        "acquired_on": "2026-12-01",
        "lost_on": "",
        "coverage_starts_on": "2026-12-01",
        "coverage_ends_on": "",
        "reason": "move_in",
        **extra,
    }
    return Event.new(
        source="urn:nhi:svc-qualification", type="jp.nhi.qualification.acquired.v1", subject=person_id, data=data
    )


@pytest.fixture(params=testing.backends())
def world(request, tmp_path):
    """A service with sent aggregation records, a sent sub-copy transfer and a sent income query, and the valid
    files the other side answers them with (taken out of the inboxes: the fuzz feeds their mutants)."""
    with testing.migrated_engine(request.param, tmp_path, "interchange", bootstrap.MIGRATIONS) as engine:
        clock = {"now": DURING_DAY}
        drop = DirectoryDrop(tmp_path / "files")
        intermediate = DirectoryDrop(tmp_path / "files" / bootstrap.INTERMEDIATE)
        service = InterchangeService(
            SqlStore(engine),
            numbers=FakeNumbers(),
            drop=drop,
            intermediate=intermediate,
            people=FakePeople(),
            burden=FakeBurden(),
            insurer_number="139998",
            clock=lambda: clock["now"],
        )
        service.record_qualification_event(acquired("000000001", "H1"))
        service.record_qualification_event(acquired("000000002", "H2", dv_support=True))
        clock["now"] = AFTER_DAY
        assert service.run_daily_aggregation(DAY).sent == 2
        clock["now"] = DURING_DAY + dt.timedelta(days=1)
        server = IntermediateServer(tmp_path / "files", tmp_path / "intermediate.json")
        service.register_subcopies(DAY)
        server.seed_income(my_number=MY_NUMBER, income_year=2025, non_taxed=False, taxable_income=2_000_000)
        service.query_subcopy(person_id="000000001", item="income", operator_id="clerk-01")
        service.send_queries(DAY)
        server.receive()
        server.ask(insurer="139998", person_id="000000002", requester="139006")
        bases = {}
        for path in sorted(intermediate.inbox.iterdir()):
            bases[path.name] = path.read_bytes()
            path.unlink()
        bases["RET_139998_P_20261205.dat"] = returned_file(
            [("000000001", "c-000000001", "0", "", "2020-04-01"), ("000000002", "c-000000002", "1", "K101", "")]
        )
        assert sorted(n[:4] for n in bases) == ["ANS_", "REQ_", "RES_", "RET_"]
        yield service, drop, intermediate, bases


def data_tables(service) -> dict[str, list]:
    """Every row of every table but where outcomes are recorded."""
    engine = service.store.engine
    if not hasattr(engine, "fuzz_tables"):
        meta = sa.MetaData()
        with engine.connect() as conn:
            meta.reflect(conn)
        engine.fuzz_tables = [t for t in meta.sorted_tables if t.name not in RECORD_TABLES]
    with engine.connect() as conn:
        return {t.name: sorted(map(repr, conn.execute(sa.select(t)).all())) for t in engine.fuzz_tables}


def outcomes(service, name: str, digest: str) -> list[str | None]:
    """The error of each row the import list or the receipts recorded of one file (None: taken in)."""
    found = []
    with service.store.engine.connect() as conn:
        for table in ("interchange_imports", "intermediate_receipts"):
            query = sa.text(f"SELECT error FROM {table} WHERE file_name = :n AND sha256 = :d")
            found += [r.error for r in conn.execute(query, {"n": name, "d": digest})]
    return found


# --- mutations -----------------------------------------------------------------------------------------------------

JUNK_FIELDS = [
    b"20260230",
    b"00000000",
    "R08.02.30".encode("cp932"),
    "令和８年".encode("cp932"),
    b"9" * 5000,
    b"-0000001",
    "１２３".encode("cp932"),
    MY_NUMBER.encode(),
    NAME.encode("cp932"),
    b"\x00" * 4,
    b"\x82",  # a lead byte alone: half a double-byte character
    b"\xff\xfe",
    b"",
]


def mutate(rng: random.Random, content: bytes) -> bytes:
    data = bytearray(content)
    size = layout.RECORD_SIZE
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(17)
        at = rng.randrange(len(data) + 1) if data else 0
        if op == 0:
            data = data[:at]  # truncated, mid character included
        elif op == 1 and data:
            data[min(at, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif op == 2:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        elif op == 3:
            del data[at : at + rng.randint(1, 4)]
        elif op == 4 and len(data) >= size:
            n = rng.randrange(len(data) // size)
            data[n * size : n * size] = data[n * size : (n + 1) * size]  # a record twice
        elif op == 5 and len(data) >= size:
            n = rng.randrange(len(data) // size)
            del data[n * size : (n + 1) * size]  # a record dropped
        elif op == 6:
            try:
                data = bytearray(bytes(data).decode("cp932").encode("utf-8"))  # the wrong encoding
            except UnicodeDecodeError:
                data = bytearray(bytes(data).decode("cp932", "replace").encode("utf-16"))
        elif op == 7:
            data[0:0] = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", "\ufeff".encode("cp932", "replace")])
        elif op == 8:
            data[at : at + 1] = b"\x00"
        elif op == 9:
            data = bytearray(b"\r".join(data[i : i + size] for i in range(0, len(data), size)) + b"\r")
        elif op == 10 and len(data) >= size:
            count = rng.choice([0, 1, 9999999, len(data) // size + rng.randint(-3, 3)])
            data[-size + 8 : -size + 15] = str(max(count, 0)).rjust(7, "0").encode()[:7]  # the trailer's count
        elif op == 11 and len(data) >= 2 * size:
            n = rng.randrange(len(data) // size)  # a field of a record overwritten, of its length or not
            start = n * size + rng.randrange(1, size - 8)
            junk = rng.choice(JUNK_FIELDS)
            end = start + (len(junk) if rng.random() < 0.7 else rng.randint(0, 12))
            data[start:end] = junk
        elif op == 12:
            data = bytearray()  # empty
        elif op == 13:
            lines = rng.randint(100, 3000)
            data = bytearray(b"".join(b"junk line %d \xff\x00\r\n" % i for i in range(lines)))
        elif op == 14 and len(data) >= size:
            n = rng.randrange(len(data) // size)
            data[n * size] = rng.choice(b"01289 X")  # the record type
        elif op == 15 and len(data) >= size:
            n = rng.randrange(len(data) // size)
            data[n * size + 1 : n * size + 8] = str(rng.choice([0, 1, 2, 9999999])).rjust(7, "0").encode()
        else:
            data += rng.choice([b"\r\n", b"\n", b" " * size, data[:size]])
    return bytes(data)


# --- the fuzz ------------------------------------------------------------------------------------------------------


def take_in(service, name: str) -> dict:
    kind = "aggregation_import" if name.startswith("RET_") else "intermediate_receipt"
    return service.run_job(service.start_job(kind=kind, parameters={}, business_date=DAY)["job_id"])


def sentinel(name: str, case: int) -> tuple[str, bytes]:
    """A valid file sorted after the mutant: it must still be taken in."""
    if name.startswith("RET_"):
        return f"RET_zz_{case:05d}.dat", returned_file([(f"9{case:08d}", "c-x", "0", "", "")])
    head, _ = layout.encode(layout.HEADER, {"record_type": "1", "serial": 0, "file_kind": sc.KIND_TRANSFER_RESULT})
    body, _ = layout.encode(sc.TRANSFER_RESULT, {"record_type": "2", "serial": 1, "original_serial": 1, "status": 0})
    trailer, _ = layout.encode(layout.TRAILER, {"record_type": "8", "serial": 2, "record_count": 1})
    return f"RES_zz_{case:05d}.dat", head + body + trailer


def test_hostile_inbound_files_are_recorded_once_change_nothing_when_refused_and_block_nothing(world, caplog):
    service, drop, intermediate, bases = world
    rng = random.Random(SEED)
    caplog.set_level(logging.DEBUG)
    for case in range(CASES):
        name = rng.choice(sorted(bases))
        content = mutate(rng, bases[name])
        inbox = drop.inbox if name.startswith("RET_") else intermediate.inbox
        inbox.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(content).hexdigest()
        before = data_tables(service)
        (inbox / name).write_bytes(content)
        what = f"case {case} (seed {SEED}): {name}"

        first = take_in(service, name)
        assert (first["state"], first["error"] or None) == ("succeeded", None), f"{what}: {first['error']}"
        [error] = outcomes(service, name, digest)
        if error is not None:
            assert before == data_tables(service), f"{what}: refused but changed stored data ({error})"
            assert MY_NUMBER not in error and "山田" not in error, what
            assert error.startswith(("line ", "the file ", f"{len(content)} bytes")), f"{what}: {error}"
        other, valid = sentinel(name, case)
        (inbox / other).write_bytes(valid)
        second = take_in(service, name)
        assert (second["state"], second["done"]) == ("succeeded", 1), f"{what}: the mutant was read again"
        assert len(outcomes(service, name, digest)) == 1, what
        assert outcomes(service, other, hashlib.sha256(valid).hexdigest()) == [None], what
        (inbox / name).unlink()
        (inbox / other).unlink()
    for record in caplog.records:
        text = f"{record.getMessage()} {record.__dict__}"
        assert MY_NUMBER not in text and "山田" not in text, text


# --- the faults the fuzz found, one test each ------------------------------------------------------------------


def records_of(content: bytes) -> list[bytearray]:
    size = layout.RECORD_SIZE
    return [bytearray(content[i : i + size]) for i in range(0, len(content), size)]


def put(record: bytearray, of: layout.Layout, field: str, data: bytes) -> None:
    """Overwrite one field of a record with `data`, space padded to the field's size."""
    at = 0
    for f in of.fields:
        if f.name == field:
            record[at : at + f.size] = data.ljust(f.size, b" ")[: f.size]
            return
        at += f.size
    raise KeyError(field)


def errors_of(service, table: str) -> list[str | None]:
    with service.store.engine.connect() as conn:
        return [r.error for r in conn.execute(sa.text(f"SELECT error FROM {table} ORDER BY seq"))]


def queries_of(service) -> list[tuple]:
    with service.store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT query_id, state, taxable_income FROM subcopy_queries"))]


def two_answers(world) -> tuple[str, list[bytearray]]:
    """The answer file, with a second answer for a query of the same file (so a half-applied file shows)."""
    service, _drop, _intermediate, bases = world
    [name] = [n for n in bases if n.startswith("ANS_")]
    records = records_of(bases[name])
    return name, records


def test_an_answer_file_with_an_undecodable_record_is_unreadable_and_applies_none_of_its_answers(world):
    service, _drop, intermediate, bases = world
    name, records = two_answers(world)
    second = bytearray(records[1])
    put(second, sc.QUERY_ANSWER, "serial", b"0000002")
    put(second, sc.QUERY_ANSWER, "message", b"\x82")  # half a double-byte character
    trailer = records[-1]
    put(trailer, layout.TRAILER, "serial", b"0000003")
    put(trailer, layout.TRAILER, "record_count", b"0000002")
    (intermediate.inbox / name).write_bytes(b"".join([records[0], records[1], second, trailer]))
    before = queries_of(service)

    received = service.receive_intermediate()  # raised UnicodeDecodeError after applying the first answer

    assert received.answers == 0 and queries_of(service) == before
    [error] = errors_of(service, "intermediate_receipts")
    assert error == "line 3: field message (結果内容) is not CP932 text"
    assert service.receive_intermediate().files == 0 and len(errors_of(service, "intermediate_receipts")) == 1


def test_a_transfer_result_with_a_name_in_a_number_field_is_unreadable_and_its_error_names_no_value(world):
    service, _drop, intermediate, bases = world
    [name] = [n for n in bases if n.startswith("RES_")]
    records = records_of(bases[name])
    put(records[1], sc.TRANSFER_RESULT, "original_serial", "山田太".encode("cp932"))
    (intermediate.inbox / name).write_bytes(b"".join(records))
    job = service.run_job(service.start_job(kind="intermediate_receipt", parameters={}, business_date=DAY)["job_id"])
    assert (job["state"], job["error"] or None) == ("succeeded", None)  # was failed: invalid literal for int() '山田太'
    [error] = errors_of(service, "intermediate_receipts")
    assert error == "line 2: field original_serial (対象レコード通番) is not 7 digits"


@pytest.mark.parametrize("field", ["person_id", "request_id"])
def test_a_manual_request_with_a_nul_is_unreadable_and_the_file_after_it_is_still_received(world, field):
    service, _drop, intermediate, bases = world
    [name] = [n for n in bases if n.startswith("REQ_")]
    records = records_of(bases[name])
    put(records[1], sc.MANUAL_REQUEST, field, b"0000\x0000002")  # PostgreSQL took no NUL: the job failed, every poll
    (intermediate.inbox / name).write_bytes(b"".join(records))
    valid, content = sentinel(name, 1)
    (intermediate.inbox / valid).write_bytes(content)
    job = service.run_job(service.start_job(kind="intermediate_receipt", parameters={}, business_date=DAY)["job_id"])
    assert (job["state"], job["done"]) == ("succeeded", 1)
    assert errors_of(service, "intermediate_receipts") == [
        f"line 2: field {field} ({_label(sc.MANUAL_REQUEST, field)}) holds a control character",
        None,
    ]
    assert service.list_manual_requests(state="", page=Page(10, None))[0] == []


def _label(of: layout.Layout, name: str) -> str:
    return next(f.label for f in of.fields if f.name == name)


def returned_record(world, field: str, data: bytes) -> list[bytearray]:
    _service, _drop, _intermediate, bases = world
    records = records_of(bases["RET_139998_P_20261205.dat"])
    put(records[1], layout.RESULT, field, data)
    return records


@pytest.mark.parametrize(
    ("field", "data", "fault"),
    [
        ("pref_acquired_on", b"20260230", "is not a date YYYYMMDD"),  # was reflected and written back as 2026-02-30
        ("pref_acquired_on", b"00000000", "is not a date YYYYMMDD"),
        ("pref_acquired_on", "R080230".encode("cp932"), "is not a date YYYYMMDD"),
        ("status", b"7", "is not one of 0, 1"),  # was taken as rejected
        ("file_kind", b"Z", "is not one of H, P"),
        ("person_id", b"00000\x0000001", "holds a control character"),  # PostgreSQL: the job failed, every poll
        ("original_serial", "１２３".encode("cp932"), "is not 7 digits"),  # int() took full-width digits
    ],
)
def test_a_returned_file_with_a_bad_field_is_refused_naming_it_and_reflects_nothing(world, field, data, fault):
    service, drop, _intermediate, _bases = world
    drop.inbox.mkdir(parents=True, exist_ok=True)
    (drop.inbox / "RET_139998_P_20261205.dat").write_bytes(b"".join(returned_record(world, field, data)))
    before = data_tables(service)
    job = service.run_job(service.start_job(kind="aggregation_import", parameters={}, business_date=DAY)["job_id"])
    assert (job["state"], job["error"] or None) == ("succeeded", None)
    assert errors_of(service, "interchange_imports") == [
        f"line 2: field {field} ({_label(layout.RESULT, field)}) {fault}"
    ]
    assert data_tables(service) == before
    assert service.import_returned().files == 0


def test_a_returned_file_of_many_kinds_is_refused_not_a_database_error(world):
    service, drop, _intermediate, _bases = world
    content = returned_file([(f"00000000{n % 10}", f"c-{n}", "0", "", "") for n in range(40)])
    records = records_of(content)
    for n, record in enumerate(records[1:-1]):
        put(record, layout.RESULT, "file_kind", b"ABCDEFGHJKLMNQRSTUVWXYZ0123456789abcdef"[n : n + 1])
    drop.inbox.mkdir(parents=True, exist_ok=True)
    (drop.inbox / "RET_139998_P_20261205.dat").write_bytes(b"".join(records))
    assert service.import_returned().files == 1  # PostgreSQL: data_type longer than its 40 characters, every poll
    assert errors_of(service, "interchange_imports") == [
        "line 2: field file_kind (対象ファイル種別) is not one of H, P"
    ]


def test_a_file_name_longer_than_the_list_keeps_is_received_once(world):
    service, _drop, intermediate, bases = world
    [name] = [n for n in bases if n.startswith("REQ_")]
    long_name = "REQ_" + "x" * 150 + ".dat"  # PostgreSQL: longer than file_name's 100 characters, every poll
    (intermediate.inbox / long_name).write_bytes(bases[name])
    assert service.receive_intermediate().manual_requests == 1
    assert service.receive_intermediate().files == 0
    with service.store.engine.connect() as conn:
        [stored] = conn.execute(sa.text("SELECT file_name FROM intermediate_receipts")).scalars()
    assert len(stored) == 100 and stored.startswith("REQ_xxx")


def test_a_directory_or_an_unopenable_file_in_the_inbox_blocks_nothing(world, monkeypatch):
    service, _drop, intermediate, bases = world
    [name] = [n for n in bases if n.startswith("REQ_")]
    (intermediate.inbox / "REQ_0_dir.dat").mkdir()  # was IsADirectoryError on every poll
    (intermediate.inbox / "REQ_1_locked.dat").write_bytes(b"x")
    (intermediate.inbox / name).write_bytes(bases[name])
    opened = open

    def refusing(path, *args, **kwargs):
        if str(path).endswith("REQ_1_locked.dat"):
            raise PermissionError(13, "Permission denied")
        return opened(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing)
    assert service.receive_intermediate().manual_requests == 1


def test_a_file_whose_name_is_not_utf8_is_received_once(world):
    service, _drop, intermediate, bases = world
    [name] = [n for n in bases if n.startswith("RES_")]
    odd = os.fsencode(intermediate.inbox) + b"/RES_\xff\xfe" + name.encode()[4:]  # the database took no surrogate
    with open(odd, "wb") as out:
        out.write(bases[name])
    job = service.run_job(service.start_job(kind="intermediate_receipt", parameters={}, business_date=DAY)["job_id"])
    assert (job["state"], job["done"]) == ("succeeded", 1)
    assert service.receive_intermediate().files == 0


@pytest.mark.parametrize("case", range(int(os.environ.get("INTERCHANGE_FUZZ_TABLES", "60"))))
def test_a_mutated_address_table_loads_or_is_refused_naming_its_line(tmp_path, case):
    rng = random.Random(SEED + case)
    sample = (pathlib.Path(__file__).parents[2] / "docs" / "interchange" / "address-table.sample.csv").read_bytes()
    content = mutate_text(rng, sample)
    path = tmp_path / "table.csv"
    path.write_bytes(content)
    try:
        table = AddressTableFile(path).load()
    except TableError as exc:
        assert str(exc).startswith(f"{path}: "), exc
        fault = str(exc).removeprefix(f"{path}: ")
        assert fault.startswith(("line ", "cannot be read", "larger than")), fault
    else:
        assert len(table) >= 0


def mutate_text(rng: random.Random, content: bytes) -> bytes:
    data = bytearray(content)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(data) + 1)
        op = rng.randrange(8)
        if op == 0:
            data = data[:at]
        elif op == 1 and data:
            data[min(at, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif op == 2:
            data[at:at] = rng.choice(
                [b"\x00", b'"', b"\r", b",", "\ufeff".encode(), "住所".encode("cp932"), b"9" * 5000]
            )
        elif op == 3:
            data[at:at] = b"1" * 140_000  # past the csv module's field limit
        elif op == 4:
            lines = data.split(b"\n")
            n = rng.randrange(len(lines))
            lines.insert(n, lines[n])  # a line twice
            data = bytearray(b"\n".join(lines))
        elif op == 5:
            data = bytearray(data.replace(b"\n", b"\r"))
        elif op == 6:
            data = bytearray(bytes(data).decode("utf-8", "replace").encode("utf-16"))
        else:
            del data[at : at + rng.randint(1, 20)]
    return bytes(data)


def test_a_file_larger_than_the_limit_is_unreadable_with_its_digest_and_not_read(world, monkeypatch):
    from nhi_interchange.adapters import files as drops
    from nhi_interchange.domain import inbound

    service, drop, _intermediate, _bases = world
    monkeypatch.setattr(drops, "MAX_BYTES", 10 * layout.RECORD_SIZE)
    content = returned_file([("000000001", "c-000000001", "0", "", "")] * 20)
    drop.inbox.mkdir(parents=True, exist_ok=True)
    (drop.inbox / "RET_139998_P_20261205.dat").write_bytes(content)
    assert service.import_returned().files == 1
    with service.store.engine.connect() as conn:
        [(sha, error)] = conn.execute(sa.text("SELECT sha256, error FROM interchange_imports")).all()
    assert sha == hashlib.sha256(content).hexdigest()
    assert error == f"the file is larger than {inbound.MAX_BYTES} bytes ({inbound.MAX_RECORDS} records); not read"
    assert service.import_returned().files == 0


def test_an_address_table_the_csv_reader_cannot_read_is_a_table_error_naming_the_line():
    head = "address_code,ward_code,district_code,aggregation_address_code\n99999001001,,0101,9999900001001\n"
    with pytest.raises(TableError) as refused:  # was csv.Error (field larger than field limit): a traceback at start
        parse_table(head + "1" * 200_000 + ",,0101,9999900001002\n")
    assert str(refused.value) == "line 3: not CSV: field larger than field limit (131072)"


def test_an_address_table_file_with_a_nul_names_its_line(tmp_path):
    path = tmp_path / "table.csv"
    path.write_bytes(b"address_code,ward_code,district_code,aggregation_address_code\n9999\x00,,0101,9999900001001\n")
    with pytest.raises(TableError) as refused:
        AddressTableFile(path).load()
    assert "line 2:" in str(refused.value)
