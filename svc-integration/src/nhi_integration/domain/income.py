"""住民税 income by year (domain §5.2): each amount known or unknown (None), never an unknown taken as 0."""

from __future__ import annotations

import dataclasses
from typing import Any

from .records import ID, PERSON_ID, Fields

AMOUNTS = ("taxable_income", "total_income", "kyu_tadashigaki_income", "gross_income", "public_pension_income")
FIRST_YEAR, LAST_YEAR = 1989, 2100


@dataclasses.dataclass(frozen=True)
class IncomeRecord:
    record_id: str
    person_id: str  # 宛名番号
    income_year: int  # the calendar year the income was earned (所得年)
    taxable_income: int | None  # 課税所得 (課税標準額)
    total_income: int | None  # 総所得金額
    kyu_tadashigaki_income: int | None  # 旧ただし書所得
    gross_income: int | None  # 収入額
    public_pension_income: int | None  # 公的年金等収入
    non_taxed: bool | None  # 住民税非課税; None when the tax office has not decided

    def amounts(self) -> dict[str, int]:
        """The known amounts only: an unknown one is left out, so the receiver sees it unknown."""
        return {k: getattr(self, k) for k in AMOUNTS if getattr(self, k) is not None}


def parse_income(data: Any) -> IncomeRecord:
    """Validate one income record in the wire schema (docs/feeds/income.md); InvalidChange lists every problem."""
    f = Fields(data, "income record")
    record_id = f.text("record_id", pattern=ID, rule="may hold only letters, digits and _.:- (at most 100)")
    person_id = f.text("person_id", pattern=PERSON_ID, rule="a 宛名番号 is digits")
    year = f.data.get("income_year")
    if isinstance(year, str) and year.isascii() and year.isdigit() and len(year) <= 4:
        year = int(year)
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        f.fail("income_year", f"must be a year from {FIRST_YEAR} to {LAST_YEAR}")
        year = 0
    amounts = {key: f.amount(key) for key in AMOUNTS}
    non_taxed = f.flag("non_taxed")
    if non_taxed and amounts["taxable_income"]:
        f.fail("taxable_income", "a non-taxed person (non_taxed true) has no taxable income")
    f.done()
    return IncomeRecord(record_id=record_id, person_id=person_id, income_year=year, non_taxed=non_taxed, **amounts)
