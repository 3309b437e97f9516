"""異動事由 (change reasons) as data: each row says its rule, its date rule, the documents and feeds that follow."""

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
    rule_id: str
    label: str  # as printed on lists
    date_rule: DateRule
    basis: str
    documents: tuple[str, ...] = ()
    slips: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ("resident", "care", "healthcheck")
    supported: bool = True


REASONS: dict[str, ChangeReason] = {r.code: r for r in (
    ChangeReason("move_in", "join", "ACQ-MOVE-IN", "転入", same_day, "国民健康保険法第7条",
                 documents=("eligibility_certificate",)),
    ChangeReason("birth", "join", "ACQ-BIRTH", "出生", same_day, "国民健康保険法第7条",
                 documents=("eligibility_certificate", "childbirth_lump_sum_application")),
    ChangeReason("emp_leave", "join", "ACQ-EMP-LEAVE", "社保離脱", same_day, "国民健康保険法第7条",
                 documents=("eligibility_certificate",)),
    ChangeReason("welfare_end", "join", "ACQ-WELFARE-END", "生活保護廃止", same_day, "国民健康保険法第7条",
                 documents=("eligibility_certificate",)),
    ChangeReason("move_in_same_pref", "join", "ACQ-MOVE-IN-PREF", "県内転入", same_day, "国民健康保険法第5条",
                 documents=("eligibility_certificate",), supported=False),
    ChangeReason("foreign_resident", "join", "ACQ-FOREIGN", "外国人住民の適用", same_day, "国民健康保険法施行規則第1条",
                 documents=("eligibility_certificate",), supported=False),
    ChangeReason("move_out", "leave", "LOSS-MOVE-OUT", "転出", same_day, "国民健康保険法第8条第1項ただし書"),
    ChangeReason("move_out_same_pref", "leave", "END-MOVE-OUT-PREF", "県内転出", same_day, "国民健康保険法第5条",
                 supported=False),
    ChangeReason("death", "leave", "LOSS-DEATH", "死亡", next_day, "国民健康保険法第8条第1項",
                 slips=("funeral_expense_application",)),
    ChangeReason("emp_join", "leave", "LOSS-EMP-JOIN", "社保加入", next_day, "国民健康保険法第8条第1項"),
    ChangeReason("welfare_start", "leave", "LOSS-WELFARE", "生活保護開始", same_day, "国民健康保険法第8条第2項"),
    ChangeReason("kumiai_join", "leave", "LOSS-KUMIAI", "国保組合加入", same_day, "国民健康保険法第8条第2項"),
    ChangeReason("age75", "leave", "LOSS-AGE75", "後期高齢者医療移行", same_day, "高齢者の医療の確保に関する法律第52条",
                 supported=False),
    ChangeReason("later_elderly_disability", "leave", "LOSS-LATER-ELDERLY-DISABILITY", "後期高齢者医療障害認定",
                 same_day, "高齢者の医療の確保に関する法律", supported=False),
)}
