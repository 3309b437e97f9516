"""Share of costs (一部負担金割合) and cost-limit category (限度額適用区分) of one household on one day.

The value types live in burden_facts and are taken from here too."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence

from .ages import birthday_of, day_age_reached, elder_period
from .burden_facts import (
    BASIS_ORDINANCE,
    BurdenAmounts,
    BurdenDecision,
    HouseholdMember,
    IncomeFacts,
    PersonBurden,
    income_year_for,
)
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
    insured = [m for m in members if m.insured and as_of < birthday_of(birth_date=m.birth_date, age=75)]
    aged_out = [m for m in members if m.insured and m not in insured]
    if aged_out:
        reasons.append(
            Reason("ELDER-END", "75歳の誕生日以後のため判定対象外", "年齢計算ニ関スル法律", {"persons": ids(aged_out)})
        )
    if not insured:
        raise RuleViolation(
            "members", "the household has no NHI-insured member on the decision date", code="NO_INSURED_MEMBER"
        )
    elders = [m for m in insured if elder_period(birth_date=m.birth_date).covers(as_of)]
    specific = [m for m in members if m.is_specific_same_household]
    # The non-taxed test covers the head even when not insured (擬制世帯主).
    tax_set = insured + [m for m in members if m.is_head and m not in insured]
    needed = tax_set + (specific if elders else [])
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

    elder_ratio: int | None = None
    elder_cat: str | None = None
    under_cat: str | None = None
    others = [m for m in insured if m not in elders]
    if missing:
        elder_ratio = 20 if elders else None
        reasons.append(
            Reason(
                "BURDEN-PENDING",
                "所得が未確定のため判定保留" + ("（暫定2割）" if elders else "（限度額適用区分も保留）"),
                "seed",
                {
                    "missing_income": ids(missing),
                    "income_year": str(year.year),
                    "provisional_ratio_percent": str(elder_ratio) if elder_ratio else "-",
                },
            )
        )
    else:
        assert incomes is not None
        if elders:
            elder_ratio, exception, share_reasons = _elder_share(elders, specific, incomes, amounts)
            reasons.extend(share_reasons)
            elder_cat, cat_reason = elder_limit(elders, tax_set, incomes, exception, amounts)
            reasons.append(cat_reason)
        if others or not elders:
            under_cat, cat_reason = under70_limit(insured, tax_set, incomes, amounts)
            reasons.append(cat_reason)

    persons: list[PersonBurden] = []
    for m in insured:
        if m in elders:
            period = elder_period(birth_date=m.birth_date)
            persons.append(PersonBurden(m.person_id, True, elder_ratio or 20, elder_cat, period.reasons))
        else:
            ratio, reason = _non_elder_ratio(m, as_of)
            persons.append(PersonBurden(m.person_id, False, ratio, under_cat, (reason,)))
    return BurdenDecision(
        as_of, year.year, elder_ratio, elder_cat if elders else under_cat, bool(missing), tuple(persons), tuple(reasons)
    )


def _check_members(as_of: dt.date, members: Sequence[HouseholdMember]) -> None:
    seen: set[str] = set()
    for index, m in enumerate(members):
        if m.person_id in seen:
            raise RuleViolation(
                f"members[{index}].person_id", f"{m.person_id} is listed twice", code="DUPLICATE_MEMBER"
            )
        seen.add(m.person_id)
        if m.birth_date > as_of:
            raise RuleViolation(
                f"members[{index}].birth_date", f"born after the decision date {as_of}", code="BORN_AFTER_DECISION_DATE"
            )
        if m.insured and m.is_specific_same_household:
            raise RuleViolation(
                f"members[{index}].is_specific_same_household",
                "a 特定同一世帯所属者 is in 後期高齢者医療, not NHI-insured",
                rule="BURDEN-KIJUN",
                code="SPECIFIC_SAME_HOUSEHOLD_INSURED",
            )


def _elder_share(
    elders: list[HouseholdMember],
    specific: list[HouseholdMember],
    incomes: Mapping[str, IncomeFacts],
    amounts: BurdenAmounts,
) -> tuple[int, bool, list[Reason]]:
    """BURDEN-3, then its exceptions: (ratio, reduced by an exception, reasons)."""
    taxable = {m.person_id: incomes[m.person_id].taxable_income for m in elders}
    highest = max(taxable.values())
    three = highest >= amounts.taxable_3wari
    facts = {f"taxable_income.{pid}": str(v) for pid, v in taxable.items()}
    facts.update(
        {
            "elders": ids(elders),
            "highest": str(highest),
            "threshold": str(amounts.taxable_3wari),
            "result": "30" if three else "20",
        }
    )
    reasons = [
        Reason(
            "BURDEN-3",
            f"70–74歳の被保険者の住民税課税所得の最高額 {highest:,}円が{amounts.taxable_3wari:,}円"
            + ("以上のため3割" if three else "未満のため2割"),
            BASIS_ORDINANCE,
            facts,
        )
    ]
    if not three:
        return 20, False, reasons
    kijun, kijun_reason = _kijun(elders, specific, incomes, amounts)
    kyu, kyu_reason = _kyu_tadashigaki(elders, incomes, amounts)
    reasons += [kijun_reason, kyu_reason]
    reduced = kijun or kyu
    return (20 if reduced else 30), reduced, reasons


def _kijun(
    elders: list[HouseholdMember],
    specific: list[HouseholdMember],
    incomes: Mapping[str, IncomeFacts],
    amounts: BurdenAmounts,
) -> tuple[bool, Reason]:
    gross = {m.person_id: incomes[m.person_id].gross_income for m in elders}
    elder_total = sum(gross.values())
    facts = {f"gross_income.{pid}": str(v) for pid, v in gross.items()}
    facts["elders"] = ids(elders)
    if len(elders) >= 2:
        met = elder_total < amounts.kijun_two
        facts.update(
            {
                "counted": ids(elders),
                "total": str(elder_total),
                "threshold": str(amounts.kijun_two),
                "test": "two_or_more",
            }
        )
        summary = f"70–74歳の被保険者{len(elders)}人の収入合計 {elder_total:,}円"
        limit = amounts.kijun_two
    else:
        met = elder_total < amounts.kijun_one
        facts.update({"total": str(elder_total), "threshold": str(amounts.kijun_one), "test": "one"})
        summary = f"70–74歳の被保険者1人の収入 {elder_total:,}円"
        limit = amounts.kijun_one
        if not met and specific:
            # One member plus 特定同一世帯所属者: the 5.2M test counting their income as well.
            for m in specific:
                facts[f"gross_income.{m.person_id}"] = str(incomes[m.person_id].gross_income)
            total = elder_total + sum(incomes[m.person_id].gross_income for m in specific)
            met = total < amounts.kijun_two
            facts.update(
                {
                    "counted": ids(elders + specific),
                    "specific_same_household": ids(specific),
                    "total_with_specific": str(total),
                    "threshold_with_specific": str(amounts.kijun_two),
                    "test": "one_plus_specific_same_household",
                }
            )
            summary += f"（{amounts.kijun_one:,}円以上）、特定同一世帯所属者を含む合計 {total:,}円"
            limit = amounts.kijun_two
        else:
            facts["counted"] = ids(elders)
    facts["met"] = str(met).lower()
    summary += f"が{limit:,}円" + ("未満のため2割" if met else "以上のため基準収入額の特例に該当しない")
    return met, Reason("BURDEN-KIJUN", summary, BASIS_ORDINANCE, facts)


def _kyu_tadashigaki(
    elders: list[HouseholdMember], incomes: Mapping[str, IncomeFacts], amounts: BurdenAmounts
) -> tuple[bool, Reason]:
    total = sum(incomes[m.person_id].kyu_tadashigaki_income for m in elders)
    born_after = [m for m in elders if m.birth_date >= amounts.kyu_tadashigaki_born_from]
    met = total <= amounts.kyu_tadashigaki_total and bool(born_after)
    facts = {f"kyu_tadashigaki_income.{m.person_id}": str(incomes[m.person_id].kyu_tadashigaki_income) for m in elders}
    facts.update(
        {
            "counted": ids(elders),
            "total": str(total),
            "threshold": str(amounts.kyu_tadashigaki_total),
            "born_from": amounts.kyu_tadashigaki_born_from.isoformat(),
            "born_on_or_after": ids(born_after) or "-",
            "met": str(met).lower(),
        }
    )
    within = total <= amounts.kyu_tadashigaki_total
    summary = (
        f"70–74歳の被保険者の旧ただし書所得合計 {total:,}円（{amounts.kyu_tadashigaki_total:,}円"
        f"{'以下' if within else '超'}）、{amounts.kyu_tadashigaki_born_from.isoformat()}以後生まれ"
        f"{'あり' if born_after else 'なし'}"
    )
    summary += "のため2割" if met else "のため旧ただし書所得の特例に該当しない"
    return met, Reason("BURDEN-KYU-TADASHIGAKI", summary, BASIS_ORDINANCE, facts)


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
