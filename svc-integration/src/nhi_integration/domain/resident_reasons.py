"""異動事由 of the resident registry (domain §5.1) as rows of data: what svc-qualification applies for each.

`applies_as` is the change kind svc-qualification knows (its resident reflection owns the rules); `outcome` says,
for the clerk and the docs, what Part A makes of it.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class ResidentReason:
    code: str
    label: str  # 異動事由 as the registry names it
    applies_as: str
    outcome: str
    needs_address: bool = False  # the household lives at a new address: the change must say where
    # Whether it can change what the 国保資格不整合一覧 compares (coverage, residence, age, status, pension, welfare):
    # a 転居 or a 氏名変更 cannot, so its persons are not compared again after it (2.4.1, incrementally).
    compared: bool = True


REASONS: dict[str, ResidentReason] = {
    r.code: r
    for r in (
        ResidentReason("move_in", "転入", "move_in", "intake item; ACQ-MOVE-IN at the counter", needs_address=True),
        ResidentReason(
            "move_in_same_pref",
            "県内転入",
            "move_in_same_pref",
            "intake item; ACQ-MOVE-IN-PREF at the counter",
            needs_address=True,
        ),
        ResidentReason(
            "move_in_from_abroad",
            "国外からの転入",
            "move_in",
            "intake item; ACQ-MOVE-IN (ACQ-FOREIGN for a foreign resident) at the counter",
            needs_address=True,
        ),
        ResidentReason(
            "move_within",
            "転居",
            "move_within",
            "address recorded; qualification unchanged",
            needs_address=True,
            compared=False,
        ),
        ResidentReason(
            "move_out_planned", "転出予定", "move_out_planned", "recorded; insured until the 転出 is confirmed"
        ),
        ResidentReason("move_out", "転出（確定）", "move_out", "LOSS-MOVE-OUT: lost on the move-out date"),
        ResidentReason(
            "move_out_same_pref", "県内転出", "move_out_same_pref", "END-MOVE-OUT-PREF: coverage ends on the date"
        ),
        ResidentReason("move_out_abroad", "国外転出", "move_out", "LOSS-MOVE-OUT: lost on the move-out date"),
        ResidentReason("birth", "出生", "birth", "ACQ-BIRTH into an NHI household: acquired on the birth date"),
        ResidentReason("death", "死亡", "death", "LOSS-DEATH: lost the day after death"),
        ResidentReason(
            "ex_officio_entry", "職権記載", "move_in", "intake item; ACQ-MOVE-IN at the counter", needs_address=True
        ),
        ResidentReason(
            "ex_officio_deletion",
            "職権消除",
            "move_out",
            "LOSS-MOVE-OUT: lost on the deletion date (no longer resident)",
        ),
        ResidentReason(
            "ex_officio_correction", "職権修正", "record_correction", "attributes recorded; dates unchanged"
        ),
        ResidentReason(
            "household_merge", "世帯合併", "household_merge", "HOUSEHOLD: the insured follow into the new household"
        ),
        ResidentReason(
            "household_split", "世帯分離", "household_split", "HOUSEHOLD: the insured follow into the new household"
        ),
        ResidentReason("head_change", "世帯主変更", "household_change", "HOUSEHOLD: the registry head is the NHI head"),
        ResidentReason(
            "household_change",
            "世帯構成変更",
            "household_change",
            "続柄 and 記載順位 recorded; qualification unchanged",
        ),
        ResidentReason(
            "name_change", "氏名変更", "name_change", "name recorded; qualification unchanged", compared=False
        ),
        ResidentReason(
            "residence_status_change",
            "在留資格変更",
            "residence_change",
            "recorded; an excluded status (ACQ-FOREIGN) becomes an intake item for a clerk",
        ),
        ResidentReason(
            "residence_period_change",
            "在留期間更新",
            "residence_change",
            "recorded; CERT-EXPIRY follows the new period end",
        ),
        ResidentReason(
            "dv_support_change", "DV等支援措置", "dv_support_change", "DV: flag recorded; CERT-KIND follows"
        ),
    )
}
