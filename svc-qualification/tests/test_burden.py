import dataclasses
import datetime as dt

import pytest

from nhi_qualification.domain.burden import (
    BurdenAmounts,
    HouseholdMember,
    IncomeFacts,
    determine_burden,
    income_year_for,
)
from nhi_qualification.domain.burden_facts import printed_share
from nhi_qualification.domain.errors import RuleViolation

D = dt.date
AS_OF = D(2026, 11, 24)  # income year 2025
ELDER_A = D(1955, 6, 10)  # 高齢受給者 from 2025-07-01
ELDER_B = D(1954, 9, 3)
ADULT = D(1980, 5, 5)


def member(pid, birth, insured=True, **kw):
    return HouseholdMember(pid, birth, insured, **kw)


def income(pid, taxable=0, gross=0, kyu=0, non_taxed=False, pension=0, total=0, year=2025):
    return IncomeFacts(pid, year, taxable, gross, kyu, non_taxed, pension, total)


def run(members, *incomes, as_of=AS_OF, amounts=BurdenAmounts()):
    return determine_burden(as_of=as_of, members=members, incomes={i.person_id: i for i in incomes}, amounts=amounts)


def rules(decision):
    return [r.rule_id for r in decision.reasons]


def reason(decision, rule_id):
    return next(r for r in decision.reasons if r.rule_id == rule_id)


# BURDEN-YEAR


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (D(2026, 7, 31), 2024),
        (D(2026, 8, 1), 2025),
        (D(2026, 1, 1), 2024),
        (D(2026, 12, 31), 2025),
    ],
)
def test_income_year_changes_on_1_august(day, year):
    result = income_year_for(day=day)
    assert result.year == year
    assert result.reason.rule_id == "BURDEN-YEAR"


def test_the_decision_uses_the_income_year_of_its_date():
    decision = run([member("p1", ELDER_A)], income("p1", year=2024), as_of=D(2026, 7, 31))
    assert decision.income_year == 2024
    with pytest.raises(RuleViolation) as err:
        run([member("p1", ELDER_A)], income("p1", year=2024), as_of=D(2026, 8, 1))
    assert (err.value.rule, err.value.code) == ("BURDEN-YEAR", "INCOME_YEAR_MISMATCH")


# BURDEN-3


def test_taxable_income_just_below_1_45m_is_2_wari():
    decision = run([member("p1", ELDER_A)], income("p1", taxable=1_449_999, gross=5_000_000, kyu=3_000_000))
    assert (decision.ratio_percent, decision.limit_category) == (20, "一般")
    assert "BURDEN-KIJUN" not in rules(decision)
    assert reason(decision, "BURDEN-3").facts["highest"] == "1449999"


def test_taxable_income_of_1_45m_is_3_wari_genekinami_1():
    decision = run([member("p1", ELDER_A)], income("p1", taxable=1_450_000, gross=5_000_000, kyu=3_000_000))
    assert (decision.ratio_percent, decision.limit_category, decision.pending) == (30, "現役並みⅠ", False)
    assert rules(decision) == ["BURDEN-YEAR", "BURDEN-3", "BURDEN-KIJUN", "BURDEN-KYU-TADASHIGAKI", "LIMIT-CAT"]
    assert reason(decision, "BURDEN-3").facts["taxable_income.p1"] == "1450000"
    assert reason(decision, "BURDEN-KIJUN").facts["met"] == "false"


def test_the_highest_70_74_member_decides_and_under_70_income_does_not_count():
    members = [member("p1", ELDER_A), member("p2", ELDER_B), member("p3", ADULT)]
    decision = run(
        members,
        income("p1", taxable=1_500_000, gross=6_000_000, kyu=3_000_000),
        income("p2"),
        income("p3", taxable=9_000_000, kyu=9_000_000),
    )
    assert decision.ratio_percent == 30
    assert reason(decision, "BURDEN-3").facts["elders"] == "p1,p2"
    decision = run(members, income("p1"), income("p2"), income("p3", taxable=9_000_000, kyu=9_000_000))
    assert decision.ratio_percent == 20


# BURDEN-KIJUN


@pytest.mark.parametrize(("gross", "ratio", "category"), [(3_829_999, 20, "一般"), (3_830_000, 30, "現役並みⅠ")])
def test_kijun_one_member(gross, ratio, category):
    decision = run([member("p1", ELDER_A)], income("p1", taxable=1_500_000, gross=gross, kyu=2_500_000))
    assert (decision.ratio_percent, decision.limit_category) == (ratio, category)
    facts = reason(decision, "BURDEN-KIJUN").facts
    assert (facts["total"], facts["threshold"], facts["test"]) == (str(gross), "3830000", "one")


@pytest.mark.parametrize(("second", "ratio"), [(1_199_999, 20), (1_200_000, 30)])
def test_kijun_two_members(second, ratio):
    members = [member("p1", ELDER_A), member("p2", ELDER_B)]
    decision = run(members, income("p1", taxable=1_500_000, gross=4_000_000, kyu=2_500_000), income("p2", gross=second))
    assert decision.ratio_percent == ratio
    facts = reason(decision, "BURDEN-KIJUN").facts
    assert (facts["total"], facts["threshold"], facts["counted"]) == (str(4_000_000 + second), "5200000", "p1,p2")


@pytest.mark.parametrize(("specific_gross", "ratio"), [(1_199_999, 20), (1_200_000, 30)])
def test_kijun_one_member_plus_a_specific_same_household_member(specific_gross, ratio):
    members = [member("p1", ELDER_A), member("p9", D(1950, 1, 1), insured=False, is_specific_same_household=True)]
    decision = run(
        members, income("p1", taxable=1_500_000, gross=4_000_000, kyu=2_500_000), income("p9", gross=specific_gross)
    )
    assert decision.ratio_percent == ratio
    facts = reason(decision, "BURDEN-KIJUN").facts
    assert facts["test"] == "one_plus_specific_same_household"
    assert (facts["counted"], facts["total_with_specific"]) == ("p1,p9", str(4_000_000 + specific_gross))
    assert [p.person_id for p in decision.persons] == ["p1"]


def test_kijun_one_member_below_3_83m_stays_2_wari_whatever_the_specific_members_income():
    members = [member("p1", ELDER_A), member("p9", D(1950, 1, 1), insured=False, is_specific_same_household=True)]
    decision = run(
        members, income("p1", taxable=1_500_000, gross=3_829_999, kyu=2_500_000), income("p9", gross=3_000_000)
    )
    assert decision.ratio_percent == 20
    assert reason(decision, "BURDEN-KIJUN").facts["test"] == "one"


def test_the_specific_member_does_not_count_with_two_70_74_members():
    members = [
        member("p1", ELDER_A),
        member("p2", ELDER_B),
        member("p9", D(1950, 1, 1), insured=False, is_specific_same_household=True),
    ]
    decision = run(
        members,
        income("p1", taxable=1_500_000, gross=4_000_000, kyu=2_500_000),
        income("p2", gross=1_000_000),
        income("p9", gross=5_000_000),
    )
    assert decision.ratio_percent == 20
    assert reason(decision, "BURDEN-KIJUN").facts["counted"] == "p1,p2"


def test_a_specific_same_household_member_cannot_be_insured():
    with pytest.raises(RuleViolation) as err:
        run([member("p1", ELDER_A, is_specific_same_household=True)], income("p1"))
    assert err.value.code == "SPECIFIC_SAME_HOUSEHOLD_INSURED"


# BURDEN-KYU-TADASHIGAKI (as of 2016, when people born in 1945 were 70–74)

OLD_AS_OF = D(2016, 9, 1)


@pytest.mark.parametrize(
    ("birth", "kyu", "ratio"),
    [
        (D(1945, 1, 2), 2_100_000, 20),
        (D(1945, 1, 2), 2_100_001, 30),
        (D(1945, 1, 1), 2_100_000, 30),
    ],
)
def test_kyu_tadashigaki_total_and_birth_date(birth, kyu, ratio):
    decision = run(
        [member("p1", birth)], income("p1", taxable=1_450_000, gross=4_000_000, kyu=kyu, year=2015), as_of=OLD_AS_OF
    )
    assert decision.ratio_percent == ratio
    facts = reason(decision, "BURDEN-KYU-TADASHIGAKI").facts
    assert (facts["total"], facts["threshold"], facts["met"]) == (str(kyu), "2100000", str(ratio == 20).lower())
    assert decision.limit_category == ("一般" if ratio == 20 else "現役並みⅠ")


def test_kyu_tadashigaki_needs_only_one_member_born_on_or_after_the_threshold():
    members = [member("p1", D(1945, 1, 1)), member("p2", D(1945, 1, 2))]
    decision = run(
        members,
        income("p1", taxable=1_450_000, gross=5_000_000, kyu=1_500_000, year=2015),
        income("p2", gross=1_000_000, kyu=600_000, year=2015),
        as_of=OLD_AS_OF,
    )
    assert decision.ratio_percent == 20
    facts = reason(decision, "BURDEN-KYU-TADASHIGAKI").facts
    assert (facts["total"], facts["born_on_or_after"]) == ("2100000", "p2")


# LIMIT-CAT, 70–74


@pytest.mark.parametrize(
    ("taxable", "category"),
    [
        (6_900_000, "現役並みⅢ"),
        (6_899_999, "現役並みⅡ"),
        (3_800_000, "現役並みⅡ"),
        (3_799_999, "現役並みⅠ"),
        (1_450_000, "現役並みⅠ"),
        (1_449_999, "一般"),
    ],
)
def test_elder_limit_category_by_the_highest_taxable_income(taxable, category):
    decision = run([member("p1", ELDER_A)], income("p1", taxable=taxable, gross=9_000_000, kyu=8_000_000))
    assert decision.limit_category == category
    assert decision.persons[0].limit_category == category


def test_low_income_2_when_head_and_all_members_are_non_taxed():
    members = [member("p1", ELDER_A, is_head=True), member("p2", ELDER_B)]
    decision = run(members, income("p1", non_taxed=True, pension=800_001), income("p2", non_taxed=True))
    assert decision.limit_category == "低所得Ⅱ"
    assert reason(decision, "LIMIT-CAT").facts["income_after_pension_deduction.p1"] == "1"


def test_low_income_1_when_every_income_is_zero_after_the_800k_pension_deduction():
    members = [member("p1", ELDER_A, is_head=True), member("p2", ELDER_B)]
    decision = run(members, income("p1", non_taxed=True, pension=800_000), income("p2", non_taxed=True))
    assert (decision.ratio_percent, decision.limit_category) == (20, "低所得Ⅰ")


def test_low_income_1_fails_on_other_income():
    decision = run([member("p1", ELDER_A)], income("p1", non_taxed=True, total=1))
    assert decision.limit_category == "低所得Ⅱ"


def test_a_taxed_head_who_is_not_insured_makes_the_household_taxed():
    members = [member("h", ADULT, insured=False, is_head=True), member("p1", ELDER_A)]
    decision = run(members, income("h", taxable=3_000_000, kyu=3_000_000), income("p1", non_taxed=True))
    assert decision.limit_category == "一般"
    assert [p.person_id for p in decision.persons] == ["p1"]


# LIMIT-CAT, under 70


@pytest.mark.parametrize(
    ("total", "category"),
    [
        (9_010_001, "ア"),
        (9_010_000, "イ"),
        (6_000_001, "イ"),
        (6_000_000, "ウ"),
        (2_100_001, "ウ"),
        (2_100_000, "エ"),
        (0, "エ"),
    ],
)
def test_under_70_category_by_the_members_kyu_tadashigaki_total(total, category):
    members = [member("p1", ADULT), member("p2", D(1982, 1, 1))]
    decision = run(
        members,
        income("p1", taxable=total, kyu=total - 100_000 if total else 0),
        income("p2", kyu=100_000 if total else 0),
    )
    assert decision.ratio_percent is None
    assert decision.limit_category == category
    assert reason(decision, "LIMIT-CAT").facts["total"] == str(total)
    assert {p.ratio_percent for p in decision.persons} == {30}


def test_under_70_non_taxed_household_is_o():
    decision = run([member("p1", ADULT, is_head=True)], income("p1", non_taxed=True))
    assert decision.limit_category == "オ"


# mixed households and ratios outside 70–74


def test_mixed_household_has_per_person_ratios_and_categories():
    members = [member("p1", ELDER_A, is_head=True), member("p2", ADULT), member("p3", D(2022, 5, 5))]
    decision = run(
        members,
        income("p1", taxable=2_000_000, gross=5_000_000, kyu=3_000_000),
        income("p2", kyu=2_000_000),
        income("p3"),
    )
    assert (decision.ratio_percent, decision.limit_category) == (30, "現役並みⅠ")
    persons = {p.person_id: p for p in decision.persons}
    p1 = persons["p1"]
    assert (p1.elder, p1.ratio_percent, p1.limit_category) == (True, 30, "現役並みⅠ")
    assert (persons["p2"].ratio_percent, persons["p2"].limit_category) == (30, "ウ")  # 5,000,000 of all insured
    assert persons["p3"].ratio_percent == 20
    assert persons["p3"].reasons[0].rule_id == ""
    assert persons["p3"].reasons[0].facts["rule"] == "BURDEN-UNDER70"
    under = [r for r in decision.reasons if r.rule_id == "LIMIT-CAT" and r.facts["age_group"] == "under-70"][0]
    assert under.facts["counted"] == "p1,p2,p3"


@pytest.mark.parametrize(
    ("birth", "day", "ratio"),
    [
        (D(2020, 4, 1), D(2026, 3, 31), 20),  # 6 reached on 31 March: that 31 March is the last 2割 day
        (D(2020, 4, 1), D(2026, 4, 1), 30),
        (D(2020, 4, 2), D(2027, 3, 31), 20),  # 6 reached on 1 April: the next 31 March
        (D(2020, 4, 2), D(2027, 4, 1), 30),
    ],
)
def test_preschool_children_pay_2_wari_until_the_first_31_march_after_reaching_6(birth, day, ratio):
    year = income_year_for(day=day).year
    decision = run([member("c", birth)], income("c", year=year), as_of=day)
    assert decision.persons[0].ratio_percent == ratio
    assert decision.persons[0].reasons[0].facts["ratio_percent"] == str(ratio)


def test_a_person_who_reached_70_this_month_is_not_yet_a_70_74_member():
    birth = D(1956, 11, 10)  # 70 reached 2026-11-09; 高齢受給者 from 2026-12-01
    decision = run([member("p1", birth)], income("p1"))
    assert decision.ratio_percent is None
    assert (decision.persons[0].elder, decision.persons[0].ratio_percent) == (False, 30)
    decision = run([member("p1", birth)], income("p1"), as_of=D(2026, 12, 1))
    assert (decision.ratio_percent, decision.persons[0].elder) == (20, True)


def test_a_member_on_their_75th_birthday_is_not_counted():
    members = [member("p1", D(1951, 11, 24)), member("p2", ELDER_A)]
    decision = run(members, income("p1", taxable=5_000_000, gross=9_000_000, kyu=5_000_000), income("p2"))
    assert decision.ratio_percent == 20
    assert [p.person_id for p in decision.persons] == ["p2"]
    assert reason(decision, "ELDER-END").facts["persons"] == "p1"


# BURDEN-PENDING


def test_unknown_income_is_pending_with_a_provisional_2_wari():
    decision = determine_burden(as_of=AS_OF, members=[member("p1", ELDER_A)], incomes=None)
    assert (decision.pending, decision.ratio_percent, decision.limit_category) == (True, 20, None)
    assert decision.persons[0].ratio_percent == 20
    assert reason(decision, "BURDEN-PENDING").facts["missing_income"] == "p1"
    assert "BURDEN-3" not in rules(decision)


def test_one_missing_income_makes_the_household_pending():
    members = [member("p1", ELDER_A), member("p2", ELDER_B)]
    decision = run(members, income("p1", taxable=9_000_000, gross=9_000_000, kyu=9_000_000))
    assert (decision.pending, decision.ratio_percent) == (True, 20)
    assert reason(decision, "BURDEN-PENDING").facts["missing_income"] == "p2"


def test_the_missing_income_of_a_specific_same_household_member_makes_it_pending():
    members = [member("p1", ELDER_A), member("p9", D(1950, 1, 1), insured=False, is_specific_same_household=True)]
    decision = run(members, income("p1"))
    assert decision.pending
    assert reason(decision, "BURDEN-PENDING").facts["missing_income"] == "p9"


def test_pending_under_70_household_keeps_its_ratio_but_not_its_category():
    decision = determine_burden(as_of=AS_OF, members=[member("p1", ADULT)], incomes={})
    assert (decision.pending, decision.ratio_percent, decision.limit_category) == (True, None, None)
    assert decision.persons[0].ratio_percent == 30


# amounts and input checks


def test_amounts_are_configurable():
    amounts = dataclasses.replace(BurdenAmounts(), taxable_3wari=1_500_000)
    decision = run(
        [member("p1", ELDER_A)], income("p1", taxable=1_450_000, gross=5_000_000, kyu=3_000_000), amounts=amounts
    )
    assert decision.ratio_percent == 20
    assert reason(decision, "BURDEN-3").facts["threshold"] == "1500000"


def test_default_amounts():
    a = BurdenAmounts()
    assert (a.taxable_3wari, a.kijun_one, a.kijun_two, a.kyu_tadashigaki_total) == (
        1_450_000,
        3_830_000,
        5_200_000,
        2_100_000,
    )
    assert a.kyu_tadashigaki_born_from == D(1945, 1, 2)
    assert (a.limit_a, a.limit_i, a.limit_u, a.genekinami_3, a.genekinami_2, a.low_income_pension_deduction) == (
        9_010_000,
        6_000_000,
        2_100_000,
        6_900_000,
        3_800_000,
        800_000,
    )


def test_input_checks():
    with pytest.raises(RuleViolation) as err:
        run([member("p1", ADULT), member("p1", ADULT)], income("p1"))
    assert err.value.code == "DUPLICATE_MEMBER"
    with pytest.raises(RuleViolation) as err:
        run([member("p1", ADULT, insured=False)], income("p1"))
    assert err.value.code == "NO_INSURED_MEMBER"
    with pytest.raises(RuleViolation) as err:
        run([member("p1", D(2027, 1, 1))], income("p1"))
    assert err.value.field == "members[0].birth_date"


@pytest.mark.parametrize(
    ("ratio", "category", "pending", "printed"),
    [
        (20, "一般", False, "2割 一般"),
        (30, "現役並みⅠ", False, "3割 現役並みⅠ"),
        (20, None, True, "判定保留"),
        (None, "ウ", False, "ウ"),
    ],
)
def test_lists_print_the_share_in_wari_and_a_pending_decision_as_pending(ratio, category, pending, printed):
    assert printed_share(ratio, category, pending) == printed


# An unknown income fact is unknown, never 0 (BURDEN-PENDING)


def pending_reason(decision):
    return reason(decision, "BURDEN-PENDING")


def test_an_unknown_kyu_tadashigaki_income_leaves_the_share_pending_naming_it():
    decision = run([member("p1", ELDER_A)], income("p1", taxable=1_500_000, gross=4_000_000, kyu=None))
    assert (decision.pending, decision.ratio_percent, decision.limit_category) == (True, 20, None)
    assert pending_reason(decision).facts["unknown_income"] == "p1.kyu_tadashigaki_income"
    assert "p1 の旧ただし書所得" in pending_reason(decision).summary
    assert reason(decision, "BURDEN-KYU-TADASHIGAKI").facts["met"] == "unknown"


def test_an_unknown_fact_the_outcome_does_not_depend_on_decides_nothing():
    # BURDEN-KIJUN is met on the known gross income: 旧ただし書所得 is not needed.
    kijun = run([member("p1", ELDER_A)], income("p1", taxable=1_500_000, gross=3_000_000, kyu=None))
    assert (kijun.pending, kijun.ratio_percent, kijun.limit_category) == (False, 20, "一般")
    # The known taxable income already reaches 現役並みⅢ: the other member's cannot change the category.
    three = run(
        [member("p1", ELDER_A), member("p2", ELDER_B)],
        income("p1", taxable=7_000_000, gross=8_000_000, kyu=5_000_000),
        income("p2", taxable=None, gross=0, kyu=0),
    )
    assert (three.pending, three.ratio_percent, three.limit_category) == (False, 30, "現役並みⅢ")


def test_an_unknown_taxable_income_below_the_known_ones_leaves_burden_3_pending():
    decision = run(
        [member("p1", ELDER_A), member("p2", ELDER_B)],
        income("p1", taxable=1_000_000, gross=2_000_000, kyu=0),
        income("p2", taxable=None, gross=0, kyu=0),
    )
    assert decision.pending and pending_reason(decision).facts["unknown_income"] == "p2.taxable_income"
    assert reason(decision, "BURDEN-3").facts["result"] == "unknown"


def test_an_unknown_kyu_tadashigaki_income_under_70_leaves_the_category_pending_unless_already_a():
    members = [member("p1", ADULT), member("p2", ADULT)]
    pending = run(members, income("p1", kyu=1_000_000), income("p2", kyu=None))
    assert (pending.pending, pending.limit_category) == (True, None)
    assert pending_reason(pending).facts["unknown_income"] == "p2.kyu_tadashigaki_income"
    already_a = run(members, income("p1", kyu=9_500_000), income("p2", kyu=None))
    assert (already_a.pending, already_a.limit_category) == (False, "ア")


def test_a_non_taxed_household_with_an_unknown_pension_is_low_income_2_only_when_known_income_says_so():
    elder = [member("p1", ELDER_A, is_head=True)]
    unknown = run(elder, income("p1", non_taxed=True, pension=None, total=0))
    assert unknown.pending and pending_reason(unknown).facts["unknown_income"] == "p1.public_pension_income"
    known_above = run(elder, income("p1", non_taxed=True, pension=None, total=100_000))
    assert (known_above.pending, known_above.limit_category) == (False, "低所得Ⅱ")
