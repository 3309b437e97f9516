"""Japanese words for the API's codes, as the console shows them (the code stays beside it where a clerk needs it)."""

from __future__ import annotations

SEX = {"1": "男", "2": "女"}
RESIDENT_STATUS = {"resident": "住民", "moved_out": "転出", "dead": "死亡"}
NOTIFICATION_KIND = {"join": "資格取得", "leave": "資格喪失", "change": "変更", "status": "特別な状態の登録"}
REASON = {
    "move_in": "転入",
    "move_in_same_pref": "県内転入",
    "birth": "出生",
    "emp_leave": "社会保険離脱",
    "welfare_end": "生活保護廃止",
    "foreign_resident": "外国人住民の加入",
    "move_out": "転出",
    "move_out_same_pref": "県内転出",
    "death": "死亡",
    "emp_join": "社会保険加入",
    "welfare_start": "生活保護開始",
    "kumiai_join": "国保組合加入",
    "age75": "75歳到達（後期高齢者医療へ）",
    "later_elderly_disability": "後期高齢者医療（障害認定）",
    "status": "特別な状態",
    "head_change": "世帯主変更",
}
JOIN_REASONS = ("move_in", "move_in_same_pref", "birth", "emp_leave", "welfare_end", "foreign_resident")
LEAVE_REASONS = ("move_out", "move_out_same_pref", "death", "emp_join", "welfare_start", "kumiai_join", "age75")
LEAVE_REASONS += ("later_elderly_disability",)
IDENTITY_DOCUMENT = {
    "my_number_card": "マイナンバーカード",
    "driver_license": "運転免許証",
    "passport": "旅券",
    "residence_card": "在留カード",
    "health_certificate": "資格確認書・被保険者証",
    "other": "その他",
}
DOCUMENT_KIND = {
    "eligibility_certificate": "資格確認書",
    "qualification_notice": "資格情報のお知らせ",
    "elderly_certificate": "高齢受給者証",
    "enrollment_certificate": "加入脱退証明書",
    "funeral_expense_application": "葬祭費支給申請書",
    "childbirth_lump_sum_application": "出産育児一時金支給申請書",
}
CERTIFICATE_STATE = {"issued": "交付済", "returned": "回収済", "lost": "紛失", "void": "無効"}
INTAKE_KIND = {
    "move_in": "転入",
    "move_out": "転出",
    "birth": "出生",
    "death": "死亡",
    "move_within": "転居",
}
INTAKE_STATE = {"open": "未処理", "done": "処理済", "dismissed": "対象外"}


def label(table: dict, code: str | None) -> str:
    """The Japanese word for a code; the code itself when the table does not know it; '—' for none."""
    if code is None or code == "":
        return "—"
    return table.get(code, code)
