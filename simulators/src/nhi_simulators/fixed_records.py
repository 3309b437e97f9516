"""Reading the fixed-length CP932 records the national peers receive, as their simulators check them: each field
(name, bytes, kind) cut from the record, and the first layout fault of a record (digits, dates) as the peer's code."""

from __future__ import annotations

import datetime as dt


class Checks:
    """One peer's record size and the codes it answers for a wrong length, a non-digit and a non-date."""

    def __init__(self, record_size: int, *, length: str, digits: str, date: str) -> None:
        self.record_size = record_size
        self.codes = {"length": length, "digits": digits, "date": date}

    def parse(self, fields, record: bytes) -> dict[str, str]:
        """The record's fields as text (trailing spaces dropped); ValueError(length code) for a wrong size."""
        if len(record) != self.record_size:
            raise ValueError(self.codes["length"])
        values, at = {}, 0
        for name, size, _ in fields:
            values[name] = record[at : at + size].decode("cp932").rstrip(" ")
            at += size
        return values

    def layout_error(self, fields, values: dict[str, str]) -> str | None:
        """The code of the first numeric field that is not digits or date field that is not a date; None if fine."""
        for name, _, kind in fields:
            text = values[name]
            if kind == "9" and not (text.isascii() and text.isdigit()):
                return self.codes["digits"]
            if kind == "D" and text:
                try:
                    dt.datetime.strptime(text, "%Y%m%d")
                except ValueError:
                    return self.codes["date"]
        return None
