"""The 資格確認書 model: printed fields in 和暦, the validity svc-qualification answered (CERT-KIND, CERT-EXPIRY
are its rules and tested there), certificate numbers."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from nhi_documents.domain import certificate
from nhi_documents.domain.model import (
    Address,
    CertificateDue,
    CertificatesDue,
    HouseholdInfo,
    PersonInfo,
    QualificationInfo,
    Reason,
)

D = dt.date
KIND_REASON = Reason(
    "CERT-KIND",
    "マイナ保険証の利用登録なしのため資格確認書を申請によらず交付",
    "令和6年改正",
    {"card_registered": "false"},
)


def due(valid_until, kind=certificate.KIND, valid_from=D(2025, 8, 1), person_id="900000001", reasons=None):
    if reasons is None:
        reasons = (
            KIND_REASON,
            Reason(
                "CERT-EXPIRY",
                f"資格確認書の有効期限は次回更新日（{valid_until}）",
                "運用",
                {"valid_until": str(valid_until), "cause": "renewal"},
            ),
        )
    return CertificateDue(kind, person_id, valid_from, valid_until, tuple(reasons))


def dues(*certificates, reasons=(), as_of=D(2025, 8, 1)):
    return CertificatesDue("900000001", as_of, tuple(certificates), tuple(reasons))


# ----- era change -----


def test_era_change_issue_in_heisei_expires_in_reiwa_gannen():
    cert = make_certificate(issued_on=D(2019, 4, 30), valid_until=D(2019, 7, 31))
    assert cert.issued_on == "平成31年4月30日"
    assert cert.valid_until == "令和元年7月31日"


def test_certificate_numbers_count_per_era_year():
    assert certificate.sequence_key(D(2019, 4, 30)) == "H31"
    assert certificate.sequence_key(D(2019, 5, 1)) == "R1"
    assert certificate.certificate_number(D(2025, 8, 1), 123) == "R7-000123"


# ----- the 資格確認書 model -----

PERSON = PersonInfo(
    person_id="900000001",
    household_id="H1",
    name_kanji="髙﨑　太郎",
    name_kana="タカサキ　タロウ",
    birth_date=D(1989, 1, 7),
    sex="1",
    address=Address("399-0101", "みどり市若葉町2丁目3番5号", "201号室"),
)
HEAD = dataclasses.replace(PERSON, person_id="900000009", name_kanji="髙﨑　一")
QUAL = QualificationInfo(
    person_id="900000001",
    as_of=D(2025, 8, 1),
    insured=True,
    insurer_number="139998",
    symbol="みどり",
    number="1234567",
    branch_no="01",
    acquired_on=D(2019, 5, 1),
)
HOUSEHOLD = HouseholdInfo(
    household_id="H1", head_person_id="900000009", symbol="みどり", number="1234567", members=(PERSON, HEAD)
)


def make_certificate(
    person=PERSON,
    qualification=QUAL,
    issued_on=D(2025, 8, 1),
    valid_until=D(2026, 7, 31),
    with_elderly_certificate=False,
    **due_args,
):
    return certificate.build_eligibility_certificate(
        person=person,
        qualification=qualification,
        household=HOUSEHOLD,
        head_name="髙﨑　一",
        issued_on=issued_on,
        due=due(valid_until, valid_from=issued_on, **due_args),
        with_elderly_certificate=with_elderly_certificate,
        number="R7-000001",
        insurer_number="139998",
        insurer_name="みどり市",
    )


def test_certificate_fields_of_section_4_1():
    cert = make_certificate()
    rows = {f.label: f.value for f in cert.fields()}
    assert rows["氏名"] == "髙﨑　太郎"
    assert rows["生年月日"] == "昭和64年1月7日"
    assert rows["性別"] == "男"
    assert rows["記号・番号（枝番）"] == "記号 みどり　番号 1234567　（枝番）01"
    assert rows["保険者番号"] == "139998"
    assert rows["保険者名"] == "みどり市"
    assert rows["世帯主氏名"] == "髙﨑　一"
    assert rows["住所"] == "みどり市若葉町2丁目3番5号　201号室"
    assert rows["交付年月日"] == "令和7年8月1日"
    assert rows["有効期限"] == "令和8年7月31日"
    assert rows["資格取得年月日"] == "令和元年5月1日"
    assert rows["一部負担金の割合"] == "法定負担割合のとおり"
    assert cert.title == "国民健康保険 資格確認書"


def test_birth_date_on_the_first_day_of_heisei():
    cert = make_certificate(person=dataclasses.replace(PERSON, birth_date=D(1989, 1, 8)))
    assert cert.birth_date == "平成元年1月8日"


def test_the_expiry_printed_is_the_one_svc_qualification_answered():
    cert = make_certificate(valid_until=D(2027, 7, 31))
    assert cert.valid_until == "令和9年7月31日" and cert.valid_until_iso == D(2027, 7, 31)
    assert {f.label: f.value for f in cert.fields()}["有効期限"] == "令和9年7月31日"
    assert [r.rule_id for r in cert.reasons] == ["CERT-KIND", "CERT-EXPIRY"]  # its reasons, as answered


def test_dv_reasons_travel_with_the_certificate():
    reasons = (
        KIND_REASON,
        Reason("DV", "DV支援措置対象者: 資格確認書を申請によらず交付"),
        Reason("CERT-EXPIRY", "資格確認書の有効期限は70歳到達月の末日（2026-02-28）"),
    )
    cert = make_certificate(valid_until=D(2026, 2, 28), reasons=reasons)
    assert cert.reasons == reasons and cert.valid_until == "令和8年2月28日"


def test_share_is_left_to_the_elderly_certificate_issued_alongside():
    cert = make_certificate(person=dataclasses.replace(PERSON, birth_date=D(1954, 4, 1)), with_elderly_certificate=True)
    assert cert.share == certificate.SHARE_ELDERLY
    assert make_certificate().share == certificate.SHARE_STATUTORY


# ----- which of the certificates due is the 資格確認書 -----


def test_the_eligibility_certificate_is_picked_from_what_is_due():
    eligibility = due(D(2026, 7, 31))
    elderly = due(D(2026, 7, 31), kind="elderly_recipient_certificate")
    assert certificate.eligibility_due(dues(elderly, eligibility)) is eligibility


def test_a_qualification_notice_only_is_not_due():
    notice_reason = Reason("CERT-KIND", "マイナ保険証の利用登録ありのため資格情報のお知らせ（有効期限なし）")
    with pytest.raises(certificate.NotDue) as caught:
        certificate.eligibility_due(dues(due(None, kind="qualification_notice", reasons=(notice_reason,))))
    assert caught.value.person_id == "900000001" and caught.value.kinds == ("qualification_notice",)
    assert caught.value.reasons == (notice_reason,)
    assert "qualification_notice" in str(caught.value)


def test_nothing_due_carries_the_reasons_why():
    why = Reason("LOSS-AGE75", "証を交付しない: 75歳到達")
    with pytest.raises(certificate.NotDue) as caught:
        certificate.eligibility_due(dues(reasons=(why,)))
    assert caught.value.kinds == () and caught.value.reasons == (why,)


def test_an_eligibility_certificate_without_expiry_is_refused():
    with pytest.raises(certificate.MissingExpiry):
        certificate.eligibility_due(dues(due(None)))


def test_no_certificate_for_a_person_not_insured():
    with pytest.raises(certificate.NotInsured):
        make_certificate(qualification=dataclasses.replace(QUAL, insured=False, acquired_on=None))


def test_no_my_number_on_the_certificate():
    names = {f.name for f in dataclasses.fields(certificate.EligibilityCertificate)}
    assert not any("my_number" in n for n in names)
    assert not any(f.value.isdigit() and len(f.value) == 12 for f in make_certificate().fields())
