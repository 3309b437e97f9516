"""Cost-limit category (限度額適用区分, LIMIT-CAT) of a household: 現役並み・一般・低所得 for the 70–74, ア–オ under 70."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .burden_facts import (
    BASIS_LIMIT,
    BurdenAmounts,
    HouseholdMember,
    IncomeFacts,
    Unknown,
    amount_facts,
    known_amounts,
    whose,
)
from .model import Reason

GENEKINAMI_3, GENEKINAMI_2, GENEKINAMI_1 = "現役並みⅢ", "現役並みⅡ", "現役並みⅠ"
IPPAN, LOW_2, LOW_1 = "一般", "低所得Ⅱ", "低所得Ⅰ"
CAT_A, CAT_I, CAT_U, CAT_E, CAT_O = "ア", "イ", "ウ", "エ", "オ"


def ids(members: Sequence[HouseholdMember]) -> str:
    return ",".join([m.person_id for m in members])


def elder_limit(
    elders: list[HouseholdMember],
    tax_set: list[HouseholdMember],
    incomes: Mapping[str, IncomeFacts],
    share_exception: bool,
    amounts: BurdenAmounts,
) -> tuple[str | None, Reason, list[Unknown]]:
    """The 70–74 category; None (with the facts it depends on) when an unknown income could change it."""
    taxable, unknown = known_amounts(elders, incomes, "taxable_income")
    highest = max(taxable.values(), default=0)
    facts = amount_facts("taxable_income", taxable, unknown)
    facts.update(
        {"age_group": "70-74", "highest_taxable_income": str(highest), "share_exception": str(share_exception).lower()}
    )
    if share_exception:
        # A 現役並み income whose share went back to 2割 by an exception is 一般, whatever the level.
        category, summary, unknown = (
            IPPAN,
            f"課税所得 {highest:,}円だが基準収入額・旧ただし書所得の特例で2割のため一般",
            [],
        )
    elif highest >= amounts.genekinami_3 or (highest >= amounts.taxable_3wari and not unknown):
        if highest >= amounts.genekinami_3:
            category, limit = GENEKINAMI_3, amounts.genekinami_3
        elif highest >= amounts.genekinami_2:
            category, limit = GENEKINAMI_2, amounts.genekinami_2
        else:
            category, limit = GENEKINAMI_1, amounts.taxable_3wari
        facts["threshold"] = str(limit)
        summary, unknown = f"70–74歳の課税所得の最高額 {highest:,}円が{limit:,}円以上のため{category}", []
    elif unknown:
        category, summary = None, f"{whose(unknown)}が未確定のため限度額適用区分を判定できない"
    else:
        category, summary, unknown = _low_income(tax_set, incomes, amounts, facts)
    facts["category"] = category or "unknown"
    return category, Reason("LIMIT-CAT", summary, BASIS_LIMIT, facts), unknown


def _low_income(
    tax_set: list[HouseholdMember], incomes: Mapping[str, IncomeFacts], amounts: BurdenAmounts, facts: dict[str, str]
) -> tuple[str | None, str, list[Unknown]]:
    non_taxed = _non_taxed(tax_set, incomes)
    facts["tax_set"] = ids(tax_set)
    facts["non_taxed_household"] = "true" if non_taxed else "false"
    if not non_taxed:
        return IPPAN, "課税世帯で現役並み所得者がいないため一般", []
    totals, unknown = known_amounts(tax_set, incomes, "total_income")
    pensions, unknown_pensions = known_amounts(tax_set, incomes, "public_pension_income")
    unknown += unknown_pensions
    counted = {
        pid: max(0, totals[pid]) + max(0, pensions[pid] - amounts.low_income_pension_deduction)
        for pid in totals
        if pid in pensions
    }
    facts.update({f"income_after_pension_deduction.{pid}": str(v) for pid, v in counted.items()})
    facts["pension_deduction"] = str(amounts.low_income_pension_deduction)
    # An income above 0 (after the pension deduction) is 低所得Ⅱ whatever the unknown part of it adds.
    if any(
        totals.get(m.person_id, 0) > 0 or pensions.get(m.person_id, 0) > amounts.low_income_pension_deduction
        for m in tax_set
    ):
        return LOW_2, "世帯主及び被保険者全員が住民税非課税のため低所得Ⅱ", []
    if unknown:
        return None, f"住民税非課税世帯だが{whose(unknown)}が未確定のため低所得Ⅰ・Ⅱを判定できない", unknown
    return (
        LOW_1,
        (
            f"世帯全員が住民税非課税で、各所得（公的年金は{amounts.low_income_pension_deduction:,}円控除後）"
            "が0円のため低所得Ⅰ"
        ),
        [],
    )


def under70_limit(
    insured: list[HouseholdMember],
    tax_set: list[HouseholdMember],
    incomes: Mapping[str, IncomeFacts],
    amounts: BurdenAmounts,
) -> tuple[str | None, Reason, list[Unknown]]:
    """The under-70 category (ア–オ); None (with the facts it depends on) when an unknown income could change it."""
    kyu, unknown = known_amounts(insured, incomes, "kyu_tadashigaki_income")
    total = sum(kyu.values())
    facts = amount_facts("kyu_tadashigaki_income", kyu, unknown)
    facts.update({"age_group": "under-70", "counted": ids(insured), "total": str(total), "tax_set": ids(tax_set)})
    if _non_taxed(tax_set, incomes):
        category, summary, unknown = CAT_O, "世帯主及び被保険者全員が住民税非課税のためオ", []
    elif total > amounts.limit_a:
        category, summary, unknown = CAT_A, f"旧ただし書所得合計 {total:,}円が{amounts.limit_a:,}円超のためア", []
    elif unknown:
        category, summary = None, f"{whose(unknown)}が未確定のため限度額適用区分を判定できない"
    elif total > amounts.limit_i:
        category, summary = (
            CAT_I,
            (f"旧ただし書所得合計 {total:,}円が{amounts.limit_i:,}円超{amounts.limit_a:,}円以下のためイ"),
        )
    elif total > amounts.limit_u:
        category, summary = (
            CAT_U,
            (f"旧ただし書所得合計 {total:,}円が{amounts.limit_u:,}円超{amounts.limit_i:,}円以下のためウ"),
        )
    else:
        category, summary = CAT_E, f"旧ただし書所得合計 {total:,}円が{amounts.limit_u:,}円以下のためエ"
    facts["category"] = category or "unknown"
    return category, Reason("LIMIT-CAT", summary, BASIS_LIMIT, facts), unknown


def _non_taxed(tax_set: list[HouseholdMember], incomes: Mapping[str, IncomeFacts]) -> bool:
    return all(incomes[m.person_id].non_taxed for m in tax_set)
