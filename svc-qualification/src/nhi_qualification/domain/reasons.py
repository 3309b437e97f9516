"""異動事由 (change reasons) as data: each row says its rule, its date rule, the forms and feeds that follow.

`effect` says what the date is: `acquire` / `lose` a qualification, or `coverage_start` / `coverage_end`
of this municipality while the prefecture-level qualification goes on (moves within the prefecture).
`date_rule` is the default of Part A; the configurable ones are overridden by RuleConfig.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

DateRule = Callable[[dt.date], dt.date]


def same_day(day: dt.date) -> dt.date:
    return day


def next_day(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class ChangeReason:
    code: str
    kind: str  # join | leave
    effect: str  # acquire | lose | coverage_start | coverage_end
    rule_id: str
    label: str  # as printed on lists
    date_rule: DateRule
    basis: str
    forms: tuple[str, ...] = ()  # application forms and slips due (2.1.4, 2.1.7)
    feeds: tuple[str, ...] = ("resident", "care", "healthcheck")
    counter: bool = True  # False: decided by a batch, not at the counter
    income_inquiry: bool = False  # 2.1.5: a mover's income comes from the previous municipality


REASONS: dict[str, ChangeReason] = {
    r.code: r
    for r in (
        ChangeReason(
            "move_in", "join", "acquire", "ACQ-MOVE-IN", "転入", same_day, "国民健康保険法第7条", income_inquiry=True
        ),
        ChangeReason(
            "move_in_same_pref",
            "join",
            "coverage_start",
            "ACQ-MOVE-IN-PREF",
            "県内転入",
            same_day,
            "国民健康保険法第5条",
            income_inquiry=True,
        ),
        ChangeReason(
            "birth",
            "join",
            "acquire",
            "ACQ-BIRTH",
            "出生",
            same_day,
            "国民健康保険法第7条",
            forms=("childbirth_lump_sum_application",),
        ),
        ChangeReason("emp_leave", "join", "acquire", "ACQ-EMP-LEAVE", "社保離脱", same_day, "国民健康保険法第7条"),
        ChangeReason(
            "welfare_end", "join", "acquire", "ACQ-WELFARE-END", "生活保護廃止", same_day, "国民健康保険法第7条"
        ),
        ChangeReason(
            "foreign_resident",
            "join",
            "acquire",
            "ACQ-FOREIGN",
            "外国人住民の適用",
            same_day,
            "国民健康保険法施行規則第1条",
        ),
        ChangeReason(
            "move_out", "leave", "lose", "LOSS-MOVE-OUT", "転出", same_day, "国民健康保険法第8条第1項ただし書"
        ),
        ChangeReason(
            "move_out_same_pref",
            "leave",
            "coverage_end",
            "END-MOVE-OUT-PREF",
            "県内転出",
            same_day,
            "国民健康保険法第5条",
        ),
        ChangeReason(
            "death",
            "leave",
            "lose",
            "LOSS-DEATH",
            "死亡",
            next_day,
            "国民健康保険法第8条第1項",
            forms=("funeral_expense_application",),
        ),
        ChangeReason("emp_join", "leave", "lose", "LOSS-EMP-JOIN", "社保加入", next_day, "国民健康保険法第8条第1項"),
        ChangeReason(
            "welfare_start", "leave", "lose", "LOSS-WELFARE", "生活保護開始", same_day, "国民健康保険法第8条第2項"
        ),
        ChangeReason(
            "kumiai_join", "leave", "lose", "LOSS-KUMIAI", "国保組合加入", same_day, "国民健康保険法第8条第2項"
        ),
        ChangeReason(
            "age75",
            "leave",
            "lose",
            "LOSS-AGE75",
            "後期高齢者医療移行",
            same_day,
            "高齢者の医療の確保に関する法律第52条",
            forms=("specific_same_household_slip",),
            counter=False,
        ),
        ChangeReason(
            "later_elderly_disability",
            "leave",
            "lose",
            "LOSS-LATER-ELDERLY-DISABILITY",
            "後期高齢者医療障害認定",
            same_day,
            "高齢者の医療の確保に関する法律第50条",
        ),
    )
}

# 異動区分 and the reasons that are not 異動事由 of a join or leave, as printed on the lists.
KIND_LABELS = {"join": "加入", "leave": "脱退", "status": "特別な資格", "change": "世帯主変更", "correction": "訂正"}
OTHER_REASON_LABELS = {"status": "特別な資格の届出", "head_change": "擬制世帯主の変更", "correction": "資格異動訂正"}


def reason_label(code: str) -> str:
    """The 異動事由 of a change as a clerk reads it (the code itself when unknown)."""
    reason = REASONS.get(code)
    return reason.label if reason is not None else OTHER_REASON_LABELS.get(code, code)
