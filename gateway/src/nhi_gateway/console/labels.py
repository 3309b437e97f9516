"""Japanese words for the API's codes, as the console shows them (the code stays beside it where a clerk needs it)."""

from __future__ import annotations

import re

from nhi_common import jp

from . import dates

SEX = {"1": "男", "2": "女"}
RESIDENT_STATUS = {"resident": "住民", "moved_out": "転出", "dead": "死亡"}
NOTIFICATION_KIND = {"join": "資格取得", "leave": "資格喪失", "change": "変更", "status": "特別な状態の登録"}
REASON = {**jp.CHANGE_REASONS, "status": "特別な状態", "head_change": "世帯主変更"}
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
INTAKE_KIND.update({"move_in_same_pref": "県内転入", "move_out_same_pref": "県内転出"})
# The notification an intake item calls for: (kind, reason) of POST /notifications.
INTAKE_NOTIFICATION = {
    "move_in": ("join", "move_in"),
    "move_in_same_pref": ("join", "move_in_same_pref"),
    "birth": ("join", "birth"),
    "death": ("leave", "death"),
    "move_out": ("leave", "move_out"),
    "move_out_same_pref": ("leave", "move_out_same_pref"),
}
INTAKE_STATE = {"open": "未処理", "done": "処理済", "dismissed": "対象外"}


# The counter's forms (forms.py): notifications, the print queue, certificate collection, corrections.
DOCUMENT_KIND.update(
    elderly_recipient_certificate="高齢受給者証",
    specific_same_household_slip="特定同一世帯所属者異動連絡票",
    former_dependant_slip="旧被扶養者異動連絡票",
    burden_category_slip="負担区分異動連絡票",
    prenatal_reduction_slip="産前産後保険料（税）軽減異動連絡票",
    none="交付なし",
)
CERTIFICATE_STATE.setdefault("not_returned", "未回収")
STATUS_KIND = {
    "student_away": "マル学（修学中の特例）",
    "remote_placement": "マル遠（遠隔地居住）",
    "address_exception": "住所地特例",
    "involuntary_unemployment": "非自発的失業者",
    "specific_same_household": "特定同一世帯所属者",
    "former_dependant": "旧被扶養者",
    "gender_identity_display": "性同一性障害者（通称名の表示）",
    "card_registration": "マイナ保険証の利用登録",
    "dv_support": "DV等支援措置",
    "card_expired": "マイナンバーカードの有効期限切れ",
    "card_certificate_expired": "電子証明書の有効期限切れ",
    "card_returned": "マイナンバーカードの返納",
    "prenatal_reduction": "産前産後期間の保険料（税）軽減",
}
PRINT_REASON = {
    "acquired": "資格取得",
    "registration_cancelled": "利用登録の解除",
    "dv_support": "DV等支援措置",
    "share_changed": "負担割合の変更",
    "card_expired": "マイナンバーカードの有効期限切れ",
    "card_certificate_expired": "電子証明書の有効期限切れ",
    "card_returned": "マイナンバーカードの返納",
    "birth": "出生",
    "death": "死亡",
    "age75": "後期高齢者医療へ移行（特定同一世帯所属者）",
    "specific_same_household": "特定同一世帯所属者",
    "former_dependant": "旧被扶養者",
    "prenatal_reduction": "産前産後の軽減",
    "burden_changed": "負担割合・限度区分の変更",
    "elder_joined": "70〜74歳の加入",
    "elder_left": "70〜74歳の脱退",
    "corrected": "記載事項の訂正による再交付",
}
RETURN_OUTCOME = {
    "returned": "回収した",
    "lost": "紛失（回収できない）",
    "not_returned": "未回収（後日返却の可能性あり）",
}
# The facts a rule used (Reason.facts), named as a clerk reads them.
DECISION_FACT = {
    "reason": "事由",
    "event_date": "異動日",
    "effective": "適用する日",
    "notified_on": "届出日",
    "late_days": "期限を過ぎた日数",
    "person_id": "宛名番号",
    "household_id": "世帯番号",
    "card_registered": "マイナ保険証の利用登録",
    "elder": "70〜74歳",
    "dv_support": "DV等支援措置",
    "application_required": "申請による交付",
    "share_on_eligibility_certificate": "資格確認書に負担割合を記載",
    "issued_on": "交付日",
    "valid_until": "有効期限",
    "cause": "有効期限を決めた理由",
    "candidate.renewal": "次回の一斉更新日",
    "candidate.age_70": "70歳到達による期限",
    "candidate.age_75": "75歳到達による期限",
    "reused": "番号の再利用",
    "birth_date": "生年月日",
    "prefecture_acquired_on": "県内での資格取得日",
    "correction_reason": "訂正理由",
    "corrected_fields": "訂正した項目",
    "restored_version_id": "戻した版",
    "undone_version_id": "取り消した版",
    "undone_change_id": "取り消した異動",
    "unusable_from": "マイナ保険証が使えなくなる日",
    "kind": "種類",
    "start": "開始日",
    "end": "終了日",
    "evidence": "確認した書類",
}
CORRECTED_FIELD = {
    "acquired_on": "資格取得日",
    "acquired_reason": "取得事由",
    "lost_on": "資格喪失日",
    "lost_reason": "喪失事由",
    "notified_on": "届出日",
    "relationship": "続柄",
    "listing_order": "記載順位",
}
DECISION_FACT_VALUE = {
    "true": "はい",
    "false": "いいえ",
    "renewal": "一斉更新日",
    "age_70": "70歳到達",
    "age_75": "75歳到達",
}


def decision_fact(name: str, value: str | None) -> tuple[str, str]:
    """A rule's fact as a clerk reads it: its Japanese name (a fact of one member, `taxable_income.000000091`,
    names the member), and the value with codes in words and dates in 和暦."""
    word = fact(name)
    if value is None:
        return word, "不明"
    if name == "corrected_fields":
        return word, "・".join(CORRECTED_FIELD.get(f, f) for f in value.split(","))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return word, dates.display(value)
    return word, DECISION_FACT_VALUE.get(value) or REASON.get(value) or STATUS_KIND.get(value) or value


def label(table: dict, code: str | None) -> str:
    """The Japanese word for a code; the code itself when the table does not know it; '—' for none."""
    if code is None or code == "":
        return "—"
    return table.get(code, code)


# The back office (backoffice.py): lists, jobs, burden-ratio reasons, the audit log.
REPORT_KIND = {
    "qualification_change_list": "資格異動内容確認一覧",
    "age75_target_list": "75歳到達対象者一覧",
    "qualification_inconsistency_list": "国保資格不整合一覧",
    "qualification_data_error_list": "資格情報データエラーリスト",
    "interchange_import_list": "連携データ取込リスト",
    "interchange_registration_result_list": "連携データ登録結果リスト",
    "subcopy_target_list": "副本データ対象者一覧",
    "undrawable_character_list": "文字要件エラー対象者一覧",
}
CHANGE_KIND = {"join": "加入", "leave": "脱退", "status": "特別な資格", "change": "世帯主変更", "correction": "訂正"}
CHANGED_FIELD = {
    "acquired_on": "資格取得日",
    "lost_on": "資格喪失日",
    "lost_reason": "喪失事由",
    "acquired_reason": "取得事由",
    "symbol": "記号",
    "number": "番号",
    "branch_no": "枝番",
    "coverage_starts_on": "適用開始日",
    "coverage_ends_on": "適用終了日",
}
JOB_KIND = {
    "age75_loss": "75歳到達（国保資格喪失）",
    "burden_redetermination": "負担割合の一括再判定（8月1日）",
    "annual_renewal": "一斉更新（証の一括交付）",
    "elderly_certificates": "高齢受給者証の一括交付",
    "inconsistency_check": "国保資格不整合の一括点検",
    "outbound_files": "他業務への連携ファイル作成",
    "daily_aggregation": "日次の集約連携（世帯・個人ファイル）",
    "aggregation_import": "集約システムからの返却データ取込",
    "subcopy_registration": "副本データの登録",
    "subcopy_query_send": "副本照会の送信",
    "intermediate_receipt": "中間サーバーからの受信",
}
JOB_STATE = {"queued": "待機中", "running": "実行中", "succeeded": "正常終了", "failed": "異常終了"}
AGE75_OUTCOME = {
    "lost": "資格喪失",
    "skipped_already_lost": "喪失済みのため対象外",
    "skipped_not_insured": "国保に加入していないため対象外",
}
INCONSISTENCY_KIND = {
    "insured_not_resident": "転出・消除済みで加入中",
    "insured_dead": "死亡で加入中",
    "pension_employee_insured": "国民年金第2号・第3号で加入中",
    "insured_aged_75": "75歳以上で加入中",
    "residence_expired": "在留期間満了で加入中",
    "residence_excluded": "適用除外の在留資格で加入中",
    "welfare_insured": "生活保護の受給中で加入中",
    "welfare_ended_uncovered": "生活保護廃止後に加入記録なし",
    "uncovered_resident": "国民年金第1号の住民で加入記録なし",
}
INCONSISTENCY_STATE = {"open": "未対応", "resolved": "対応済"}
INCONSISTENCY_SOURCE = {"job": "一括点検", "pension": "年金", "welfare": "生活保護", "resident": "住民記録"}
AUDIT_SERVICE = {
    "qualification": "資格管理",
    "documents": "帳票",
    "integration": "他業務連携",
    "interchange": "国保連合会等連携",
}
FACT = {  # the facts a burden-ratio reason names, in words
    "as_of": "判定日",
    "income_year": "所得年",
    "elders": "70〜74歳の被保険者",
    "highest": "課税所得の最高額（円）",
    "threshold": "基準額（円）",
    "result": "結果",
    "missing_income": "所得の届出がない人",
    "unknown_income": "不明な所得",
    "provisional_ratio_percent": "暫定の負担割合（%）",
    "birth_date": "生年月日",
    "age_70_reached_on": "70歳到達日",
    "born_on_1st": "1日生まれ",
    "starts_on": "開始日",
    "taxable_income": "住民税課税所得（円）",
    "gross_income": "収入額（円）",
    "kyu_tadashigaki_income": "旧ただし書所得（円）",
    "non_taxed": "住民税非課税",
    "public_pension_income": "公的年金等収入（円）",
    "total_income": "年金以外の所得（円）",
    "category": "区分",
    "limit_category": "限度額適用区分",
    "ratio_percent": "負担割合（%）",
    "counted": "合算した人",
    "total": "合計（円）",
    "total_with_specific": "特定同一世帯所属者を含む合計（円）",
    "threshold_with_specific": "特定同一世帯所属者を含む基準額（円）",
    "specific_same_household": "特定同一世帯所属者",
    "born_on_or_after": "生年月日がこの日以後",
    "born_from": "生年月日がこの日以後",
    "met": "条件を満たす",
    "persons": "対象者",
    "rule": "規則",
    "test": "判定方法",
    "preschool_until": "未就学の終わり",
    "age_group": "年齢区分",
    "highest_taxable_income": "課税所得の最高額（円）",
    "share_exception": "負担割合の特例",
    "tax_set": "課税の人",
    "non_taxed_household": "住民税非課税世帯",
    "pension_deduction": "公的年金等控除（円）",
}
for _name, _word in FACT.items():  # one table of fact names for every screen
    DECISION_FACT.setdefault(_name, _word)


def fact(key: str) -> str:
    """A fact's name in words: taxable_income.000000091 -> 住民税課税所得（円）（000000091）."""
    name, _, person = key.partition(".")
    word = DECISION_FACT.get(name)
    if word is None:
        return key
    return f"{word}（{person}）" if person else word
