"""Reading pension and income records field by field, collecting every problem (field and check, never the value)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from .resident import CONTROL_CHARACTER, InvalidChange, Problem

ID = re.compile(r"^[0-9A-Za-z_.:-]{1,100}$")
PERSON_ID = re.compile(r"^[0-9]{1,20}$")


LINE_END = re.compile(r"\r\n|\r|\n")


def text_lines(text: str) -> list[str]:
    """The lines of a text file, split at CR LF, LF or CR only: str.splitlines also splits at U+2028, U+0085 and the
    like, which a JSON string may hold as they are, and would then number every later line wrong."""
    return LINE_END.split(text)


def json_record(raw: str) -> Any:
    """One line of a JSON Lines file as its value, or the Problem of a line that is none: not JSON, a number of more
    digits than Python reads (ValueError, not a JSONDecodeError), or arrays nested deeper than the parser goes."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        return Problem("record", f"not JSON: {exc.msg} at column {exc.colno}")
    except ValueError:
        return Problem("record", "not JSON this service reads: a number of more than 4300 digits")
    except RecursionError:
        return Problem("record", "not JSON this service reads: nested too deep")


class Fields:
    """Typed reads out of one record; `problems` holds what was wrong, by field."""

    def __init__(self, data: Any, what: str) -> None:
        self.problems: list[Problem] = []
        if not isinstance(data, dict):
            self.problems.append(Problem("", f"a {what} is a JSON object"))
            data = {}
        self.data: dict = data

    def fail(self, field: str, message: str) -> None:
        self.problems.append(Problem(field, message))

    def text(self, key: str, *, pattern: re.Pattern | None = None, rule: str = "", required: bool = True) -> str:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.fail(key, "is required")
            return ""
        if not isinstance(value, str) or len(value) > 200:
            self.fail(key, "must be a string of at most 200 characters")
            return ""
        if CONTROL_CHARACTER.search(value):
            self.fail(key, "must not contain control characters")
            return ""
        if pattern is not None and not pattern.fullmatch(value):  # fullmatch: `$` also matches before a final "\n"
            self.fail(key, rule)
            return ""
        return value

    def date(self, key: str, *, required: bool) -> dt.date | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.fail(key, "is required")
            return None
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(key, "must be a date as YYYY-MM-DD")
            return None

    def amount(self, key: str) -> int | None:
        """Yen, 0 or more; absent or null means unknown (never 0)."""
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 13:
            value = int(value)  # 13 digits: past the limit below, and never the 4300 int() refuses
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**12:
            self.fail(key, "must be a whole number of yen, 0 or more, or null when unknown")
            return None
        return value

    def flag(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str) and value in ("true", "false", "1", "0"):
            return value in ("true", "1")
        if not isinstance(value, bool):
            self.fail(key, "must be true or false")
            return None
        return value

    def done(self) -> None:
        if self.problems:
            raise InvalidChange(self.problems)
