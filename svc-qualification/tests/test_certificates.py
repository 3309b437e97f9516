import datetime as dt

import pytest

from nhi_qualification.domain.certificates import (
    CertificateConfig,
    CertificatePerson,
    certificates_due,
    elder_certificate_expiry,
    eligibility_certificate_expiry,
)
from nhi_qualification.domain.errors import RuleViolation

D = dt.date
ADULT = D(1980, 5, 5)
ELDER = D(1955, 6, 10)  # 高齢受給者 2025-07-01 .. 2030-06-09


def person(birth=ADULT, registered=False, **kw):
    return CertificatePerson("p1", birth, registered, **kw)


def due(p, as_of, config=CertificateConfig()):
    return certificates_due(person=p, as_of=as_of, config=config)


def kinds(result):
    return [c.kind for c in result]


def rule_ids(cert):
    return [r.rule_id for r in cert.reasons]


# CERT-KIND


def test_registered_under_70_gets_a_qualification_notice_without_expiry():
    [notice] = due(person(registered=True), D(2026, 8, 1))
    assert (notice.kind, notice.valid_from, notice.valid_until, notice.shows_share) == (
        "qualification_notice",
        D(2026, 8, 1),
        None,
        False,
    )
    assert rule_ids(notice) == ["CERT-KIND"]


def test_registered_70_74_gets_a_notice_showing_the_share_until_31_july():
    [notice] = due(person(ELDER, registered=True), D(2026, 8, 1))
    assert (notice.kind, notice.valid_until, notice.shows_share) == ("qualification_notice", D(2027, 7, 31), True)
    assert rule_ids(notice) == ["CERT-KIND", "ELDER-CERT-EXPIRY"]


def test_not_registered_gets_an_eligibility_certificate_without_application():
    [cert] = due(person(), D(2026, 8, 1))
    assert (cert.kind, cert.valid_until) == ("eligibility_certificate", D(2027, 7, 31))
    assert rule_ids(cert) == ["CERT-KIND", "CERT-EXPIRY"]
    assert cert.reasons[0].facts["application_required"] == "false"


def test_a_dv_support_person_gets_an_eligibility_certificate_even_when_registered():
    [cert] = due(person(registered=True, dv_support=True), D(2026, 8, 1))
    assert cert.kind == "eligibility_certificate"
    assert rule_ids(cert) == ["CERT-KIND", "DV", "CERT-EXPIRY"]


@pytest.mark.parametrize("card", ["card_expired", "card_certificate_expired", "card_returned"])
def test_a_registered_person_whose_card_cannot_be_used_gets_an_eligibility_certificate(card):
    [cert] = due(person(registered=True, card_unusable=card), D(2026, 12, 1))
    assert cert.kind == "eligibility_certificate"
    assert cert.reasons[0].facts["card_unusable"] == card and "資格確認書" in cert.reasons[0].summary
    assert "マイナ保険証を利用できない" in cert.reasons[0].summary
    elder = due(person(ELDER, registered=True, card_unusable=card), D(2026, 12, 1))
    assert kinds(elder) == ["eligibility_certificate", "elderly_recipient_certificate"]


def test_70_74_with_an_eligibility_certificate_also_gets_an_elderly_recipient_certificate():
    cert, elder = due(person(ELDER), D(2026, 8, 1))
    assert (cert.kind, cert.shows_share) == ("eligibility_certificate", False)
    assert (elder.kind, elder.valid_from, elder.valid_until, elder.shows_share) == (
        "elderly_recipient_certificate",
        D(2026, 8, 1),
        D(2027, 7, 31),
        True,
    )
    assert rule_ids(elder) == ["CERT-KIND", "ELDER-CERT-EXPIRY"]


def test_configured_to_print_the_share_on_the_eligibility_certificate_no_elderly_certificate():
    [cert] = due(person(ELDER), D(2026, 8, 1), CertificateConfig(print_share_on_eligibility_certificate=True))
    assert (cert.kind, cert.shows_share) == ("eligibility_certificate", True)


def test_aged_75_gets_nothing():
    with pytest.raises(RuleViolation) as err:
        due(person(D(1951, 8, 1)), D(2026, 8, 1))
    assert (err.value.rule, err.value.code) == ("LOSS-AGE75", "AGED_75")
    assert due(person(D(1951, 8, 1)), D(2026, 7, 31))[0].valid_until == D(2026, 7, 31)


# CERT-EXPIRY


@pytest.mark.parametrize(
    ("issued", "until"),
    [
        (D(2026, 7, 31), D(2026, 7, 31)),
        (D(2026, 8, 1), D(2027, 7, 31)),
        (D(2026, 1, 1), D(2026, 7, 31)),
        (D(2026, 12, 31), D(2027, 7, 31)),
    ],
)
def test_eligibility_certificate_runs_to_the_next_31_july(issued, until):
    [cert] = due(person(), issued)
    assert cert.valid_until == until
    assert cert.reasons[-1].facts["cause"] == "renewal"


def test_the_renewal_date_and_interval_are_configurable():
    config = CertificateConfig(renewal_month=9, renewal_day=30, renewal_interval_years=2)
    assert due(person(), D(2026, 9, 30), config)[0].valid_until == D(2027, 9, 30)
    assert due(person(), D(2026, 10, 1), config)[0].valid_until == D(2028, 9, 30)
    assert due(person(), D(2026, 10, 1), CertificateConfig(renewal_interval_years=5))[0].valid_until == D(2031, 7, 31)


@pytest.mark.parametrize(
    "config",
    [
        CertificateConfig(renewal_interval_years=6),
        CertificateConfig(renewal_interval_years=0),
        CertificateConfig(renewal_month=2, renewal_day=29),
        CertificateConfig(renewal_month=13),
    ],
)
def test_invalid_configurations_are_refused(config):
    with pytest.raises(RuleViolation) as err:
        due(person(), D(2026, 8, 1), config)
    assert err.value.rule == "CERT-EXPIRY"


def test_a_75th_birthday_within_the_period_ends_both_certificates_the_day_before():
    cert, elder = due(person(D(1951, 12, 10)), D(2026, 8, 1))
    assert cert.valid_until == elder.valid_until == D(2026, 12, 9)
    assert cert.reasons[-1].facts["cause"] == "age_75"
    assert elder.reasons[-1].facts["day_before_75th_birthday"] == "2026-12-09"


def test_a_75th_birthday_on_1_august_ends_on_31_july():
    cert, elder = due(person(D(1952, 8, 1)), D(2026, 8, 1))
    assert cert.valid_until == elder.valid_until == D(2027, 7, 31)


def test_the_month_of_reaching_70_cuts_the_certificate_short():
    [cert] = due(person(D(1956, 11, 10)), D(2026, 8, 1))  # 70 reached 2026-11-09
    assert cert.valid_until == D(2026, 11, 30)
    assert cert.reasons[-1].facts["cause"] == "age_70"


@pytest.mark.parametrize(
    ("birth", "until"),
    [
        (D(1956, 12, 1), D(2026, 11, 30)),  # 70 reached 30 November
        (D(1956, 11, 1), D(2026, 10, 31)),
        (D(1956, 11, 2), D(2026, 11, 30)),
    ],
)
def test_born_on_the_1st_the_certificate_ends_with_the_previous_month(birth, until):
    assert due(person(birth), D(2026, 8, 1))[0].valid_until == until


def test_born_29_february_reaches_70_in_february_of_a_common_year():
    [cert] = due(person(D(1956, 2, 29)), D(2025, 8, 1))
    assert cert.valid_until == D(2026, 2, 28)
    # and the next certificate, from 1 March, comes with an elderly recipient certificate
    cert, elder = due(person(D(1956, 2, 29)), D(2026, 3, 1))
    assert (cert.valid_until, elder.valid_until) == (D(2026, 7, 31), D(2026, 7, 31))


def test_born_29_february_the_75th_birthday_is_1_march():
    cert, elder = due(person(D(1952, 2, 29)), D(2026, 8, 1))
    assert cert.valid_until == elder.valid_until == D(2027, 2, 28)


def test_already_70_74_the_70_limit_no_longer_applies():
    until, reason = eligibility_certificate_expiry(person=person(ELDER), issued_on=D(2026, 8, 1))
    assert until == D(2027, 7, 31)
    assert "candidate.age_70" not in reason.facts


def test_residence_period_end_cuts_the_certificate_short():
    [cert] = due(person(residence_period_end=D(2027, 1, 15)), D(2026, 8, 1))
    assert cert.valid_until == D(2027, 1, 15)
    assert cert.reasons[-1].facts["cause"] == "residence_period_end"
    assert due(person(residence_period_end=D(2026, 8, 1)), D(2026, 8, 1))[0].valid_until == D(2026, 8, 1)
    assert due(person(residence_period_end=D(2028, 1, 1)), D(2026, 8, 1))[0].valid_until == D(2027, 7, 31)


def test_an_ended_residence_period_is_refused():
    with pytest.raises(RuleViolation) as err:
        due(person(residence_period_end=D(2026, 7, 31)), D(2026, 8, 1))
    assert err.value.code == "RESIDENCE_PERIOD_ENDED"


@pytest.mark.parametrize(
    ("issued", "until", "cause"),
    [
        (D(2026, 8, 1), D(2027, 3, 31), "student_away"),
        (D(2026, 3, 31), D(2026, 3, 31), "student_away"),
        (D(2026, 4, 1), D(2026, 7, 31), "renewal"),
    ],
)
def test_student_away_ends_on_31_march(issued, until, cause):
    [cert] = due(person(student_away=True), issued)
    assert cert.valid_until == until
    assert cert.reasons[-1].facts["cause"] == cause


# ELDER-CERT-EXPIRY


@pytest.mark.parametrize(
    ("birth", "issued", "until"),
    [
        (ELDER, D(2026, 7, 31), D(2026, 7, 31)),
        (ELDER, D(2026, 8, 1), D(2027, 7, 31)),
        (D(1951, 12, 10), D(2026, 8, 1), D(2026, 12, 9)),
        (D(1952, 8, 1), D(2026, 8, 1), D(2027, 7, 31)),  # the day before the 75th birthday is that 31 July
        (D(1952, 7, 31), D(2026, 8, 1), D(2027, 7, 30)),
    ],
)
def test_elder_certificate_expiry(birth, issued, until):
    result, reason = elder_certificate_expiry(birth_date=birth, issued_on=issued)
    assert result == until
    assert reason.rule_id == "ELDER-CERT-EXPIRY"
