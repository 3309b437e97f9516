"""The clerk's list of persons whose documents were refused for a character no font draws (文字要件)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from nhi_common.paging import Page

REFUSED = "refused"  # the document was not issued
SUBSTITUTED = "substituted"  # an IVS printed as its base character, the municipality allowing it


class UndrawableLog(Protocol):
    """Where refusals for an undrawable character are kept, and the ideographic variation sequences printed as their
    base character: one row per person, field and character."""

    def record(
        self, *, person_id: str, field: str, character: str, kind: str, seen_at: dt.datetime, outcome: str = REFUSED
    ) -> None:
        """First sight adds the row; later ones move last_seen_at, set the outcome and count it."""

    def list(self, *, person_id: str, page: Page) -> tuple[list[dict[str, Any]], str]:
        """One page, oldest first, and the cursor of the next page ('' at the end)."""
