"""An uploaded resident feed: JSON Lines, one resident change per line, checked line by line."""

from __future__ import annotations

import dataclasses

from .records import json_record, text_lines
from .resident import InvalidChange, Problem, ResidentChange, parse_change

SOURCES = ("resident", "pension", "welfare", "income")
SUPPORTED_SOURCES = ("resident",)


@dataclasses.dataclass(frozen=True)
class FeedLine:
    """One non-blank line of a feed: its change, or why it has none."""

    line: int
    change: ResidentChange | None
    problems: tuple[Problem, ...] = ()


def parse_resident_feed(content: bytes) -> list[FeedLine]:
    """Every non-blank line of a UTF-8 JSON Lines file, parsed; a file that is not UTF-8 is one line-0 problem."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [FeedLine(0, None, (Problem("content", "the file is not UTF-8 text"),))]
    lines = []
    first_line: dict[str, int] = {}
    for number, raw in enumerate(text_lines(text), 1):
        if not raw.strip():
            continue
        data = json_record(raw)
        if isinstance(data, Problem):
            lines.append(FeedLine(number, None, (data,)))
            continue
        try:
            change = parse_change(data)
        except InvalidChange as exc:
            lines.append(FeedLine(number, None, exc.problems))
            continue
        # A change is taken once per change_id (its receipt key): a second line with the same id would be reported
        # applied and dropped unseen. The first line stands; the others are refused.
        if change.change_id in first_line:
            message = f"the same change_id as line {first_line[change.change_id]}; a change is sent once"
            lines.append(FeedLine(number, None, (Problem("change_id", message),)))
            continue
        first_line[change.change_id] = number
        lines.append(FeedLine(number, change))
    return lines
