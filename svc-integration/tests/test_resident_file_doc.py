"""docs/feeds/resident-file.md and the code that reads resident files say the same: the fixed-length layout field by
field (name, bytes, type) and the 異動事由コード."""

from __future__ import annotations

import pathlib
import re

from nhi_integration.domain.resident_files import (
    COLUMNS,
    FILE_REASON_CODES,
    FIXED_LAYOUT,
    RECORD_BYTES,
    parse_resident_file,
)
from nhi_integration.domain.resident_reasons import REASONS

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "feeds" / "resident-file.md"
LAYOUT_ROW = re.compile(r"^\| (\d+) \| (\w+) \| (\d+) \| ([XN9DF]) \|")
CODE_ROW = re.compile(r"^\| (\d\d) \| ([a-z_]+) \| ([^|0-9]+?) \|$")


def test_the_fixed_layout_table_is_the_code():
    text = DOC.read_text(encoding="utf-8")
    rows = [m.groups() for m in map(LAYOUT_ROW.match, text.splitlines()) if m]
    assert [(name, int(size), kind) for _n, name, size, kind in rows] == [
        (f.name, f.size, f.kind) for f in FIXED_LAYOUT
    ]
    assert [int(n) for n, *_ in rows] == list(range(1, len(FIXED_LAYOUT) + 1))
    assert f"**{RECORD_BYTES} bytes per record**" in text


def test_the_reason_code_table_is_the_code_and_covers_every_reason():
    rows = [m.groups() for m in map(CODE_ROW.match, DOC.read_text(encoding="utf-8").splitlines()) if m]
    assert {code: kind for code, kind, _label in rows} == FILE_REASON_CODES
    assert {kind: label for _code, kind, label in rows} == {code: r.label for code, r in REASONS.items()}


def test_the_csv_example_is_one_valid_change():
    text = DOC.read_text(encoding="utf-8")
    example = text.split("## Example (CSV)")[1].split("```")[1].strip()
    assert example.splitlines()[0].split(",") == list(COLUMNS)
    [line] = parse_resident_file(example.encode(), "csv")
    assert line.problems == () and len(line.change.persons) == 2
