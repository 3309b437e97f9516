"""国民年金 category changes (domain §5.3): 1号, 2号 (employee pension), 3号 (dependent spouse), with their dates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from .records import ID, PERSON_ID, Fields

CATEGORIES = ("1", "2", "3")
# acquired: joined the pension in `category`; changed: moved to `category`; lost: left the pension altogether.
EVENTS = ("acquired", "changed", "lost")
CATEGORY_NAMES = {"1": "第1号被保険者", "2": "第2号被保険者", "3": "第3号被保険者"}


@dataclasses.dataclass(frozen=True)
class PensionChange:
    change_id: str
    person_id: str  # 宛名番号
    event: str
    category: str  # the category from `changed_on`; for `lost`, the one left
    changed_on: dt.date  # 資格取得日 / 種別変更日 / 資格喪失日
    reason: str = ""  # the pension system's 事由, as text

    @property
    def current_category(self) -> str:
        """The category held from `changed_on` on; "" once the pension membership is lost."""
        return "" if self.event == "lost" else self.category


def parse_pension_change(data: Any) -> PensionChange:
    """Validate one pension change in the wire schema (docs/feeds/pension.md); InvalidChange lists every problem."""
    f = Fields(data, "pension change")
    change_id = f.text("change_id", pattern=ID, rule="may hold only letters, digits and _.:- (at most 100)")
    person_id = f.text("person_id", pattern=PERSON_ID, rule="a 宛名番号 is digits")
    event = f.text("event")
    if event and event not in EVENTS:
        f.fail("event", "must be one of " + ", ".join(EVENTS))
    category = f.text("category")
    if category and category not in CATEGORIES:
        f.fail("category", 'must be "1", "2" or "3" (第1号, 第2号, 第3号被保険者)')
    changed_on = f.date("changed_on", required=True)
    reason = f.text("reason", required=False)
    f.done()
    return PensionChange(change_id, person_id, event, category, changed_on, reason)
