"""The municipality's 住所/行政区変換 table file (INTERCHANGE_ADDRESS_TABLE), read at each daily run so that an
updated table applies from the next run without a restart."""

from __future__ import annotations

import os
import pathlib

from ..domain.address import AddressTable, TableError, parse_table


class AddressTableFile:
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = pathlib.Path(path)

    def load(self) -> AddressTable:
        """The table as the file holds it now; TableError naming the file and the fault."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TableError(f"{self.path}: cannot be read as UTF-8 ({exc.__class__.__name__})") from None
        try:
            return parse_table(text)
        except TableError as exc:
            raise TableError(f"{self.path}: {exc}") from None
