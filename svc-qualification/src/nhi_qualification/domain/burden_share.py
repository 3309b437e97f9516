"""The share of the 70–74 (一部負担金割合): BURDEN-3 and its exceptions BURDEN-KIJUN and BURDEN-KYU-TADASHIGAKI.

An income fact may be unknown. Each test then says met, not met, or unknown; an unknown fact decides nothing
unless the known ones already settle the test (amounts are never negative, so a total can only grow).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from .burden_facts import (
    BASIS_ORDINANCE,
    BurdenAmounts,
    HouseholdMember,
    IncomeFacts,
    Unknown,
    amount_facts,
    known_amounts,
    whose,
)
from .limit_category import ids
from .model import Reason


@dataclasses.dataclass(frozen=True)
class Share:
    ratio: int | None  # 20 | 30; None = it depends on an unknown fact
    exception: bool  # 2割 by BURDEN-KIJUN or BURDEN-KYU-TADASHIGAKI although BURDEN-3 says 3割
    reasons: tuple[Reason, ...]
    unknown: tuple[Unknown, ...]  # the facts the ratio depends on and nobody knows


# BURDEN-3's outcome as its facts name it: 3割, 2割, or unknown.
_RESULT = {True: "30", False: "20", None: "unknown"}


def elder_share(
    elders: Sequence[HouseholdMember],
    specific: Sequence[HouseholdMember],
    incomes: Mapping[str, IncomeFacts],
    amounts: BurdenAmounts,
) -> Share:
    """BURDEN-3, then its exceptions."""
    taxable, unknown = known_amounts(elders, incomes, "taxable_income")
    highest = max(taxable.values(), default=0)
    three = True if highest >= amounts.taxable_3wari else None if unknown else False
    facts = amount_facts("taxable_income", taxable, unknown)
    facts.update(
        {
            "elders": ids(elders),
            "highest": str(highest),
            "threshold": str(amounts.taxable_3wari),
            "result": _RESULT[three],
        }
    )
    summary = f"70–74歳の被保険者の住民税課税所得の最高額 {highest:,}円が{amounts.taxable_3wari:,}円"
    if three is None:
        summary += f"未満、{whose(unknown)}が未確定のため判定できない"
    else:
        summary += "以上のため3割" if three else "未満のため2割"
    reasons = [Reason("BURDEN-3", summary, BASIS_ORDINANCE, facts)]
    if not three:
        return Share(None if three is None else 20, False, tuple(reasons), tuple(unknown))
    kijun, kijun_reason, kijun_unknown = _kijun(elders, specific, incomes, amounts)
    kyu, kyu_reason, kyu_unknown = _kyu_tadashigaki(elders, incomes, amounts)
    reasons += [kijun_reason, kyu_reason]
    if kijun or kyu:
        return Share(20, True, tuple(reasons), ())
    if kijun is None or kyu is None:
        return Share(None, False, tuple(reasons), (*kijun_unknown, *kyu_unknown))
    return Share(30, False, tuple(reasons), ())


def _kijun(
    elders: Sequence[HouseholdMember],
    specific: Sequence[HouseholdMember],
    incomes: Mapping[str, IncomeFacts],
    amounts: BurdenAmounts,
) -> tuple[bool | None, Reason, list[Unknown]]:
    gross, unknown = known_amounts(elders, incomes, "gross_income")
    elder_total = sum(gross.values())
    facts = amount_facts("gross_income", gross, unknown)
    facts["elders"] = ids(elders)
    if len(elders) >= 2:
        limit = amounts.kijun_two
        met = _below(elder_total, limit, unknown)
        facts.update(
            {"counted": ids(elders), "total": str(elder_total), "threshold": str(limit), "test": "two_or_more"}
        )
        summary = f"70–74歳の被保険者{len(elders)}人の収入合計 {elder_total:,}円"
    else:
        limit = amounts.kijun_one
        met = _below(elder_total, limit, unknown)
        facts.update({"total": str(elder_total), "threshold": str(limit), "test": "one"})
        summary = f"70–74歳の被保険者1人の収入 {elder_total:,}円"
        if met is False and specific:
            # One member plus 特定同一世帯所属者: the 5.2M test counting their income as well.
            extra, unknown = known_amounts(specific, incomes, "gross_income")
            facts.update(amount_facts("gross_income", extra, unknown))
            total = elder_total + sum(extra.values())
            limit = amounts.kijun_two
            met = _below(total, limit, unknown)
            facts.update(
                {
                    "counted": ids([*elders, *specific]),
                    "specific_same_household": ids(specific),
                    "total_with_specific": str(total),
                    "threshold_with_specific": str(limit),
                    "test": "one_plus_specific_same_household",
                }
            )
            summary += f"（{amounts.kijun_one:,}円以上）、特定同一世帯所属者を含む合計 {total:,}円"
        else:
            facts["counted"] = ids(elders)
    facts["met"] = _text(met)
    if met is None:
        summary += f"、{whose(unknown)}が未確定のため基準収入額の特例を判定できない"
    else:
        summary += f"が{limit:,}円" + ("未満のため2割" if met else "以上のため基準収入額の特例に該当しない")
    return met, Reason("BURDEN-KIJUN", summary, BASIS_ORDINANCE, facts), unknown if met is None else []


def _kyu_tadashigaki(
    elders: Sequence[HouseholdMember], incomes: Mapping[str, IncomeFacts], amounts: BurdenAmounts
) -> tuple[bool | None, Reason, list[Unknown]]:
    kyu, unknown = known_amounts(elders, incomes, "kyu_tadashigaki_income")
    total = sum(kyu.values())
    born_after = [m for m in elders if m.birth_date >= amounts.kyu_tadashigaki_born_from]
    met = _below(total, amounts.kyu_tadashigaki_total + 1, unknown) if born_after else False
    facts = amount_facts("kyu_tadashigaki_income", kyu, unknown)
    facts.update(
        {
            "counted": ids(elders),
            "total": str(total),
            "threshold": str(amounts.kyu_tadashigaki_total),
            "born_from": amounts.kyu_tadashigaki_born_from.isoformat(),
            "born_on_or_after": ids(born_after) or "-",
            "met": _text(met),
        }
    )
    within = total <= amounts.kyu_tadashigaki_total
    summary = (
        f"70–74歳の被保険者の旧ただし書所得合計 {total:,}円（{amounts.kyu_tadashigaki_total:,}円"
        f"{'以下' if within else '超'}）、{amounts.kyu_tadashigaki_born_from.isoformat()}以後生まれ"
        f"{'あり' if born_after else 'なし'}"
    )
    if met is None:
        summary += f"、{whose(unknown)}が未確定のため旧ただし書所得の特例を判定できない"
    else:
        summary += "のため2割" if met else "のため旧ただし書所得の特例に該当しない"
    return met, Reason("BURDEN-KYU-TADASHIGAKI", summary, BASIS_ORDINANCE, facts), unknown if met is None else []


def _below(total: int, limit: int, unknown: Sequence[Unknown]) -> bool | None:
    """total < limit, where unknown amounts may still add to the total."""
    if total >= limit:
        return False
    return None if unknown else True


def _text(met: bool | None) -> str:
    return "unknown" if met is None else str(met).lower()
