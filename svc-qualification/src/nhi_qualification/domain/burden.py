"""Share of costs (一部負担金割合) and cost-limit category (限度額適用区分) of one household on one day.

The value types live in burden_facts and are taken from here too."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence

from .ages import day_age_reached, elder_on, elder_period, under_75_on
from .bases import BASIS_PENDING
from .burden_facts import (
    BurdenAmounts,
    BurdenDecision,
    HouseholdMember,
    IncomeFacts,
    PersonBurden,
    Unknown,
    income_year_for,
    whose,
)
from .burden_share import elder_share
from .errors import RuleViolation
from .limit_category import elder_limit, ids, under70_limit
from .model import Reason


def determine_burden(
    *,
    as_of: dt.date,
    members: Sequence[HouseholdMember],
    incomes: Mapping[str, IncomeFacts] | None,
    amounts: BurdenAmounts = BurdenAmounts(),
) -> BurdenDecision:
    """The household's share and cost-limit category on `as_of`, per member and for the household."""
    year = income_year_for(day=as_of)
    reasons: list[Reason] = [year.reason]
    _check_members(as_of, members)
    # The members sorted out in one pass, each kept in the members' order (a batch decides every 70–74 household).
    insured: list[HouseholdMember] = []
    aged_out: list[HouseholdMember] = []
    elders: list[HouseholdMember] = []
    others: list[HouseholdMember] = []
    specific: list[HouseholdMember] = []
    other_heads: list[HouseholdMember] = []  # not counted as insured: not insured (擬制世帯主), or past 75
    for m in members:
        if m.insured and under_75_on(birth_date=m.birth_date, day=as_of):
            insured.append(m)
            (elders if elder_on(birth_date=m.birth_date, day=as_of) else others).append(m)
        else:
            if m.insured:
                aged_out.append(m)
            if m.is_head:
                other_heads.append(m)
        if m.is_specific_same_household:
            specific.append(m)
    if aged_out:
        reasons.append(
            Reason("ELDER-END", "75歳の誕生日以後のため判定対象外", "年齢計算ニ関スル法律", {"persons": ids(aged_out)})
        )
    if not insured:
        raise RuleViolation(
            "members",
            "the household has no NHI-insured member on the decision date",
            rule="BURDEN-3",
            code="NO_INSURED_MEMBER",
        )
    # The non-taxed test covers the head even when not insured (擬制世帯主).
    tax_set = insured + other_heads
    needed = tax_set + specific if elders else tax_set
    if incomes is not None:
        for pid, income in incomes.items():
            if income.income_year != year.year:
                raise RuleViolation(
                    f"incomes[{pid}].income_year",
                    f"the income of {income.income_year} was given; {as_of} is decided on the income of {year.year}",
                    rule="BURDEN-YEAR",
                    code="INCOME_YEAR_MISMATCH",
                )
    missing = [m for m in needed if incomes is None or m.person_id not in incomes]
    unknown: list[Unknown] = []

    elder_ratio: int | None = None
    elder_cat: str | None = None
    under_cat: str | None = None
    if not missing:
        assert incomes is not None
        if elders:
            share = elder_share(elders, specific, incomes, amounts)
            reasons.extend(share.reasons)
            elder_ratio, unknown = share.ratio, list(share.unknown)
            if share.ratio is not None:
                elder_cat, cat_reason, cat_unknown = elder_limit(elders, tax_set, incomes, share.exception, amounts)
                reasons.append(cat_reason)
                unknown += cat_unknown
        if others or not elders:
            under_cat, cat_reason, cat_unknown = under70_limit(insured, tax_set, incomes, amounts)
            reasons.append(cat_reason)
            unknown += cat_unknown
    unknown = list(dict.fromkeys(unknown))  # one fact may decide both the share and a category
    pending = bool(missing or unknown)
    if pending:
        elder_ratio, elder_cat, under_cat = (20 if elders else None), None, None
        reasons.append(_pending(missing, unknown, year.year, bool(elders)))

    persons: list[PersonBurden] = []
    elder_ids = {m.person_id for m in elders}  # person ids are unique (_check_members): no dataclass comparisons
    for m in insured:
        if m.person_id in elder_ids:
            period = elder_period(birth_date=m.birth_date)
            persons.append(PersonBurden(m.person_id, True, elder_ratio or 20, elder_cat, period.reasons))
        else:
            ratio, reason = _non_elder_ratio(m, as_of)
            persons.append(PersonBurden(m.person_id, False, ratio, under_cat, (reason,)))
    return BurdenDecision(
        as_of, year.year, elder_ratio, elder_cat if elders else under_cat, pending, tuple(persons), tuple(reasons)
    )


def _pending(missing: list[HouseholdMember], unknown: list[Unknown], year: int, elders: bool) -> Reason:
    """BURDEN-PENDING, naming whose income is missing altogether and which single facts nobody knows."""
    named = [f"{m.person_id} の所得" for m in missing] + ([whose(unknown)] if unknown else [])
    return Reason(
        "BURDEN-PENDING",
        "所得が未確定のため判定保留"
        + ("（暫定2割）" if elders else "（限度額適用区分も保留）")
        + "："
        + "、".join(named),
        BASIS_PENDING,
        {
            "missing_income": ids(missing),
            "unknown_income": ",".join(f"{pid}.{fact}" for pid, fact in unknown),
            "income_year": str(year),
            "provisional_ratio_percent": "20" if elders else "-",
        },
    )


def _check_members(as_of: dt.date, members: Sequence[HouseholdMember]) -> None:
    seen: set[str] = set()
    for index, m in enumerate(members):
        if m.person_id in seen:
            raise RuleViolation(
                f"members[{index}].person_id",
                f"{m.person_id} is listed twice",
                rule="BURDEN-3",
                code="DUPLICATE_MEMBER",
            )
        seen.add(m.person_id)
        if m.birth_date > as_of:
            raise RuleViolation(
                f"members[{index}].birth_date",
                f"born after the decision date {as_of}",
                rule="BURDEN-3",
                code="BORN_AFTER_DECISION_DATE",
            )
        if m.insured and m.is_specific_same_household:
            raise RuleViolation(
                f"members[{index}].is_specific_same_household",
                "a 特定同一世帯所属者 is in 後期高齢者医療, not NHI-insured",
                rule="BURDEN-KIJUN",
                code="SPECIFIC_SAME_HOUSEHOLD_INSURED",
            )


def _non_elder_ratio(member: HouseholdMember, as_of: dt.date) -> tuple[int, Reason]:
    """Not a Part A rule (BURDEN-UNDER70): 法第42条第1項第1号・第2号."""
    return _non_elder_ratio_on(member.birth_date, as_of)


@functools.lru_cache(maxsize=8192)
def _non_elder_ratio_on(birth_date: dt.date, as_of: dt.date) -> tuple[int, Reason]:
    reached_6 = day_age_reached(birth_date=birth_date, age=6)
    preschool_until = dt.date(
        reached_6.year if reached_6 <= dt.date(reached_6.year, 3, 31) else reached_6.year + 1, 3, 31
    )
    preschool = as_of <= preschool_until
    ratio = 20 if preschool else 30
    summary = "BURDEN-UNDER70（Part A 外）: " + (
        f"6歳到達日以後の最初の3月31日（{preschool_until.isoformat()}）以前のため2割"
        if preschool
        else "高齢受給者以外の法定負担割合3割"
    )
    return ratio, Reason(
        "",
        summary,
        "国民健康保険法第42条第1項第1号・第2号",
        {
            "rule": "BURDEN-UNDER70",
            "birth_date": birth_date.isoformat(),
            "preschool_until": preschool_until.isoformat(),
            "ratio_percent": str(ratio),
        },
    )
