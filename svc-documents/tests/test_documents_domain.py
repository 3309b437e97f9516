"""CERT-EXPIRY boundaries, ages per 年齢計算ニ関スル法律, and the 資格確認書 model."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from nhi_documents.domain import ages, certificate
from nhi_documents.domain.model import Address, HouseholdInfo, PersonInfo, QualificationInfo
from nhi_documents.domain.validity import NotIssuable, RenewalDate, certificate_validity

D = dt.date


def until(issued_on, birth_date, residence_expires_on=None):
    return certificate_validity(issued_on=issued_on, birth_date=birth_date,
                                residence_expires_on=residence_expires_on).valid_until


# ----- ages -----

def test_an_age_is_reached_on_the_day_before_the_birthday():
    assert ages.reaches_age_on(D(1956, 6, 2), 70) == D(2026, 6, 1)
    assert ages.reaches_age_on(D(1956, 6, 1), 70) == D(2026, 5, 31)
    assert ages.age_on(D(1956, 6, 2), D(2026, 6, 1)) == 69  # reached only at the end of that day
    assert ages.age_on(D(1956, 6, 2), D(2026, 6, 2)) == 70


def test_born_29_february_reaches_ages_on_28_february_in_a_common_year():
    assert ages.birthday(D(1956, 2, 29), 70) == D(2026, 3, 1)
    assert ages.reaches_age_on(D(1956, 2, 29), 70) == D(2026, 2, 28)
    assert ages.reaches_age_on(D(1952, 2, 29), 75) == D(2027, 2, 28)
    assert ages.reaches_age_on(D(2020, 2, 29), 4) == D(2024, 2, 28)  # leap year: the day before 29 February
    assert ages.age_on(D(1956, 2, 29), D(2026, 2, 28)) == 69
    assert ages.age_on(D(1956, 2, 29), D(2026, 3, 1)) == 70


# ----- CERT-EXPIRY: the renewal date -----

@pytest.mark.parametrize(("issued_on", "expected"), [
    (D(2025, 7, 31), D(2025, 7, 31)),  # on the renewal date: valid that one day
    (D(2025, 8, 1), D(2026, 7, 31)),   # the day after: the next year's renewal date
    (D(2025, 1, 1), D(2025, 7, 31)),
    (D(2025, 12, 31), D(2026, 7, 31)),
])
def test_renewal_date_is_the_next_31_july(issued_on, expected):
    assert until(issued_on, D(1980, 4, 1)) == expected


def test_renewal_date_is_configurable():
    validity = certificate_validity(issued_on=D(2025, 8, 1), birth_date=D(1980, 4, 1), renewal=RenewalDate(9, 30))
    assert validity.valid_until == D(2025, 9, 30)


def test_reasons_name_the_rule_facts_and_basis():
    validity = certificate_validity(issued_on=D(2025, 8, 1), birth_date=D(1980, 4, 1))
    assert [r.rule_id for r in validity.reasons] == ["CERT-EXPIRY"]
    assert validity.reasons[0].facts == {"issued_on": "2025-08-01", "renewal_date": "2026-07-31", "limit": "renewal"}
    assert validity.reasons[0].basis


# ----- CERT-EXPIRY: cut at 70 -----

def test_cut_to_the_last_day_of_the_month_in_which_70_is_reached():
    validity = certificate_validity(issued_on=D(2025, 8, 1), birth_date=D(1956, 6, 2))
    assert validity.valid_until == D(2026, 6, 30)
    assert validity.reasons[-1].facts["limit"] == "age70"
    assert validity.reasons[-1].facts["reaches_70_on"] == "2026-06-01"


def test_born_on_the_1st_is_cut_to_the_last_day_of_the_previous_month():
    assert until(D(2025, 8, 1), D(1956, 6, 1)) == D(2026, 5, 31)
    assert until(D(2025, 8, 1), D(1956, 3, 1)) == D(2026, 2, 28)
    assert until(D(2025, 8, 1), D(1955, 9, 1)) == D(2025, 8, 31)


def test_born_29_february_is_cut_at_the_end_of_february():
    assert until(D(2025, 8, 1), D(1956, 2, 29)) == D(2026, 2, 28)


def test_issued_in_the_month_70_is_reached_still_ends_that_month():
    assert until(D(2025, 8, 1), D(1955, 8, 20)) == D(2025, 8, 31)   # before reaching 70
    assert until(D(2025, 8, 25), D(1955, 8, 20)) == D(2025, 8, 31)  # after reaching 70, same month


def test_a_70_to_74_year_old_gets_the_renewal_date():
    validity = certificate_validity(issued_on=D(2025, 9, 1), birth_date=D(1955, 8, 20))
    assert validity.valid_until == D(2026, 7, 31)
    assert [r.facts["limit"] for r in validity.reasons] == ["renewal"]


# ----- CERT-EXPIRY: cut at 75 -----

def test_cut_to_the_day_before_the_75th_birthday():
    validity = certificate_validity(issued_on=D(2025, 8, 1), birth_date=D(1950, 10, 15))
    assert validity.valid_until == D(2025, 10, 14)
    assert validity.reasons[-1].facts["limit"] == "age75"


def test_75_and_29_february():
    assert until(D(2026, 8, 1), D(1952, 2, 29)) == D(2027, 2, 28)


def test_issued_on_the_last_day_before_75_and_not_after():
    assert until(D(2025, 10, 14), D(1950, 10, 15)) == D(2025, 10, 14)
    with pytest.raises(NotIssuable) as caught:
        certificate_validity(issued_on=D(2025, 10, 15), birth_date=D(1950, 10, 15))
    assert caught.value.reason.facts["limit"] == "age75"


# ----- CERT-EXPIRY: residence period -----

def test_cut_to_the_end_of_the_residence_period():
    validity = certificate_validity(issued_on=D(2025, 8, 1), birth_date=D(1990, 5, 5),
                                    residence_expires_on=D(2026, 1, 10))
    assert validity.valid_until == D(2026, 1, 10)
    assert validity.reasons[-1].facts == {"residence_expires_on": "2026-01-10", "limit": "residence"}
    assert until(D(2025, 8, 1), D(1990, 5, 5), D(2027, 1, 10)) == D(2026, 7, 31)  # later than the renewal date
    with pytest.raises(NotIssuable):
        certificate_validity(issued_on=D(2025, 8, 1), birth_date=D(1990, 5, 5), residence_expires_on=D(2025, 7, 31))


def test_the_earliest_limit_wins():
    # reaches 70 on 2026-02-28 (end of February) but the residence period ends before
    assert until(D(2025, 8, 1), D(1956, 3, 1), D(2025, 12, 31)) == D(2025, 12, 31)


# ----- era change -----

def test_era_change_issue_in_heisei_expires_in_reiwa_gannen():
    validity = certificate_validity(issued_on=D(2019, 4, 30), birth_date=D(1980, 4, 1))
    assert validity.valid_until == D(2019, 7, 31)
    cert = make_certificate(issued_on=D(2019, 4, 30))
    assert cert.issued_on == "平成31年4月30日"
    assert cert.valid_until == "令和元年7月31日"


def test_certificate_numbers_count_per_era_year():
    assert certificate.sequence_key(D(2019, 4, 30)) == "H31"
    assert certificate.sequence_key(D(2019, 5, 1)) == "R1"
    assert certificate.certificate_number(D(2025, 8, 1), 123) == "R7-000123"


# ----- the 資格確認書 model -----

PERSON = PersonInfo(person_id="900000001", household_id="H1", name_kanji="髙﨑　太郎", name_kana="タカサキ　タロウ",
                    birth_date=D(1989, 1, 7), sex="1", address=Address("399-0101", "みどり市若葉町2丁目3番5号", "201号室"))
HEAD = dataclasses.replace(PERSON, person_id="900000009", name_kanji="髙﨑　一")
QUAL = QualificationInfo(person_id="900000001", as_of=D(2025, 8, 1), insured=True, insurer_number="139998",
                         symbol="みどり", number="1234567", branch_no="01", acquired_on=D(2019, 5, 1))
HOUSEHOLD = HouseholdInfo(household_id="H1", head_person_id="900000009", symbol="みどり", number="1234567",
                          members=(PERSON, HEAD))


def make_certificate(person=PERSON, qualification=QUAL, issued_on=D(2025, 8, 1)):
    validity = certificate_validity(issued_on=issued_on, birth_date=person.birth_date)
    return certificate.build_eligibility_certificate(
        person=person, qualification=qualification, household=HOUSEHOLD, head_name="髙﨑　一", issued_on=issued_on,
        validity=validity, number="R7-000001", insurer_number="139998", insurer_name="みどり市")


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


def test_70_to_74_share_is_left_to_the_elderly_certificate():
    cert = make_certificate(person=dataclasses.replace(PERSON, birth_date=D(1954, 4, 1)))
    assert cert.share == certificate.SHARE_ELDERLY
    assert "CERT-KIND" in [r.rule_id for r in cert.reasons]


def test_no_certificate_for_a_person_not_insured():
    with pytest.raises(certificate.NotInsured):
        make_certificate(qualification=dataclasses.replace(QUAL, insured=False, acquired_on=None))


def test_no_my_number_on_the_certificate():
    names = {f.name for f in dataclasses.fields(certificate.EligibilityCertificate)}
    assert not any("my_number" in n for n in names)
    assert not any(f.value.isdigit() and len(f.value) == 12 for f in make_certificate().fields())
