"""A mutation fuzz of the inbound feed files through the gateway with the real services: valid resident (CSV,
fixed-length CP932, JSON Lines), pension, welfare and income files, mutated at random (seeded), uploaded as a clerk
does. Whatever the file, the answer is never a 5xx or a hang; a refusal names the line and field; a refused file
leaves the stores as they were; an applied one stored what it says it applied.

FEED_FUZZ_CASES (default 300) and FEED_FUZZ_SEED choose how many files and which; a failure names its case and seed.
Setting FEED_FUZZ_CASES also lets a file of a million broken lines in now and then (seconds each).
"""

from __future__ import annotations

import os
import random
import re
import time
import uuid

import httpx
import pytest
import sqlalchemy as sa
from scenario_steps import new_person_id

from nhi_common import db
from nhi_integration.domain.resident_files import encode_csv, encode_fixed

pytestmark = pytest.mark.e2e

CASES = int(os.environ.get("FEED_FUZZ_CASES", "300"))
SEED = int(os.environ.get("FEED_FUZZ_SEED", "20261207"))
LONG_RUN = "FEED_FUZZ_CASES" in os.environ
ONLY = int(os.environ["FEED_FUZZ_ONLY"]) if os.environ.get("FEED_FUZZ_ONLY") else None  # replay one case
PROBLEM = "application/problem+json"
REFUSED_BY_QUALIFICATION = re.compile(r"\((FAILED_PRECONDITION|INVALID_ARGUMENT)\)$")

# Tables only an uploaded file writes to synchronously: a refused file must leave their counts as they were.
WATCHED = {
    "integration": ("received_changes", "person_sequences", "pension_categories", "welfare_periods"),
    "qualification": ("households", "persons", "income_facts"),
}

# ----- valid files -----


def resident_change(rng: random.Random) -> dict:
    household_id = f"H7{uuid.UUID(int=rng.getrandbits(128)).int % 10**9:09d}"
    persons = []
    for order in range(1, rng.randint(1, 3) + 1):
        persons.append(
            {
                "person_id": new_person_id(),
                "name_kanji": rng.choice(["髙橋　一郎", "山﨑　花子", "渡邉　太郎"]),
                "name_kana": rng.choice(["タカハシ　イチロウ", "ヤマサキ　ハナコ", "ワタナベ　タロウ"]),
                "birth_date": f"{rng.randint(1955, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "sex": rng.choice("12"),
                "relationship": "世帯主" if order == 1 else "子",
                "listing_order": order,
                "my_number": "",
                "nationality": "",
                "residence_status": "",
                "residence_expires_on": "",
                "dv_support": False,
                "sequence": rng.randint(1, 50),
            }
        )
    return {
        "change_id": f"F{uuid.UUID(int=rng.getrandbits(128)).hex[:24]}",
        "change_kind": "move_in",
        "event_date": "2026-11-20",
        "notified_on": "2026-11-21",
        "household_id": household_id,
        "head_person_id": persons[0]["person_id"],
        "address": {"postal_code": "1000001", "address_code": "13999001", "address": "みどり市泉町1丁目2番3号"},
        "previous_municipality": "横浜市",
        "persons": persons,
    }


def resident_file(rng: random.Random, file_format: str) -> bytes:
    import json

    changes = [resident_change(rng) for _ in range(rng.randint(1, 3))]
    if file_format == "csv":
        return encode_csv(changes)
    if file_format == "fixed":
        return b"".join(encode_fixed(c) for c in changes)
    return b"".join(json.dumps(c, ensure_ascii=False).encode() + b"\n" for c in changes)


def record_rows(rng: random.Random, source: str) -> list[dict]:
    rows = []
    for n in range(rng.randint(1, 4)):
        person_id = new_person_id()
        if source == "income":
            rows.append(
                {
                    "record_id": f"inc-{person_id}-{n}",
                    "person_id": person_id,
                    "income_year": rng.choice([2024, 2025]),
                    "taxable_income": rng.randint(0, 5_000_000),
                    "gross_income": rng.randint(0, 9_000_000),
                    "non_taxed": "false",
                }
            )
        elif source == "pension":
            rows.append(
                {
                    "change_id": f"pen-{person_id}-{n}",
                    "person_id": person_id,
                    "event": rng.choice(["acquired", "changed", "lost"]),
                    "category": rng.choice("123"),
                    "changed_on": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
                    "reason": "種別変更",
                }
            )
        else:
            rows.append(
                {
                    "change_id": f"wel-{person_id}-{n}",
                    "person_id": person_id,
                    "started_on": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    "ended_on": rng.choice(["", "2026-10-31"]),
                    "reason": "保護開始",
                }
            )
    return rows


def record_file(rng: random.Random, source: str, file_format: str) -> bytes:
    import csv
    import io
    import json

    rows = record_rows(rng, source)
    if file_format == "jsonl":
        return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in rows)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


KINDS = [
    ("resident", "csv"),
    ("resident", "fixed"),
    ("resident", "jsonl"),
    ("pension", "csv"),
    ("pension", "jsonl"),
    ("welfare", "csv"),
    ("welfare", "jsonl"),
    ("income", "csv"),
    ("income", "jsonl"),
]


def valid_file(rng: random.Random, source: str, file_format: str) -> bytes:
    return resident_file(rng, file_format) if source == "resident" else record_file(rng, source, file_format)


# ----- mutations -----


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [data]


def truncate(rng, data):
    return data[: rng.randrange(len(data) + 1)]


def insert_bytes(rng, data):
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.randbytes(rng.randint(1, 8)) + data[at:]


def delete_bytes(rng, data):
    at = rng.randrange(len(data) + 1)
    return data[:at] + data[at + rng.randint(1, 16) :]


def replace_bytes(rng, data):
    if not data:
        return data
    at = rng.randrange(len(data))
    return data[:at] + rng.choice([rng.randbytes(1), b",", b'"', b"\n", b"\r", b"{", b"\\", b" "]) + data[at + 1 :]


def duplicate_line(rng, data):
    lines = _lines(data)
    at = rng.randrange(len(lines))
    return b"".join(lines[: at + 1] + [lines[at]] + lines[at + 1 :])


def drop_line(rng, data):
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"".join(lines)


def swap_encoding(rng, data):
    for source, target in (("utf-8", "cp932"), ("cp932", "utf-8")):
        try:
            return data.decode(source).encode(target, errors="replace")
        except UnicodeError:
            continue
    return data


def bom(rng, data):
    return b"\xef\xbb\xbf" + data


def surrogate(rng, data):
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice([b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xd8\x00", b"\x81"]) + data[at:]


def cr_only(rng, data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")


def nul(rng, data):
    at = rng.randrange(len(data) + 1)
    return data[:at] + b"\x00" * rng.randint(1, 3) + data[at:]


def long_line(rng, data):
    at = rng.randrange(len(data) + 1)
    return (
        data[:at] + rng.choice([b"9", b"a", b"\x82\xa0", "あ".encode()]) * rng.choice([300, 5000, 200_000]) + data[at:]
    )


def empty(rng, data):
    return rng.choice([b"", b"\n", b"\r\n\r\n", b" ", b"\xef\xbb\xbf"])


def header_only(rng, data):
    return _lines(data)[0]


def extra_column(rng, data):
    lines = _lines(data)
    at = rng.randrange(len(lines))
    line = lines[at]
    body = line.rstrip(b"\r\n")
    lines[at] = body + rng.choice([b",x", b",", b',"a,b"']) + line[len(body) :]
    return b"".join(lines)


def missing_column(rng, data):
    lines = _lines(data)
    at = rng.randrange(len(lines))
    line = lines[at]
    body = line.rstrip(b"\r\n")
    cut = body.rfind(b",")
    lines[at] = (body[:cut] if cut >= 0 else body[: len(body) // 2]) + line[len(body) :]
    return b"".join(lines)


NUMBERS = [
    b"3000000000",
    b"9223372036854775808",
    b"-1",
    b"0",
    b"99999999999999999999",
    b"9" * 5000,
    b"1e9",
    b"1.5",
    b"\xef\xbc\x91",
    b"2100",
    b"1988",
]


def numbers(rng, data):

    found = list(re.finditer(rb"\d+", data))
    if not found:
        return data
    match = rng.choice(found)
    return data[: match.start()] + rng.choice(NUMBERS) + data[match.end() :]


DATES = [
    "2026-02-30",
    "0000-00-00",
    "20260230",
    "00000000",
    "R08-11-20",
    "令和8年11月20日",
    "H31.04.31",
    "2026-W47-1",
    "9999-12-31",
    "2026/11/20",
]


def dates(rng, data):

    found = list(re.finditer(rb"\d{4}-\d{2}-\d{2}|(?<!\d)(19|20)\d{6}(?!\d)", data))
    if not found:
        return data
    match = rng.choice(found)
    date = rng.choice(DATES)
    encoded = date.encode(rng.choice(["utf-8", "cp932"]))
    if len(match.group()) == 8 and len(encoded) != 8:  # a fixed-length field keeps its width when it can
        encoded = (encoded + b"        ")[:8] if rng.random() < 0.5 else encoded
    return data[: match.start()] + encoded + data[match.end() :]


def deep_json(rng, data):
    return data + b"[" * rng.choice([100, 5000, 100_000]) + b"\n"


def huge_int_json(rng, data):
    lines = _lines(data)
    at = rng.randrange(len(lines))
    return b"".join(lines[:at] + [b'{"income_year": ' + b"9" * 5000 + b"}\n"] + lines[at:])


def many_bad_lines(rng, data):
    # A million broken lines once in a while (the long runs only: each takes seconds): enough problems for an answer
    # over a gRPC message's 64 MiB limit.
    count = 1_000_000 if LONG_RUN and rng.random() < 0.1 else rng.choice([1000, 20_000])
    return data + rng.choice([b"x\n", b",,,\n", b"{}\n", b"\x82\n"]) * count


MUTATIONS = [
    many_bad_lines,
    truncate,
    insert_bytes,
    delete_bytes,
    replace_bytes,
    duplicate_line,
    drop_line,
    swap_encoding,
    bom,
    surrogate,
    cr_only,
    nul,
    long_line,
    empty,
    header_only,
    extra_column,
    missing_column,
    numbers,
    dates,
    deep_json,
    huge_int_json,
]


def mutate(rng: random.Random, data: bytes) -> tuple[bytes, list[str]]:
    names = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        mutation = rng.choice(MUTATIONS)
        names.append(mutation.__name__)
        data = mutation(rng, data)
    return data, names


# ----- the stores -----


class Stores:
    """Row counts of the tables a file writes to, read straight from each service's database."""

    def __init__(self, env: dict[str, str]) -> None:
        self.engines = {}
        for name in WATCHED:
            prefix = name.upper()
            self.engines[name] = db.make_engine(
                env[f"{prefix}_DATABASE_URL"], schema=env.get(f"{prefix}_DATABASE_SCHEMA") or None, pool_size=2
            )

    def counts(self) -> dict[str, int]:
        found = {}
        for name, tables in WATCHED.items():
            with self.engines[name].connect() as conn:
                for table in tables:
                    found[f"{name}.{table}"] = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        return found

    def of_import(self, import_id: str) -> tuple[int, int]:
        """(resident changes handed on under this import, claims of its receipt key)."""
        with self.engines["integration"].connect() as conn:
            changes = conn.execute(
                sa.text("SELECT count(*) FROM received_changes WHERE import_id = :i"), {"i": import_id}
            ).scalar_one()
            claims = conn.execute(
                sa.text("SELECT count(*) FROM inbox WHERE event_id = :k"), {"k": f"import:{import_id}"}
            ).scalar_one()
        return changes, claims

    def close(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


@pytest.fixture(scope="module")
def stores(running):
    found = Stores(running.env)
    previous, deadline = None, time.monotonic() + 60
    while time.monotonic() < deadline:  # the demo households arrive through the stream: wait until they are all in
        counts = found.counts()
        if counts == previous:
            break
        previous = counts
        time.sleep(1)
    yield found
    found.close()


# ----- the fuzz -----


def send(running, method: str, url: str, **kwargs):
    """A request, sent again after the gateway's rate limit (50 a second per subject) says when."""
    for _attempt in range(20):
        answer = running.http.request(method, url, **kwargs)
        if answer.status_code != 429:
            return answer
        time.sleep(float(answer.headers.get("retry-after", "1")))
    return answer


def check_case(
    running,
    stores: Stores,
    headers: dict,
    source: str,
    file_format: str,
    content: bytes,
    partial: bool,
    content_type: str = "application/octet-stream",
    file_name: str = "",
) -> None:
    params = {"file_format": file_format, "file_name": file_name or f"fuzz.{file_format}"}
    headers = {**headers, "Content-Type": content_type}
    if partial:
        params["partial"] = "true"
    before = stores.counts()
    answer = send(running, "POST", f"/api/v1/feeds/{source}", params=params, content=content, headers=headers)
    assert answer.status_code < 500, f"{answer.status_code}: {answer.text[:500]}"
    if answer.status_code >= 400:
        assert answer.headers["content-type"].startswith(PROBLEM), answer.headers["content-type"]
        problem = answer.json()
        assert problem["status"] == answer.status_code
        assert problem.get("errors") and all(e.get("field") for e in problem["errors"]), problem
        assert stores.counts() == before
        return
    assert answer.status_code == 201, answer.text[:500]
    doc = answer.json()
    errors = doc["errors"]
    assert all(isinstance(e["line"], int) and e["line"] >= 0 and isinstance(e["field"], str) for e in errors), doc
    assert all(e["field"] or e["line"] > 0 for e in errors), f"an error names neither line nor field: {doc}"
    assert 0 <= doc["applied"] <= doc["records"] and doc["rejected"] == doc["records"] - doc["applied"], doc
    if errors and not partial and not all(REFUSED_BY_QUALIFICATION.search(e["message"]) for e in errors):
        # docs/feeds/resident-file.md: a well-formed change svc-qualification refuses (NUM-MYNUMBER, an unknown
        # status of residence) is listed on its line and the rest of the file goes on; anything else imports nothing.
        assert doc["applied"] == 0, f"a refused file imported {doc['applied']} records: {errors[:5]}"
    if doc["applied"] == 0:
        assert doc["state"] == "rejected" and errors, f"nothing applied and nothing said why: {doc}"
        assert stores.counts() == before, "a refused file left rows behind"
        assert stores.of_import(doc["import_id"]) == (0, 0), "a refused file was handed on"
    else:
        assert doc["state"] == "processed"
        changes, claims = stores.of_import(doc["import_id"])
        if source == "resident":
            assert changes == doc["applied"], f"{doc['applied']} changes applied, {changes} kept"
        else:
            assert claims == 1, "an applied file left no receipt"
    stored = send(running, "GET", f"/api/v1/feeds/imports/{doc['import_id']}", headers=headers)
    assert stored.status_code == 200 and stored.json() == doc


def test_a_mutated_feed_file_is_refused_by_line_and_field_or_applied_never_a_5xx(running, stores):
    rng = random.Random(SEED)
    headers = {**running.headers("batch", "auditor"), "Content-Type": "application/octet-stream"}
    failures = []
    for case in range(CASES):
        source, file_format = KINDS[case % len(KINDS)]
        content, mutations = mutate(rng, valid_file(rng, source, file_format))
        partial = rng.random() < 0.25
        content_type = rng.choice(["application/octet-stream", "text/csv", "text/csv; charset=utf-8"])
        file_name = rng.choice(
            ["", "", "", "\x00.csv", "a" * 200, "住民異動_20261121.dat", "../../etc/passwd", "\u202e"]
        )
        if rng.random() < 0.1:  # the format the caller names is not the file's
            file_format = rng.choice(["jsonl", "csv", "fixed"])
        if ONLY is not None and case != ONLY:
            continue
        try:
            check_case(running, stores, headers, source, file_format, content, partial, content_type, file_name)
        except (AssertionError, httpx.TimeoutException) as exc:
            failures.append(f"case {case} (seed {SEED}) {source}/{file_format} {'+'.join(mutations)}: {exc}")
    assert not failures, f"{len(failures)} of {CASES} cases failed:\n" + "\n".join(failures[:200])
