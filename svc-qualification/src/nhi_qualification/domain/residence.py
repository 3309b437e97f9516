"""Statuses of residence (在留資格) as codes, and which of them keep a foreign resident out of the NHI (ACQ-FOREIGN).

The one table that maps the Japanese names the resident registry sends to the codes the API shows. Names are
compared after NFKC normalisation, so full-width and half-width brackets name the same status.
"""

from __future__ import annotations

import dataclasses
import unicodedata

from .errors import RuleViolation

BASIS = "国民健康保険法施行規則第1条, 住民基本台帳法第30条の45"
# Nationalities that mean a Japanese national (or none recorded): ACQ-FOREIGN does not apply.
JAPANESE = frozenset({"", "日本", "日本国", "JP", "JPN"})


@dataclasses.dataclass(frozen=True)
class ResidenceStatus:
    code: str
    name: str  # as the resident registry names it
    excluded: bool = False  # not an NHI insured whatever the reason (施行規則第1条, domain §3.1)


RESIDENCE_STATUSES: tuple[ResidenceStatus, ...] = (
    ResidenceStatus("diplomat", "外交", excluded=True),
    ResidenceStatus("official", "公用", excluded=True),
    ResidenceStatus("professor", "教授"),
    ResidenceStatus("artist", "芸術"),
    ResidenceStatus("religious_activities", "宗教"),
    ResidenceStatus("journalist", "報道"),
    ResidenceStatus("highly_skilled_professional", "高度専門職"),
    ResidenceStatus("business_manager", "経営・管理"),
    ResidenceStatus("legal_accounting_services", "法律・会計業務"),
    ResidenceStatus("medical_services", "医療"),
    ResidenceStatus("researcher", "研究"),
    ResidenceStatus("instructor", "教育"),
    ResidenceStatus("engineer_humanities_international", "技術・人文知識・国際業務"),
    ResidenceStatus("intra_company_transferee", "企業内転勤"),
    ResidenceStatus("nursing_care", "介護"),
    ResidenceStatus("entertainer", "興行"),
    ResidenceStatus("skilled_labor", "技能"),
    ResidenceStatus("specified_skilled_worker", "特定技能"),
    ResidenceStatus("technical_intern_training", "技能実習"),
    ResidenceStatus("cultural_activities", "文化活動"),
    ResidenceStatus("temporary_visitor", "短期滞在", excluded=True),
    ResidenceStatus("student", "留学"),
    ResidenceStatus("trainee", "研修"),
    ResidenceStatus("dependent", "家族滞在"),
    ResidenceStatus("designated_activities", "特定活動"),
    ResidenceStatus("designated_activities_medical_stay", "特定活動（医療滞在）", excluded=True),
    ResidenceStatus("designated_activities_medical_attendant", "特定活動（医療滞在者の付添人）", excluded=True),
    ResidenceStatus("designated_activities_tourism", "特定活動（観光・保養）", excluded=True),
    ResidenceStatus(
        "designated_activities_tourism_spouse", "特定活動（観光・保養を目的とする者の同行配偶者）", excluded=True
    ),
    ResidenceStatus("permanent_resident", "永住者"),
    ResidenceStatus("spouse_of_japanese_national", "日本人の配偶者等"),
    ResidenceStatus("spouse_of_permanent_resident", "永住者の配偶者等"),
    ResidenceStatus("long_term_resident", "定住者"),
    ResidenceStatus("special_permanent_resident", "特別永住者"),
    ResidenceStatus("transitional_stay", "経過滞在"),  # 出生・国籍喪失による経過滞在者 (up to 60 days)
    ResidenceStatus("no_status", "在留資格なし", excluded=True),
)

BY_CODE = {s.code: s for s in RESIDENCE_STATUSES}
_BY_NAME = {unicodedata.normalize("NFKC", s.name): s for s in RESIDENCE_STATUSES}


def code_of(value: str) -> str | None:
    """The code of a status given by its code or its Japanese name; "" for none; None when unknown."""
    text = value.strip()
    if not text or text in BY_CODE:
        return text
    status = _BY_NAME.get(unicodedata.normalize("NFKC", text))
    return status.code if status else None


def as_code(field: str, value: str) -> str:
    """`code_of`, refusing a status the table does not know (named by `field`)."""
    code = code_of(value)
    if code is None:
        raise RuleViolation(
            field, f"{value!r} is not a status of residence", rule="ACQ-FOREIGN", code="UNKNOWN_RESIDENCE_STATUS"
        )
    return code


def is_foreign(nationality: str) -> bool:
    return nationality.strip() not in JAPANESE
