"""Cost-limit category (限度額適用区分, LIMIT-CAT) of a household: 現役並み・一般・低所得 for the 70–74, ア–オ under 70."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .burden_facts import BASIS_ORDINANCE, BurdenAmounts, HouseholdMember, IncomeFacts
from .model import Reason

GENEKINAMI_3, GENEKINAMI_2, GENEKINAMI_1 = "現役並みⅢ", "現役並みⅡ", "現役並みⅠ"
IPPAN, LOW_2, LOW_1 = "一般", "低所得Ⅱ", "低所得Ⅰ"
CAT_A, CAT_I, CAT_U, CAT_E, CAT_O = "ア", "イ", "ウ", "エ", "オ"


def ids(members: Sequence[HouseholdMember]) -> str:
    return ",".join(m.person_id for m in members)


def elder_limit(
    elders: list[HouseholdMember],
    tax_set: list[HouseholdMember],
    incomes: Mapping[str, IncomeFacts],
    share_exception: bool,
    amounts: BurdenAmounts,
) -> tuple[str, Reason]:
    taxable = {m.person_id: incomes[m.person_id].taxable_income for m in elders}
    highest = max(taxable.values())
    facts = {f"taxable_income.{pid}": str(v) for pid, v in taxable.items()}
    facts.update(
        {"age_group": "70-74", "highest_taxable_income": str(highest), "share_exception": str(share_exception).lower()}
    )
    if highest >= amounts.taxable_3wari and not share_exception:
        if highest >= amounts.genekinami_3:
            category, limit = GENEKINAMI_3, amounts.genekinami_3
        elif highest >= amounts.genekinami_2:
            category, limit = GENEKINAMI_2, amounts.genekinami_2
        else:
            category, limit = GENEKINAMI_1, amounts.taxable_3wari
        facts["threshold"] = str(limit)
        summary = f"70–74歳の課税所得の最高額 {highest:,}円が{limit:,}円以上のため{category}"
    elif highest >= amounts.taxable_3wari:
        # A 現役並み income whose share went back to 2割 by an exception is 一般, whatever the level.
        category = IPPAN
        summary = f"課税所得 {highest:,}円だが基準収入額・旧ただし書所得の特例で2割のため一般"
    else:
        category, summary = _low_income(tax_set, incomes, amounts, facts)
    facts["category"] = category
    return category, Reason("LIMIT-CAT", summary, BASIS_ORDINANCE, facts)


def _low_income(
    tax_set: list[HouseholdMember], incomes: Mapping[str, IncomeFacts], amounts: BurdenAmounts, facts: dict[str, str]
) -> tuple[str, str]:
    facts["tax_set"] = ids(tax_set)
    facts["non_taxed_household"] = str(_non_taxed(tax_set, incomes)).lower()
    if not _non_taxed(tax_set, incomes):
        return IPPAN, "課税世帯で現役並み所得者がいないため一般"
    counted = {
        m.person_id: max(0, incomes[m.person_id].total_income)
        + max(0, incomes[m.person_id].public_pension_income - amounts.low_income_pension_deduction)
        for m in tax_set
    }
    facts.update({f"income_after_pension_deduction.{pid}": str(v) for pid, v in counted.items()})
    facts["pension_deduction"] = str(amounts.low_income_pension_deduction)
    if all(v == 0 for v in counted.values()):
        return LOW_1, (
            f"世帯全員が住民税非課税で、各所得（公的年金は{amounts.low_income_pension_deduction:,}円控除後）"
            "が0円のため低所得Ⅰ"
        )
    return LOW_2, "世帯主及び被保険者全員が住民税非課税のため低所得Ⅱ"


def under70_limit(
    insured: list[HouseholdMember],
    tax_set: list[HouseholdMember],
    incomes: Mapping[str, IncomeFacts],
    amounts: BurdenAmounts,
) -> tuple[str, Reason]:
    kyu = {m.person_id: incomes[m.person_id].kyu_tadashigaki_income for m in insured}
    total = sum(kyu.values())
    facts = {f"kyu_tadashigaki_income.{pid}": str(v) for pid, v in kyu.items()}
    facts.update({"age_group": "under-70", "counted": ids(insured), "total": str(total), "tax_set": ids(tax_set)})
    if _non_taxed(tax_set, incomes):
        category, summary = CAT_O, "世帯主及び被保険者全員が住民税非課税のためオ"
    elif total > amounts.limit_a:
        category, summary = CAT_A, f"旧ただし書所得合計 {total:,}円が{amounts.limit_a:,}円超のためア"
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
    facts["category"] = category
    return category, Reason("LIMIT-CAT", summary, BASIS_ORDINANCE, facts)


def _non_taxed(tax_set: list[HouseholdMember], incomes: Mapping[str, IncomeFacts]) -> bool:
    return all(incomes[m.person_id].non_taxed for m in tax_set)
