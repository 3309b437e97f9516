"""Pension, welfare and income feed files: JSON Lines, or CSV with a heading row (an empty cell is unknown), line by line."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable
from typing import Any

from .income import parse_income
from .pension import parse_pension_change
from .records import json_record, text_lines
from .resident import InvalidChange, Problem
from .welfare import parse_welfare_record

PARSERS: dict[str, Callable[[Any], Any]] = {
    "pension": parse_pension_change,
    "welfare": parse_welfare_record,
    "income": parse_income,
}


@dataclasses.dataclass(frozen=True)
class RecordLine:
    """One record of a file (its line number, 1 = the first line of the file): the record, or why it has none."""

    line: int
    record: Any
    problems: tuple[Problem, ...] = ()


def parse_file(source: str, content: bytes) -> list[RecordLine]:
    """Every record of the file; a file that is not UTF-8 or holds no record is one line-0 problem."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [RecordLine(0, None, (Problem("content", "the file is not UTF-8 text"),))]
    first = next((line.strip() for line in text_lines(text) if line.strip()), "")
    if not first:
        return [RecordLine(0, None, (Problem("content", "the file holds no records"),))]
    items = _json_lines(text) if first.startswith("{") else _csv_rows(text)
    parse = PARSERS[source]
    lines = []
    for number, item in items:
        if isinstance(item, Problem):
            lines.append(RecordLine(number, None, (item,)))
            continue
        try:
            lines.append(RecordLine(number, parse(item)))
        except InvalidChange as exc:
            lines.append(RecordLine(number, None, exc.problems))
    if not lines:
        return [RecordLine(0, None, (Problem("content", "the file holds no records"),))]
    return lines


def _json_lines(text: str):
    for number, raw in enumerate(text_lines(text), 1):
        if raw.strip():
            yield number, json_record(raw)


def _csv_rows(text: str):
    reader = csv.reader(io.StringIO(text, newline=""))
    heading: list[str] = []
    try:
        for row in reader:
            if not heading:
                heading = [name.strip() for name in row] if any(cell.strip() for cell in row) else []
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(heading):
                yield reader.line_num, Problem("record", f"{len(row)} cells where the heading names {len(heading)}")
                continue
            yield reader.line_num, {k: (v.strip() or None) for k, v in zip(heading, row, strict=True)}
    except csv.Error as exc:  # a cell over the csv module's limit (131072 characters): nothing after it is read
        yield reader.line_num, Problem("record", f"not CSV this service reads ({exc}); the rest of the file is unread")
