"""An uploaded resident feed: JSON Lines, one resident change per line, checked line by line."""

from __future__ import annotations

import dataclasses
import json

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
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            lines.append(FeedLine(number, None, (Problem("", f"not JSON: {exc.msg} at column {exc.colno}"),)))
            continue
        try:
            lines.append(FeedLine(number, parse_change(data)))
        except InvalidChange as exc:
            lines.append(FeedLine(number, None, exc.problems))
    return lines
