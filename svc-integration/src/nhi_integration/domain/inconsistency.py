"""国保資格不整合一覧 (2.4.1): where the NHI record and the resident, pension or welfare record disagree, and what to do.

Pure comparison over rows of coverage facts (svc-qualification's ExportCoverageFacts columns) and the pension
categories and welfare (生活保護) statuses this service holds. Dates are compared as ISO text, so a population streams
through without parsing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from .pension import CATEGORY_NAMES
from .welfare import WelfareStatus


@dataclasses.dataclass(frozen=True)
class Kind:
    kind: str
    rule: str  # the Part A rule the correction applies
    mismatch: str
    action: str


KINDS: dict[str, Kind] = {
    k.kind: k
    for k in (
        Kind(
            "insured_not_resident",
            "LOSS-MOVE-OUT",
            "住民記録では転出・消除済みだが国保加入中",
            "転出日で資格喪失の訂正（2.2）",
        ),
        Kind("insured_dead", "LOSS-DEATH", "住民記録では死亡だが国保加入中", "死亡日の翌日で資格喪失の訂正（2.2）"),
        Kind(
            "pension_employee_insured",
            "LOSS-EMP-JOIN",
            "国民年金が第2号・第3号（被用者保険加入の可能性）だが国保加入中",
            "社会保険加入の確認と届出勧奨、確認後に資格喪失の訂正（2.2）",
        ),
        Kind("insured_aged_75", "LOSS-AGE75", "75歳到達後も国保加入中", "75歳の誕生日で資格喪失（2.5.1の処理漏れ）"),
        Kind(
            "residence_expired",
            "ACQ-FOREIGN",
            "在留期間が満了しているが国保加入中",
            "在留期間更新の確認、更新がなければ資格喪失の訂正（2.2）",
        ),
        Kind(
            "residence_excluded",
            "ACQ-FOREIGN",
            "適用除外の在留資格だが国保加入中",
            "在留資格の確認、適用除外なら資格取得の取消（2.2）",
        ),
        Kind(
            "welfare_insured",
            "LOSS-WELFARE",
            "生活保護の受給中（保護開始済み）だが国保加入中",
            "保護開始日で資格喪失の訂正（2.2）",
        ),
        Kind(
            "welfare_ended_uncovered",
            "ACQ-WELFARE-END",
            "生活保護が廃止されたが国保にも他の医療保険にも加入記録なし",
            "加入勧奨（保護廃止日での資格取得の届出）",
        ),
        Kind(
            "uncovered_resident",
            "ACQ-EMP-LEAVE",
            "国民年金第1号で住民だが国保にも他の医療保険にも加入記録なし",
            "加入勧奨（社会保険離脱日での資格取得の届出）",
        ),
    )
}

# The columns of a coverage-facts row the comparison reads.
COLUMNS = (
    "person_id",
    "household_id",
    "name_kanji",
    "birth_date",
    "resident_status",
    "insured",
    "acquired_on",
    "residence_expires_on",
    "residence_excluded",
)
LEFT = {"moved_out": "転出", "deleted": "消除"}


@dataclasses.dataclass(frozen=True)
class Finding:
    person_id: str
    household_id: str
    name: str
    kind: str
    nhi_status: str
    other_status: str

    @property
    def rule(self) -> str:
        return KINDS[self.kind].rule

    @property
    def mismatch(self) -> str:
        return KINDS[self.kind].mismatch

    @property
    def action(self) -> str:
        return KINDS[self.kind].action


def age75_cutoff(day: dt.date) -> str:
    """The latest birth date of a person who has reached the 75th birthday (LOSS-AGE75) by `day`, as ISO text."""
    try:
        return day.replace(year=day.year - 75).isoformat()
    except ValueError:  # 29 February: a person born on the 28th turns 75 that day
        return day.replace(year=day.year - 75, day=28).isoformat()


def compare(
    rows: Iterable[Sequence[str]],
    index: Mapping[str, int],
    pension: Mapping[str, str],
    day: dt.date,
    welfare: Mapping[str, WelfareStatus] | None = None,
) -> list[Finding]:
    """The findings of every row on `day`; `index` maps COLUMNS to positions, `pension` person -> current category,
    `welfare` person -> welfare status on `day`."""
    i_pid, i_hh, i_name, i_birth, i_status, i_ins, i_acq, i_exp, i_excl = (index[c] for c in COLUMNS)
    today, cutoff = day.isoformat(), age75_cutoff(day)
    welfare = welfare or {}
    found: list[Finding] = []
    for row in rows:
        category = pension.get(row[i_pid], "")
        protection = welfare.get(row[i_pid])
        if row[i_ins] != "1":
            # Only a resident under 75 in scope, not under 生活保護 (法6条9号), can be missing a coverage.
            if row[i_status] != "resident" or row[i_birth] <= cutoff or row[i_excl] == "1":
                continue
            if protection is not None and protection.protected:
                continue
            if category == "1":
                found.append(_finding(row, i_pid, i_hh, i_name, "uncovered_resident", "未加入", CATEGORY_NAMES["1"]))
            elif protection is not None and category not in ("2", "3"):
                other = f"生活保護 {protection.ended_on}廃止"
                found.append(_finding(row, i_pid, i_hh, i_name, "welfare_ended_uncovered", "未加入", other))
            continue
        nhi = f"加入中（{row[i_acq]}取得）"
        status = row[i_status]
        if status == "dead":
            found.append(_finding(row, i_pid, i_hh, i_name, "insured_dead", nhi, "死亡"))
        elif status != "resident":
            found.append(_finding(row, i_pid, i_hh, i_name, "insured_not_resident", nhi, LEFT.get(status, status)))
        if category in ("2", "3"):
            found.append(_finding(row, i_pid, i_hh, i_name, "pension_employee_insured", nhi, CATEGORY_NAMES[category]))
        if protection is not None and protection.protected:
            other = f"生活保護 {protection.started_on}開始"
            found.append(_finding(row, i_pid, i_hh, i_name, "welfare_insured", nhi, other))
        if row[i_birth] <= cutoff:
            found.append(_finding(row, i_pid, i_hh, i_name, "insured_aged_75", nhi, f"生年月日 {row[i_birth]}"))
        if row[i_exp] and row[i_exp] < today:
            found.append(_finding(row, i_pid, i_hh, i_name, "residence_expired", nhi, f"在留期限 {row[i_exp]}"))
        if row[i_excl] == "1":
            found.append(_finding(row, i_pid, i_hh, i_name, "residence_excluded", nhi, "適用除外の在留資格"))
    return found


def _finding(row, i_pid, i_hh, i_name, kind, nhi, other) -> Finding:
    return Finding(row[i_pid], row[i_hh], row[i_name], kind, nhi, other)
