"""Who is acting and on which business date (業務日付)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


@dataclasses.dataclass(frozen=True)
class Actor:
    operator_id: str
    scopes: frozenset[str] = frozenset()
    business_date: dt.date | None = None
    idempotency_key: str = ""

    def can_read_my_number(self) -> bool:
        return "mynumber:read" in self.scopes

    def can_read_dv_address(self) -> bool:
        """Rule DV: the address of a household with a DV support-measure person, only with the dv:read scope."""
        return "dv:read" in self.scopes


def business_date(actor: Actor, fixed: dt.date | None) -> dt.date:
    """The request's business date, else the configured one, else today in Japan."""
    return actor.business_date or fixed or dt.datetime.now(JST).date()
