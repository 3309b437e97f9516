"""住所/行政区変換 of the daily aggregation link (2.6): the municipality's table that turns the registry's address code
into the 地区別統計コード, the 行政区 code and the aggregation system's address code of the 世帯 record
(docs/interchange/address-table.md)."""

from __future__ import annotations

import csv
import dataclasses
import io

COLUMNS = ("address_code", "ward_code", "district_code", "aggregation_address_code")


@dataclasses.dataclass(frozen=True)
class Conversion:
    ward_code: str  # 行政区コード: the ward's 団体コード, "" where the municipality has no wards
    district_code: str  # 地区別統計コード
    aggregation_address_code: str  # 集約住所コード: 団体コード (6) + 町字ID (7)


class TableError(ValueError):
    """The table is malformed: the line and column say where."""


class AddressTable:
    """Conversions keyed by an address-code prefix; the longest prefix of a code that the table holds decides."""

    def __init__(self, rows: dict[str, Conversion]) -> None:
        self.rows = dict(rows)
        self.lengths = sorted({len(k) for k in self.rows}, reverse=True)

    def convert(self, address_code: str) -> Conversion | None:
        """The conversion of `address_code`; None when no prefix of it is in the table."""
        for length in self.lengths:
            if length <= len(address_code) and (found := self.rows.get(address_code[:length])) is not None:
                return found
        return None

    def __len__(self) -> int:
        return len(self.rows)


def parse_table(text: str) -> AddressTable:
    """The table of a CSV text (UTF-8, a header naming COLUMNS); TableError naming the line of the first fault."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        return _rows(reader)
    except csv.Error as exc:  # e.g. a field past the csv module's limit; line_num is the last line read whole
        raise TableError(f"line {reader.line_num + 1}: not CSV: {exc}") from None


def _rows(reader: csv.DictReader) -> AddressTable:
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise TableError(f"line 1: the header lacks {', '.join(missing)}")
    rows: dict[str, Conversion] = {}
    for row in reader:
        line = reader.line_num
        values = {c: (row.get(c) or "").strip() for c in COLUMNS}
        fault = _fault(values)
        if fault:
            raise TableError(f"line {line}: {fault}")
        if values["address_code"] in rows:
            raise TableError(f"line {line}: address_code {values['address_code']} is listed twice")
        rows[values["address_code"]] = Conversion(
            values["ward_code"], values["district_code"], values["aggregation_address_code"]
        )
    return AddressTable(rows)


def _fault(v: dict[str, str]) -> str | None:
    if not (v["address_code"].isascii() and v["address_code"].isalnum()):
        return "address_code is the registry's address code or a prefix of it (letters and digits)"
    if v["ward_code"] and not _digits(v["ward_code"], 6):
        return "ward_code is 6 digits (the ward's 団体コード) or empty"
    if not (v["district_code"] and v["district_code"].isascii() and len(v["district_code"]) <= 6):
        return "district_code is required, at most 6 characters"
    if not _digits(v["aggregation_address_code"], 13):
        return "aggregation_address_code is 13 digits (団体コード 6 + 町字ID 7)"
    return None


def _digits(text: str, size: int) -> bool:
    return len(text) == size and text.isascii() and text.isdigit()
