"""The municipality's 住所/行政区変換 table file (INTERCHANGE_ADDRESS_TABLE), read at each daily run so that an
updated table applies from the next run without a restart."""

from __future__ import annotations

import os
import pathlib

from ..domain.address import AddressTable, TableError, parse_table

MAX_BYTES = 32 * 1024 * 1024  # far beyond a municipality's table: a larger file is refused unread


class AddressTableFile:
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = pathlib.Path(path)

    def load(self) -> AddressTable:
        """The table as the file holds it now; TableError naming the file and the fault."""
        try:
            if self.path.stat().st_size > MAX_BYTES:
                raise TableError(f"{self.path}: larger than {MAX_BYTES} bytes; not read")
            text = self.path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TableError(f"{self.path}: cannot be read as UTF-8 ({exc.__class__.__name__})") from None
        try:
            return parse_table(text)
        except TableError as exc:
            raise TableError(f"{self.path}: {exc}") from None
