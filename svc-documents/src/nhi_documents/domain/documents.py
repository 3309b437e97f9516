"""What each kind prints (domain §4): the fields, in 和暦, from svc-qualification's facts and the municipality's
settings. The 性同一性障害者 display, the DV rule and the share rows are decided here, once for every kind."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from nhi_common.errors import InvalidInput
from nhi_common.jp import CHANGE_REASONS, wareki

from . import certificate, layout
from .elderly import elder_start
from .kinds import CERTIFICATE, LIST, DocumentKind
from .layout import DocumentModel, Field, Issuer, Recipient, Table
from .model import CertificatesDue, HouseholdInfo, PersonInfo, QualificationInfo, ShareInfo, StatusInfo

GENDER_IDENTITY = "gender_identity_display"
SEE_REVERSE = "裏面参照"
CARD_NOTES = (
    "保険医療機関等で受診するときは、必ずこの証を窓口で提示してください。",
    "有効期限を過ぎたとき、または資格を喪失したときは、速やかに保険者へ返還してください。",
    "不正に使用した者は、刑法により詐欺罪として拘禁刑に処せられることがあります。",
)
NOTICE_NOTES = (
    "このお知らせだけでは保険医療機関等を受診できません。マイナ保険証とあわせてご利用ください。",
    "記載内容に変更があったときは、14日以内に届け出てください。",
)
REASON_LABELS = CHANGE_REASONS
CHILDBIRTH_AMOUNT = "500,000円（産科医療補償制度の対象外の出産等は488,000円）"
INVOLUNTARY = "involuntary_unemployment"
# 雇用保険の離職理由コード: 特定受給資格者 and 特定理由離職者 (domain §3.8)
SEPARATION_CATEGORIES = {
    **dict.fromkeys(("11", "12", "21", "22", "31", "32"), "特定受給資格者"),
    **dict.fromkeys(("23", "33", "34"), "特定理由離職者"),
}
INVOLUNTARY_REDUCTION = (
    "前年の給与所得を100分の30とみなして保険料（税）を算定（軽減判定・高額療養費の所得区分にも適用）"
)


@dataclasses.dataclass(frozen=True)
class PersonFacts:
    """Everything svc-qualification told about the person a document is for."""

    person: PersonInfo
    qualification: QualificationInfo
    household: HouseholdInfo
    head_name: str
    due: CertificatesDue | None = None
    share: ShareInfo | None = None


@dataclasses.dataclass(frozen=True)
class Printing:
    """The municipality's choices: the issuer block and CERT-KIND's variant (share printed on the 資格確認書)."""

    issuer: Issuer
    certificate_prints_share: bool = False


def d(day: dt.date | None) -> str:
    return wareki(day) if day is not None else ""


def share_text(share: ShareInfo | None) -> str:
    """2割 / 3割 for a 高齢受給者; '' (a blank row, no invented wording) for anyone else."""
    if share is None or not share.elder or not share.ratio_percent:
        return ""
    return f"{share.ratio_percent // 10}割"


def option_date(options: Mapping[str, str], name: str) -> dt.date | None:
    value = options.get(name, "")
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"options.{name}", "must be an ISO date (YYYY-MM-DD)", code="INVALID_DATE") from None


# ----- the person shown on a document -----


def _names(kind: DocumentKind, facts: PersonFacts, day: dt.date) -> tuple[list[Field], list[Field]]:
    """(front rows, reverse rows) naming the person: 通称名 and 裏面参照 in front under 性同一性障害者 (§3.8)."""
    person = facts.person
    status = person.status(GENDER_IDENTITY, day)
    sex = certificate.SEX.get(person.sex, "")
    show_sex = kind.code != "elderly_recipient_certificate"  # the 高齢受給者証 has no sex field
    if status is None:
        front = [Field("氏名", person.name_kanji, "name", furigana=person.name_kana, emphasis=True)]
        if show_sex:
            front.append(Field("性別", sex))
        return front, []
    display = status.display_name or person.display_name or person.name_kanji
    front = [Field("氏名", display, "display_name", emphasis=True)]
    if show_sex:
        front.append(Field("性別", SEE_REVERSE))
    reverse = [Field("戸籍上の氏名", person.name_kanji, "name")]
    if show_sex:
        reverse.append(Field("戸籍上の性別", sex))
    return front, reverse


def _insured_number(q: QualificationInfo, h: HouseholdInfo) -> str:
    return f"記号 {q.symbol or h.symbol}　番号 {q.number or h.number}　（枝番）{q.branch_no}"


DV_SUPPORT = "dv_support"


def household_under_dv(facts: PersonFacts, day: dt.date) -> bool:
    """Rule DV: the person or any member of their household is a DV support-measure person on `day` (the registry's
    flag, or a dv_support status then). The address is the household's, so it is every member's to withhold."""
    people = (facts.person, *facts.household.members)
    return any(p.dv_support or p.status(DV_SUPPORT, day) is not None for p in people)


def _address_rows(kind: DocumentKind, facts: PersonFacts, day: dt.date) -> list[Field]:
    """The address, unless the document goes to a third party and the household is under a DV support measure."""
    if kind.third_party and household_under_dv(facts, day):
        return []
    address = facts.person.address if facts.person.address else facts.household.address
    return [Field("住所", address.printed(), "address")] if address else []


def _recipient(facts: PersonFacts) -> Recipient | None:
    """Mailed to the household head at the household's address (domain §3.4)."""
    address = facts.household.address if facts.household.address else facts.person.address
    if not address:
        return None
    return Recipient(address.postal_code, address.printed(), f"{facts.head_name or facts.person.name_kanji}　様")


# ----- certificates -----


def _card_model(
    kind: DocumentKind,
    facts: PersonFacts,
    printing: Printing,
    *,
    day: dt.date,
    created_at: dt.datetime,
    options: Mapping[str, str],
    number: str | None,
) -> DocumentModel:
    """資格確認書, 高齢受給者証 (card size) and 資格情報のお知らせ (A4 with the card cut out)."""
    due = certificate.eligibility_due(facts.due) if kind.code == certificate.KIND else _due(kind, facts)
    q, share = facts.qualification, facts.share
    if not q.insured or q.acquired_on is None:
        raise certificate.NotInsured(facts.person.person_id, day)
    front, reverse = _names(kind, facts, day)
    rows = [*front, Field("生年月日", d(facts.person.birth_date))]
    rows.append(Field("記号・番号（枝番）", _insured_number(q, facts.household)))
    if kind.code == "elderly_recipient_certificate":
        rows += [
            Field("一部負担金の割合", share_text(share) or "2割"),
            Field("発効期日", d(due.valid_from)),
        ]
    elif kind.code == certificate.KIND:
        rows.append(Field("資格取得年月日", d(q.acquired_on)))
        rows += _certificate_share_rows(facts, printing, due.valid_from)
    else:  # 資格情報のお知らせ: the share and its expiry for 70-74 only; a blank row otherwise
        rows += [Field("資格取得年月日", d(q.acquired_on)), Field("一部負担金の割合", share_text(share))]
    rows.append(Field("世帯主氏名", facts.head_name, "head_name"))
    if kind.code != "qualification_notice":
        rows += _address_rows(kind, facts, day)
    rows += [Field("交付年月日", d(day))]
    if due.valid_until is not None:
        rows.append(Field("有効期限", d(due.valid_until)))
    issuer = printing.issuer
    rows += [Field("保険者番号", q.insurer_number or issuer.insurer_number), Field("保険者名称", issuer.name)]
    notice = kind.code == "qualification_notice"
    paper = layout.A4_WITH_CARD_CUTOUT if notice else options.get("paper", layout.CARD_ON_POSTCARD)
    return DocumentModel(
        kind=kind.code,
        title=kind.title,
        paper=paper,
        issuer=issuer,
        issued_on=day,
        created_at=created_at,
        person_id=facts.person.person_id,
        household_id=facts.household.household_id or facts.person.household_id,
        fields=tuple(rows) if notice else (),
        card=tuple(rows),
        reverse=tuple(reverse) + (Field("臓器提供意思表示欄", "（裏面記入欄）"),) if not notice else tuple(reverse),
        notes=NOTICE_NOTES if notice else CARD_NOTES,
        recipient=_recipient(facts),
        valid_until=due.valid_until,
        number=number,
        reasons=due.reasons,
    )


def _certificate_share_rows(facts: PersonFacts, printing: Printing, valid_from: dt.date | None) -> list[Field]:
    """CERT-KIND: by default the 70-74 share is left to the 高齢受給者証; the variant prints it with 発効期日."""
    elder = facts.share is not None and facts.share.elder
    if printing.certificate_prints_share and elder:
        effective = max(d for d in (elder_start(facts.person.birth_date), valid_from) if d is not None)
        return [Field("一部負担金の割合", share_text(facts.share)), Field("発効期日", wareki(effective))]
    due = facts.due
    with_elderly = due is not None and certificate.ELDERLY_RECIPIENT_CERTIFICATE in due.kinds
    return [Field("一部負担金の割合", certificate.SHARE_ELDERLY if with_elderly else certificate.SHARE_STATUTORY)]


def _due(kind: DocumentKind, facts: PersonFacts):
    """The certificate of `kind` svc-qualification says is due (CERT-KIND), else NotDue with its reasons."""
    assert facts.due is not None, "svc-qualification is asked what is due before a certificate is built"
    due = facts.due.of_kind(kind.due_kind)
    if due is None:
        raise certificate.NotDue(facts.due, kind=kind.code)
    return due


# ----- other per-person documents -----


def _form_rows(kind: DocumentKind, facts: PersonFacts, options: Mapping[str, str], day: dt.date) -> list[Field]:
    """The rows of a certificate of joining/leaving, a slip or an application form (domain §4.1, §4.2)."""
    person, q, h = facts.person, facts.qualification, facts.household
    front, reverse = _names(kind, facts, day)
    common = [*front, Field("生年月日", d(person.birth_date)), Field("記号・番号（枝番）", _insured_number(q, h))]
    head = Field("世帯主氏名", facts.head_name, "head_name")
    acquired = Field("資格取得年月日", d(q.acquired_on))
    code = kind.code
    if code == "enrollment_certificate":
        lost = [Field("資格喪失年月日", d(q.lost_on)), Field("喪失事由", REASON_LABELS.get(q.lost_reason, ""))]
        return [
            *common,
            head,
            *_address_rows(kind, facts, day),
            acquired,
            Field("取得事由", REASON_LABELS.get(q.acquired_reason, q.acquired_reason)),
            *(lost if q.lost_on else []),
            Field("証明日", d(day)),
            Field("証明文", "上記のとおり国民健康保険の被保険者であったことを証明します。"),
            *reverse,
        ]
    if code == "specific_same_household_slip":
        status = person.status("specific_same_household", day)
        members = "、".join(m.name_kanji for m in h.members if m.person_id != person.person_id)
        return [
            *common,
            head,
            Field("世帯番号", h.household_id),
            Field("後期高齢者医療移行日", d(q.lost_on if q.lost_reason == "age75" else None)),
            Field("特定同一世帯所属者の開始日", d(status.start if status else None)),
            Field("同一世帯の国保被保険者", members, "members"),
            *reverse,
        ]
    if code == "former_dependant_slip":
        status = person.status("former_dependant", day)
        return [
            *common,
            head,
            acquired,
            Field("旧被扶養者の期間", f"{d(status.start)}から{d(status.end)}まで" if status else ""),
            Field("元の被用者保険の保険者", ""),
            *reverse,
        ]
    if code == "burden_category_slip":
        share = facts.share
        return [
            *common,
            head,
            Field("異動前の負担区分", ""),
            Field("異動後の一部負担金の割合", share_text(share)),
            Field("異動後の限度額適用区分", share.limit_category if share else ""),
            Field("発効日", d(share.as_of if share else day)),
            *reverse,
        ]
    if code == "prenatal_reduction_slip":
        expected = option_date(options, "expected_on")
        if expected is None:
            raise InvalidInput(
                "options.expected_on", "the expected (or actual) birth date is required", code="REQUIRED"
            )
        multiple = options.get("births") == "multiple"
        first, last = prenatal_months(expected, multiple=multiple)
        return [
            *common,
            head,
            Field("出産予定日（出産日）", d(expected)),
            Field("単胎・多胎", "多胎" if multiple else "単胎"),
            Field("軽減対象期間", f"{first.year}年{first.month}月分から{last.year}年{last.month}月分まで"),
            *reverse,
        ]
    if code == "involuntary_unemployment_slip":
        return [*common, head, *_involuntary_rows(person.latest_status(INVOLUNTARY, day)), *reverse]
    if code == "funeral_expense_application":
        died = q.lost_on - dt.timedelta(days=1) if q.lost_on and q.lost_reason == "death" else None
        return [
            *common,
            Field("死亡年月日", d(died)),
            Field("喪主（申請者）氏名", ""),
            Field("喪主の住所", ""),
            Field("葬祭を行った日", ""),
            Field("振込先金融機関・口座", ""),
            *reverse,
        ]
    if code == "childbirth_lump_sum_application":
        return [
            *common,
            head,
            Field("出生年月日", d(person.birth_date)),
            Field("母の氏名", ""),
            Field("出産した医療機関等", ""),
            Field("直接支払制度の利用", "□ 利用する　□ 利用しない"),
            Field("支給額", CHILDBIRTH_AMOUNT),
            Field("振込先金融機関・口座", ""),
            *reverse,
        ]
    raise ValueError(f"{code} is not a per-person form")


def _involuntary_rows(status: StatusInfo | None) -> list[Field]:
    """非自発的失業者 (domain §3.8): the separation, its category by the 雇用保険 code, the months of the reduction (from
    the month of the day after separation to the end of the next fiscal year, as svc-qualification recorded them)."""
    if status is None:
        return [Field("離職年月日", ""), Field("離職理由コード", ""), Field("軽減対象期間", "")]
    period = f"{month(status.start)}から{month(status.end)}まで" if status.start and status.end else ""
    return [
        Field("離職年月日", d(status.separation_date)),
        Field("離職理由コード", status.separation_code),
        Field("離職理由の区分", SEPARATION_CATEGORIES.get(status.separation_code, "")),
        Field("確認書類", "雇用保険受給資格者証"),
        Field("軽減対象期間", period),
        Field("軽減の内容", INVOLUNTARY_REDUCTION),
    ]


def month(day: dt.date | None) -> str:
    """令和8年12月分: the month a premium is assessed for, in 和暦."""
    return wareki(day.replace(day=1)).removesuffix("1日") + "分" if day is not None else ""


def prenatal_months(expected: dt.date, *, multiple: bool) -> tuple[dt.date, dt.date]:
    """The first and last month of the 産前産後 reduction: from the month before the due month (3 months before
    for a multiple birth) to 2 months after it (domain §3.8)."""
    before = 3 if multiple else 1
    first = _add_months(expected.replace(day=1), -before)
    return first, _add_months(expected.replace(day=1), 2)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def person_document(
    kind: DocumentKind,
    facts: PersonFacts,
    printing: Printing,
    *,
    day: dt.date,
    created_at: dt.datetime,
    options: Mapping[str, str],
    number: str | None = None,
) -> DocumentModel:
    """The model of any per-person kind."""
    if kind.group == CERTIFICATE and kind.code != "enrollment_certificate":
        return _card_model(kind, facts, printing, day=day, created_at=created_at, options=options, number=number)
    q = facts.qualification
    if q.acquired_on is None:
        raise certificate.NotInsured(facts.person.person_id, day)
    return DocumentModel(
        kind=kind.code,
        title=kind.title,
        paper=layout.A4_FORM,
        issuer=printing.issuer,
        issued_on=day,
        created_at=created_at,
        person_id=facts.person.person_id,
        household_id=facts.household.household_id or facts.person.household_id,
        fields=tuple(_form_rows(kind, facts, options, day)),
        reasons=(),
    )


# ----- lists -----

NOT_CONNECTED = "この一覧の連携元はまだ接続されていません（後続の機能で連携します）。"
NO_ROWS = "対象データはありません。"


def list_document(
    kind: DocumentKind,
    rows: Sequence[Mapping[str, str]],
    printing: Printing,
    *,
    day: dt.date,
    created_at: dt.datetime,
) -> DocumentModel:
    """A list from the rows it is given, with the Japanese headings of its kind; says so when it has no source."""
    assert kind.group == LIST, kind.code
    known = {key for key, _ in kind.columns}
    for index, row in enumerate(rows):
        unknown = sorted(set(row) - known)
        if unknown:
            raise InvalidInput(
                f"rows[{index}]",
                f"{', '.join(unknown)} is not a column of {kind.code}; columns: {', '.join(sorted(known))}",
                code="UNKNOWN_KIND",
            )
    remarks: list[str] = []
    if not kind.source_connected:
        remarks.append(NOT_CONNECTED)
    if not rows:
        remarks.append(NO_ROWS)
    table = Table(
        tuple(heading for _, heading in kind.columns),
        tuple(tuple(str(row.get(key, "")) for key, _ in kind.columns) for row in rows),
    )
    return DocumentModel(
        kind=kind.code,
        title=kind.title,
        paper=layout.A4_LIST,
        issuer=printing.issuer,
        issued_on=day,
        created_at=created_at,
        table=table,
        remarks=tuple(remarks),
    )
