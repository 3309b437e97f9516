"""determine_burden for population batches: the same rules and the same result, faster over many households.

`determine_burden` (burden.py) stays the one statement of the rules. Population batches decide 100,000s of
households on one day, and about half of the time goes into recomputing, for every member, things that depend
only on the birth date (ELDER-START/ELDER-END: the 高齢受給者 period with its reasons) or on the birth date and the
day (the under-70 share, 法第42条). `BatchDecider` memoises those per birth date and otherwise follows
determine_burden step by step, calling burden.py's own rule functions (_elder_share, _elder_limit, _under70_limit,
_check_members). tests/test_burden_batch.py asserts equal decisions on generated households.

The memoised Reason objects are shared between decisions: they are frozen and nothing mutates their facts
(Reason.as_dict copies them).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence

from . import burden as b
from .ages import ElderPeriod, birthday_of, elder_period
from .errors import RuleViolation
from .model import Reason

CACHE_SIZE = 8192  # distinct birth dates kept; about 22 years of them, bounded whatever the population


@functools.lru_cache(maxsize=CACHE_SIZE)
def elder_period_of(birth_date: dt.date) -> ElderPeriod:
    return elder_period(birth_date=birth_date)


@functools.lru_cache(maxsize=CACHE_SIZE)
def birthday_75(birth_date: dt.date) -> dt.date:
    return birthday_of(birth_date=birth_date, age=75)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _non_elder(birth_date: dt.date, as_of: dt.date) -> tuple[int, Reason]:
    return b._non_elder_ratio(b.HouseholdMember("", birth_date, True), as_of)


@functools.lru_cache(maxsize=64)
def _income_year(as_of: dt.date) -> b.IncomeYear:
    return b.income_year_for(day=as_of)


def is_elder_on(birth_date: dt.date, day: dt.date) -> bool:
    """elder_period(birth_date=...).covers(day), memoised."""
    return elder_period_of(birth_date).covers(day)


def determine_burden_batch(*, as_of: dt.date, members: Sequence[b.HouseholdMember],
                           incomes: Mapping[str, b.IncomeFacts] | None,
                           amounts: b.BurdenAmounts = b.BurdenAmounts()) -> b.BurdenDecision:
    """Equal to determine_burden(as_of=..., members=..., incomes=..., amounts=...) (same value, same errors)."""
    year = _income_year(as_of)
    reasons: list[Reason] = [year.reason]
    b._check_members(as_of, members)
    insured = [m for m in members if m.insured and as_of < birthday_75(m.birth_date)]
    aged_out = [m for m in members if m.insured and m not in insured]
    if aged_out:
        reasons.append(Reason("ELDER-END", "75歳の誕生日以後のため判定対象外", "年齢計算ニ関スル法律",
                              {"persons": b._ids(aged_out)}))
    if not insured:
        raise RuleViolation("members", "the household has no NHI-insured member on the decision date",
                            code="NO_INSURED_MEMBER")
    elders = [m for m in insured if elder_period_of(m.birth_date).covers(as_of)]
    specific = [m for m in members if m.is_specific_same_household]
    tax_set = insured + [m for m in members if m.is_head and m not in insured]
    needed = tax_set + (specific if elders else [])
    if incomes is not None:
        for pid, income in incomes.items():
            if income.income_year != year.year:
                raise RuleViolation(f"incomes[{pid}].income_year", f"the income of {income.income_year} was given; "
                                    f"{as_of} is decided on the income of {year.year}",
                                    rule="BURDEN-YEAR", code="INCOME_YEAR_MISMATCH")
    missing = [m for m in needed if incomes is None or m.person_id not in incomes]

    elder_ratio: int | None = None
    elder_cat: str | None = None
    under_cat: str | None = None
    others = [m for m in insured if m not in elders]
    if missing:
        elder_ratio = 20 if elders else None
        reasons.append(Reason(
            "BURDEN-PENDING", "所得が未確定のため判定保留" + ("（暫定2割）" if elders else "（限度額適用区分も保留）"),
            "seed", {"missing_income": b._ids(missing), "income_year": str(year.year),
                     "provisional_ratio_percent": str(elder_ratio) if elder_ratio else "-"},
        ))
    else:
        assert incomes is not None
        if elders:
            elder_ratio, exception, share_reasons = b._elder_share(elders, specific, incomes, amounts)
            reasons.extend(share_reasons)
            elder_cat, cat_reason = b._elder_limit(elders, tax_set, incomes, exception, amounts)
            reasons.append(cat_reason)
        if others or not elders:
            under_cat, cat_reason = b._under70_limit(insured, tax_set, incomes, amounts)
            reasons.append(cat_reason)

    persons: list[b.PersonBurden] = []
    for m in insured:
        if m in elders:
            period = elder_period_of(m.birth_date)
            persons.append(b.PersonBurden(m.person_id, True, elder_ratio or 20, elder_cat, period.reasons))
        else:
            ratio, reason = _non_elder(m.birth_date, as_of)
            persons.append(b.PersonBurden(m.person_id, False, ratio, under_cat, (reason,)))
    return b.BurdenDecision(as_of, year.year, elder_ratio, elder_cat if elders else under_cat, bool(missing),
                            tuple(persons), tuple(reasons))
