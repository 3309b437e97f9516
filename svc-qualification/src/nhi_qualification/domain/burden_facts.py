"""The facts and results of a burden-ratio decision (5.6): amounts, household members, incomes, the income year."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping, Sequence

from .bases import BASIS_LIMIT, BASIS_ORDINANCE  # noqa: F401 - the burden rules' bases, imported from here
from .model import Reason


@dataclasses.dataclass(frozen=True)
class BurdenAmounts:
    """The Part A amounts in yen (configurable; defaults are the fresh-install values)."""

    taxable_3wari: int = 1_450_000  # BURDEN-3, and LIMIT-CAT 現役並みⅠ
    kijun_one: int = 3_830_000  # BURDEN-KIJUN, one 70–74 member
    kijun_two: int = 5_200_000  # BURDEN-KIJUN, two or more, or one plus a 特定同一世帯所属者
    kyu_tadashigaki_total: int = 2_100_000  # BURDEN-KYU-TADASHIGAKI
    kyu_tadashigaki_born_from: dt.date = dt.date(1945, 1, 2)  # BURDEN-KYU-TADASHIGAKI
    limit_a: int = 9_010_000  # LIMIT-CAT ア above
    limit_i: int = 6_000_000  # LIMIT-CAT イ above
    limit_u: int = 2_100_000  # LIMIT-CAT ウ above, エ at or below
    genekinami_3: int = 6_900_000  # LIMIT-CAT 現役並みⅢ at or above
    genekinami_2: int = 3_800_000  # LIMIT-CAT 現役並みⅡ at or above
    low_income_pension_deduction: int = 800_000  # LIMIT-CAT 低所得Ⅰ


@dataclasses.dataclass(frozen=True)
class HouseholdMember:
    """One member of the resident-register household, as of the decision date."""

    person_id: str
    birth_date: dt.date
    insured: bool  # NHI-insured on the decision date
    is_specific_same_household: bool = False  # 特定同一世帯所属者 (moved to 後期, still in this household)
    is_head: bool = False  # 世帯主: counted in the non-taxed test even when not insured (擬制世帯主)


def household_member(
    person_id: str, birth_date: dt.date, *, insured: bool, head: bool, specific: bool
) -> HouseholdMember | None:
    """Whether and how a person of the resident-register household counts for its burden ratio: when insured,
    when the head (the non-taxed test counts a 擬制世帯主), or as 特定同一世帯所属者 (only when not insured)."""
    specific = specific and not insured
    if insured or head or specific:
        return HouseholdMember(person_id, birth_date, insured, specific, head)
    return None


@dataclasses.dataclass(frozen=True)
class IncomeFacts:
    """One person's income for one income year (yen); None = not known (never taken as 0)."""

    person_id: str
    income_year: int
    taxable_income: int | None  # 住民税課税所得
    gross_income: int | None  # 収入額 (基準収入額)
    kyu_tadashigaki_income: int | None  # 旧ただし書所得
    non_taxed: bool  # 住民税非課税
    public_pension_income: int | None = None  # 公的年金等の収入額 (gross)
    total_income: int | None = None  # 合計所得金額 excluding public pensions, which are given gross above


# The income facts as a decision names them when one is unknown (BURDEN-PENDING).
INCOME_LABELS = {
    "taxable_income": "住民税課税所得",
    "gross_income": "収入額",
    "kyu_tadashigaki_income": "旧ただし書所得",
    "public_pension_income": "公的年金等収入",
    "total_income": "合計所得",
}

# (person_id, fact) of an income fact a decision needed and did not know.
Unknown = tuple[str, str]


def known_amounts(
    members: Sequence[HouseholdMember], incomes: Mapping[str, IncomeFacts], fact: str
) -> tuple[dict[str, int], list[Unknown]]:
    """The members' amounts of `fact` that are known, and those that are not."""
    known: dict[str, int] = {}
    unknown: list[Unknown] = []
    for m in members:
        value = getattr(incomes[m.person_id], fact)
        if value is None:
            unknown.append((m.person_id, fact))
        else:
            known[m.person_id] = value
    return known, unknown


def whose(unknown: Sequence[Unknown]) -> str:
    """The unknown facts as a clerk reads them: 000000001 の旧ただし書所得、…"""
    return "、".join(f"{pid} の{INCOME_LABELS[fact]}" for pid, fact in unknown)


def amount_facts(fact: str, known: Mapping[str, int], unknown: Sequence[Unknown]) -> dict[str, str]:
    """The amounts as a reason's facts: `fact.person_id` -> yen, or "unknown"."""
    facts = {f"{fact}.{pid}": str(v) for pid, v in known.items()}
    for pid, _ in unknown:
        facts[f"{fact}.{pid}"] = "unknown"
    return facts


@dataclasses.dataclass(frozen=True)
class IncomeYear:
    """BURDEN-YEAR: the calendar year whose income decides the share on a day."""

    year: int
    reason: Reason


@dataclasses.dataclass(frozen=True)
class PersonBurden:
    person_id: str
    elder: bool  # 高齢受給者 on the decision date
    ratio_percent: int
    limit_category: str | None  # None while pending
    reasons: tuple[Reason, ...]


@dataclasses.dataclass(frozen=True)
class BurdenDecision:
    """ratio_percent and limit_category are the household's: the 70–74 share and category when it has 70–74 members."""

    as_of: dt.date
    income_year: int
    ratio_percent: int | None  # 20 | 30 for the 70–74 members; None without any
    limit_category: str | None  # None while pending
    pending: bool
    persons: tuple[PersonBurden, ...]
    reasons: tuple[Reason, ...]


@functools.lru_cache(maxsize=64)
def income_year_for(*, day: dt.date) -> IncomeYear:
    """BURDEN-YEAR: from 8/1 the previous calendar year, before 8/1 the year before that."""
    year = day.year - 1 if day >= dt.date(day.year, 8, 1) else day.year - 2
    return IncomeYear(
        year,
        Reason(
            "BURDEN-YEAR",
            f"{day.isoformat()} の判定は{year}年の所得による（8月1日基準）",
            BASIS_ORDINANCE,
            {"as_of": day.isoformat(), "income_year": str(year)},
        ),
    )


def printed_share(ratio_percent: int | None, limit_category: str | None, pending: bool) -> str:
    """The share and category as lists print them: 2割 一般, 3割 現役並みⅠ; 判定保留 while pending."""
    if pending:
        return "判定保留"
    share = f"{ratio_percent // 10}割" if ratio_percent else ""
    return " ".join(part for part in (share, limit_category or "") if part)
