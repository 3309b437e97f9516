"""Resident changes as bulk files (住民異動ファイル): CSV with a heading row, or fixed-length CP932 records.

One row is one person of one change; the rows of a change share its `change_id` and repeat its change-level
fields. Rows are grouped into changes and each change is validated as a stream message is (parse_change), so a
file and the stream take the same changes. Problems name the line and the column and never repeat a value.
The layout, field by field, is docs/integration/resident-file.md; this module is the reference implementation.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re

from .feed import FeedLine
from .resident import InvalidChange, Problem, parse_change

FORMATS = ("jsonl", "csv", "fixed")

# Change-level columns (repeated on every row of a change), then person-level columns.
CHANGE_COLUMNS = ("change_id", "change_kind", "event_date", "notified_on", "household_id", "head_person_id")
ADDRESS_COLUMNS = ("postal_code", "address_code", "address", "building", "district_code")
TAIL_COLUMNS = ("previous_municipality",)
PERSON_COLUMNS = (
    "person_id",
    "name_kanji",
    "name_kana",
    "birth_date",
    "sex",
    "relationship",
    "listing_order",
    "my_number",
    "nationality",
    "residence_status",
    "residence_expires_on",
    "dv_support",
    "sequence",
)
COLUMNS = CHANGE_COLUMNS + ADDRESS_COLUMNS + TAIL_COLUMNS + PERSON_COLUMNS
SHARED_COLUMNS = CHANGE_COLUMNS + ADDRESS_COLUMNS + TAIL_COLUMNS
REQUIRED_HEADINGS = ("change_id", "change_kind", "event_date", "notified_on", "household_id", "person_id")
INTEGER_COLUMNS = ("listing_order", "sequence")

# 異動事由コード of the fixed-length layout (2 digits) and the reason codes of the wire schema.
FILE_REASON_CODES: dict[str, str] = {
    "01": "move_in",
    "02": "move_in_same_pref",
    "03": "move_in_from_abroad",
    "11": "move_within",
    "21": "move_out_planned",
    "22": "move_out",
    "23": "move_out_same_pref",
    "24": "move_out_abroad",
    "31": "birth",
    "32": "death",
    "41": "ex_officio_entry",
    "42": "ex_officio_deletion",
    "43": "ex_officio_correction",
    "51": "household_merge",
    "52": "household_split",
    "53": "head_change",
    "54": "household_change",
    "61": "name_change",
    "71": "residence_status_change",
    "72": "residence_period_change",
    "81": "dv_support_change",
}
REASON_FILE_CODES = {kind: code for code, kind in FILE_REASON_CODES.items()}


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    size: int  # bytes in CP932
    kind: str  # X: half-width ASCII, N: CP932 text (kanji, kana), 9: digits, D: date YYYYMMDD, F: filler


# The fixed-length record: 600 bytes of CP932, each field left-justified and padded with spaces (half-width 0x20;
# an N field may also end in full-width spaces 0x8140), records separated by CR LF (or LF), or none at all.
FIXED_LAYOUT: tuple[Field, ...] = (
    Field("change_id", 30, "X"),
    Field("change_kind", 2, "9"),
    Field("event_date", 8, "D"),
    Field("notified_on", 8, "D"),
    Field("household_id", 15, "X"),
    Field("head_person_id", 15, "9"),
    Field("postal_code", 8, "X"),
    Field("address_code", 11, "9"),
    Field("address", 120, "N"),
    Field("building", 60, "N"),
    Field("district_code", 4, "X"),
    Field("previous_municipality", 40, "N"),
    Field("person_id", 15, "9"),
    Field("name_kanji", 60, "N"),
    Field("name_kana", 60, "N"),
    Field("birth_date", 8, "D"),
    Field("sex", 1, "9"),
    Field("relationship", 20, "N"),
    Field("listing_order", 3, "9"),
    Field("my_number", 12, "9"),
    Field("nationality", 20, "N"),
    Field("residence_status", 40, "N"),
    Field("residence_expires_on", 8, "D"),
    Field("dv_support", 1, "9"),
    Field("sequence", 9, "9"),
    Field("filler", 22, "F"),
)
RECORD_BYTES = sum(f.size for f in FIXED_LAYOUT)
_INDEXED = re.compile(r"^persons\[(\d+)\]\.(.+)$")
_COLUMN_NAME = re.compile(r"[a-z][a-z_]{0,39}")


@dataclasses.dataclass
class _Row:
    line: int
    values: dict[str, str | None]
    problems: list[Problem]


def parse_resident_file(content: bytes, file_format: str) -> list[FeedLine]:
    """The changes of a CSV or fixed-length file; each FeedLine's line is the first row of its change, and each
    problem is reported on the line of the row it concerns (a line-0 problem concerns the whole file)."""
    if file_format == "csv":
        rows = _csv_rows(content)
    else:
        rows = _fixed_rows(content)
    if isinstance(rows, Problem):
        return [FeedLine(0, None, (rows,))]
    if not rows:
        return [FeedLine(0, None, (Problem("content", "the file holds no records"),))]
    return _changes(rows)


# ----- CSV -----


def _decode_text(content: bytes) -> str | Problem:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp932")
    except UnicodeDecodeError:
        return Problem("content", "the file is neither UTF-8 nor CP932 text")


def _csv_rows(content: bytes) -> list[_Row] | Problem:
    text = _decode_text(content)
    if isinstance(text, Problem):
        return text
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _csv_table(reader)
    except csv.Error as exc:  # a cell over the csv module's limit (131072 characters): the file cannot be read
        return LineProblem("record", f"not CSV this service reads ({exc})", reader.line_num)


def _csv_table(reader) -> list[_Row] | Problem:
    heading: list[str] = []
    for raw in reader:
        if any(cell.strip() for cell in raw):
            heading = [name.strip() for name in raw]
            break
    if not heading:
        return []
    unknown = [name for name in heading if name not in COLUMNS]
    missing = [name for name in REQUIRED_HEADINGS if name not in heading]
    if unknown or missing or len(set(heading)) != len(heading):
        parts = []
        if unknown:
            # Only what looks like a column name is named: a file without its heading row has a person's name,
            # address or My Number where the heading belongs, and a problem never repeats a value.
            named = [name for name in unknown if _COLUMN_NAME.fullmatch(name)][:5]
            parts.append(f"{len(unknown)} unknown column(s)" + (": " + ", ".join(named) if named else ""))
        if missing:
            parts.append("missing column(s): " + ", ".join(missing))
        if len(set(heading)) != len(heading):
            parts.append("a column appears twice")
        return Problem("heading", "; ".join(parts))
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        line = reader.line_num
        if len(cells) != len(heading):
            rows.append(_Row(line, {}, [Problem("", f"{len(cells)} cells where the heading names {len(heading)}")]))
            continue
        values = {name: (cell.strip() or None) for name, cell in zip(heading, cells, strict=True)}
        rows.append(_Row(line, values, []))
    return rows


# ----- fixed length -----


def _records(content: bytes) -> list[tuple[int, bytes]]:
    if b"\n" not in content and len(content) % RECORD_BYTES == 0:
        return [(n + 1, content[i : i + RECORD_BYTES]) for n, i in enumerate(range(0, len(content), RECORD_BYTES))]
    return [(n, raw.rstrip(b"\r")) for n, raw in enumerate(content.split(b"\n"), 1)]


def _fixed_rows(content: bytes) -> list[_Row]:
    rows = []
    for line, record in _records(content):
        if not record.strip(b" \r\x1a"):
            continue  # a blank line, or the EOF mark some systems still write
        if len(record) != RECORD_BYTES:
            rows.append(
                _Row(line, {}, [Problem("", f"the record is {len(record)} bytes; the layout has {RECORD_BYTES}")])
            )
            continue
        values: dict[str, str | None] = {}
        problems: list[Problem] = []
        offset = 0
        for field in FIXED_LAYOUT:
            raw = record[offset : offset + field.size]
            offset += field.size
            if field.kind == "F":
                continue
            value, problem = _fixed_value(field, raw)
            values[field.name] = value
            if problem:
                problems.append(Problem(field.name, problem))
        if values.get("change_kind"):
            kind = FILE_REASON_CODES.get(values["change_kind"])
            if kind is None:
                problems.append(Problem("change_kind", "unknown 異動事由コード; the codes are listed in the layout"))
            values["change_kind"] = kind
        rows.append(_Row(line, values, problems))
    return rows


def _fixed_value(field: Field, raw: bytes) -> tuple[str | None, str]:
    try:
        text = raw.decode("cp932")
    except UnicodeDecodeError:
        return None, "is not CP932 text (a double-byte character cut by the field's end?)"
    text = text.rstrip(" \u3000")
    if not text:
        return None, ""
    if field.kind == "X" and not text.isascii():
        return None, "must be half-width (ASCII) characters"
    if field.kind == "9" and not (text.isascii() and text.isdigit()):
        return None, "must be digits"
    if field.kind == "D":
        if text == "00000000":
            return None, ""
        if not (len(text) == 8 and text.isascii() and text.isdigit()):
            return None, "must be a date as YYYYMMDD"
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat(), ""
        except ValueError:
            return None, "must be a date as YYYYMMDD"
    return text, ""


# ----- rows into changes -----


def _integer(row: _Row, name: str) -> int | None:
    value = row.values.get(name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 19:  # 19 digits: beyond any limit, and int() safe
        row.problems.append(Problem(name, "must be a whole number of at most 19 digits"))
        return None
    return int(value)


def _flag(row: _Row) -> bool:
    value = (row.values.get("dv_support") or "0").lower()
    if value not in ("0", "1", "true", "false"):
        row.problems.append(Problem("dv_support", "must be 1 (DV支援措置) or 0"))
        return False
    return value in ("1", "true")


def _person(row: _Row) -> dict:
    person = {name: row.values.get(name) for name in PERSON_COLUMNS}
    person["listing_order"] = _integer(row, "listing_order")
    person["sequence"] = _integer(row, "sequence")
    person["dv_support"] = _flag(row)
    return person


def _change(first: _Row) -> dict:
    values = first.values
    return {
        **{name: values.get(name) for name in CHANGE_COLUMNS},
        "address": {name: values.get(name) for name in ADDRESS_COLUMNS if values.get(name) is not None},
        "previous_municipality": values.get("previous_municipality"),
        "persons": [],
    }


def _changes(rows: list[_Row]) -> list[FeedLine]:
    groups: dict[str, list[_Row]] = {}
    lines: list[FeedLine] = []
    for row in rows:
        if not row.values:
            lines.append(FeedLine(row.line, None, tuple(row.problems)))
            continue
        change_id = row.values.get("change_id")
        if not change_id:
            missing = [] if any(p.field == "change_id" for p in row.problems) else [Problem("change_id", "is required")]
            lines.append(FeedLine(row.line, None, (*row.problems, *missing)))
            continue
        groups.setdefault(change_id, []).append(row)
    for group in groups.values():
        lines.append(_grouped_change(group))
    return sorted(lines, key=lambda fl: fl.line)


def _grouped_change(group: list[_Row]) -> FeedLine:
    first = group[0]
    data = _change(first)
    for row in group:
        own = {p.field for p in row.problems}
        for name in SHARED_COLUMNS:
            if row is not first and name not in own and row.values.get(name) != first.values.get(name):
                row.problems.append(Problem(name, f"differs from line {first.line}, the first row of this change"))
        data["persons"].append(_person(row))
    problems = [(row.line, p) for row in group for p in row.problems]
    reported = {(line, p.field) for line, p in problems}
    try:
        change = parse_change(data)
    except InvalidChange as exc:
        for problem in exc.problems:
            line, field = _where(problem.field, group)
            if (line, field) not in reported:
                problems.append((line, Problem(field, problem.message)))
        change = None
    if problems:
        return FeedLine(first.line, None, tuple(_at(line, p) for line, p in problems))
    return FeedLine(first.line, change)


@dataclasses.dataclass(frozen=True)
class LineProblem(Problem):
    """A problem of a grouped change, on the line of the row it concerns."""

    line: int = 0


def _at(line: int, problem: Problem) -> Problem:
    return LineProblem(problem.field, problem.message, line)


def _where(path: str, group: list[_Row]) -> tuple[int, str]:
    """The line and column of a wire-schema field path: persons[i].x is column x of the i-th row, address.x is x."""
    match = _INDEXED.match(path)
    if match and int(match.group(1)) < len(group):
        return group[int(match.group(1))].line, match.group(2)
    if path.startswith("address."):
        return group[0].line, path.removeprefix("address.")
    if path == "persons":
        return group[0].line, "person_id"
    return group[0].line, path


def encode_fixed(change: dict) -> bytes:
    """The records of one change in the wire schema, in the fixed-length layout (CR LF after each): the writer the
    tests and the registry simulator use. A value longer than its field raises ValueError."""
    out = []
    for person in change["persons"]:
        values = {
            **{name: change.get(name) for name in CHANGE_COLUMNS},
            **(change.get("address") or {}),
            "previous_municipality": change.get("previous_municipality"),
            **person,
        }
        values["change_kind"] = REASON_FILE_CODES.get(change["change_kind"], change["change_kind"])
        record = b""
        for field in FIXED_LAYOUT:
            value = values.get(field.name)
            if field.name == "dv_support":
                value = "1" if value else "0"
            elif field.kind == "D" and value:
                value = value.replace("-", "")
            text = "" if value is None else str(value)
            data = text.encode("cp932")
            if len(data) > field.size:
                raise ValueError(f"{field.name} is longer than {field.size} bytes")
            record += data + b" " * (field.size - len(data))
        out.append(record + b"\r\n")
    return b"".join(out)


def encode_csv(changes: list[dict]) -> bytes:
    """Changes in the wire schema as a CSV file (UTF-8, heading row), one row per person."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for change in changes:
        for person in change["persons"]:
            values = {
                **{name: change.get(name) for name in CHANGE_COLUMNS},
                **(change.get("address") or {}),
                "previous_municipality": change.get("previous_municipality"),
                **person,
            }
            values["dv_support"] = "1" if values.get("dv_support") else "0"
            writer.writerow(["" if values.get(name) is None else values[name] for name in COLUMNS])
    return buffer.getvalue().encode("utf-8")
