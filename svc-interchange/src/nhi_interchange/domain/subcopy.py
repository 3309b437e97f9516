"""Sub-copies with the intermediate server (自治体中間サーバー, 2.8, 2.9): the records of the files exchanged with it
(docs/interchange/subcopy.md) and the rules that make them.

Every file has the header and trailer of the aggregation files (layout.HEADER, layout.TRAILER, 320-byte CP932
records) with its own file kind. A sub-copy carries no address, name or My Number: it is keyed by the person id
(the 団体内統合宛名番号 here), and a DV support-measure person is marked for no automatic answer (rule DV).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .aggregation import limit_code
from .layout import RECORD_SIZE, Field, Layout
from .validation import insurer_number_is_valid

_HEAD = (
    Field("record_type", "レコード種別", 1, "9", "1 header, 2 data, 8 trailer"),
    Field("serial", "レコード通番", 7, "9", "0 on the header, 1.. on data records in order, n+1 on the trailer"),
)


def _filled(name: str, fields: tuple[Field, ...]) -> Layout:
    used = sum(f.size for f in (*_HEAD, *fields))
    return Layout(name, (*_HEAD, *fields, Field("filler", "予備", RECORD_SIZE - used, "X", "spaces")))


# File kinds in the header (layout.HEADER.file_kind).
KIND_SUBCOPY, KIND_QUERY, KIND_MANUAL_ANSWER = "S", "Q", "M"  # we send
KIND_TRANSFER_RESULT, KIND_QUERY_ANSWER, KIND_MANUAL_REQUEST = "T", "A", "R"  # the intermediate server sends

ITEM_CODES = {"qualification": "01", "income": "02"}
ITEMS = {code: item for item, code in ITEM_CODES.items()}
CHANGE_TYPES = {"1": "新規", "2": "更新", "3": "削除"}

SUBCOPY = _filled(
    "subcopy",
    (
        Field("action", "処理区分", 1, "9", "1 new, 2 update, 3 delete (a voided qualification)"),
        Field("insurer_number", "保険者番号", 6, "9", "NUM-INSURER: 6 digits with the check digit"),
        Field("person_id", "団体内統合宛名番号", 15, "X", "the municipality's person id; required"),
        Field("item_code", "副本項目", 2, "9", "01 国民健康保険資格"),
        Field("symbol", "記号", 20, "X", "NUM-INSURED: text, may be full-width; required"),
        Field("number", "番号", 20, "X", "NUM-INSURED: text, may be full-width; required"),
        Field("branch_no", "枝番", 2, "9", "NUM-INSURED: 2 digits"),
        Field("qualified", "資格有無", 1, "9", "1 insured, 0 lost"),
        Field("acquired_on", "資格取得年月日", 8, "D", "required"),
        Field("lost_on", "資格喪失年月日", 8, "D", "spaces while insured; not before acquired_on"),
        Field("limit_category", "限度額適用区分", 3, "X", "LIMIT-CAT as the OQS code A01..B08, Z not applicable"),
        Field("no_auto_answer", "自動応答不可", 1, "9", "DV: 1 for a DV support-measure person, else 0"),
        Field("changed_on", "異動年月日", 8, "D", "the effective date of the change the record carries"),
        Field("change_id", "異動番号", 36, "X", "the change the record carries"),
    ),
)

TRANSFER_RESULT = _filled(
    "transfer_result",
    (
        Field("original_serial", "対象レコード通番", 7, "9", "the record's serial in the sub-copy file; 0 = the file"),
        Field("person_id", "団体内統合宛名番号", 15, "X", "as sent; spaces for the file as a whole"),
        Field("status", "登録結果", 1, "9", "0 registered, 1 rejected"),
        Field("code", "エラーコード", 4, "X", "the intermediate server's code; spaces when registered"),
        Field("message", "エラー内容", 80, "X", "CP932 text"),
    ),
)

QUERY = _filled(
    "query",
    (
        Field("query_id", "照会番号", 36, "X", "our id of the query; the answer names it"),
        Field("my_number", "個人番号", 12, "9", "NUM-MYNUMBER: the person queried"),
        Field("item_code", "照会項目", 2, "9", "02 所得（住民税）"),
        Field("income_year", "所得年", 4, "9", "BURDEN-YEAR: the calendar year whose income is asked"),
    ),
)

# An amount of an answer: digits, left aligned; spaces = unknown (never 0).
_AMOUNT = "digits left aligned, spaces when unknown"
QUERY_ANSWER = _filled(
    "query_answer",
    (
        Field("query_id", "照会番号", 36, "X", "as sent"),
        Field("status", "照会結果", 1, "9", "0 answered, 1 no copy found, 2 not provided"),
        Field("code", "結果コード", 4, "X", "spaces when answered"),
        Field("income_year", "所得年", 4, "9", "the year of the amounts; must be the year asked"),
        Field("non_taxed", "非課税区分", 1, "9", "1 住民税非課税, 0 課税"),
        Field("taxable_income", "課税所得", 11, "X", _AMOUNT),
        Field("gross_income", "収入額", 11, "X", _AMOUNT),
        Field("kyu_tadashigaki_income", "旧ただし書所得", 11, "X", _AMOUNT),
        Field("public_pension_income", "公的年金等収入", 11, "X", _AMOUNT),
        Field("total_income", "その他の所得", 11, "X", _AMOUNT),
        Field("message", "結果内容", 60, "X", "CP932 text"),
    ),
)

MANUAL_REQUEST = _filled(
    "manual_request",
    (
        Field("request_id", "依頼番号", 36, "X", "the intermediate server's id of the request"),
        Field("requester", "照会元", 6, "9", "the requesting body's code"),
        Field("person_id", "団体内統合宛名番号", 15, "X", "our person the request is about"),
        Field("item_code", "照会項目", 2, "9", "01 国民健康保険資格"),
        Field("reason", "手動応答理由", 1, "9", "1 DV support measure (自動応答不可), 2 defective copy"),
        Field("requested_at", "照会日時", 14, "9", "YYYYMMDDhhmmss JST"),
    ),
)

MANUAL_ANSWER = _filled(
    "manual_answer",
    (
        Field("request_id", "依頼番号", 36, "X", "as received"),
        Field("person_id", "団体内統合宛名番号", 15, "X", "as received"),
        Field("decision", "回答区分", 1, "9", "1 provided, 2 refused"),
        Field("item_code", "照会項目", 2, "9", "as received"),
        Field("insurer_number", "保険者番号", 6, "9", "provided only: NUM-INSURER"),
        Field("qualified", "資格有無", 1, "9", "provided only: 1 insured, 0 not; 0 when refused"),
        Field("acquired_on", "資格取得年月日", 8, "D", "provided only"),
        Field("lost_on", "資格喪失年月日", 8, "D", "provided only; spaces while insured"),
    ),
)

REASONS = {"1": "dv_support", "2": "defective"}
TRANSFER_CODES = {  # the codes of our own check, before a record goes out (the target list shows them)
    "S001": "必須項目が未設定です",
    "S002": "保険者番号が不正です",
    "S003": "資格喪失年月日が資格取得年月日より前です",
}


def file_name(prefix: str, insurer_number: str, business_date: str, sequence: int) -> str:
    """SUB_/QRY_<保険者番号>_<YYYYMMDD>_<通番 6桁>.dat"""
    return f"{prefix}_{insurer_number}_{business_date.replace('-', '')}_{sequence:06d}.dat"


def change_type(snapshot: dict[str, Any]) -> str:
    """1 new (acquired), 3 delete (a voided qualification), else 2 update (a change, a correction, a loss)."""
    if snapshot.get("void"):
        return "3"
    return "1" if snapshot.get("event_kind") == "acquired" else "2"


@dataclasses.dataclass(frozen=True)
class SubCopy:
    values: dict[str, Any]
    change_type: str
    no_auto_answer: bool
    error: str | None  # a TRANSFER_CODES code: the record is not sent


def subcopy_of(serial: int, snapshot: dict[str, Any], insurer_number: str, *, dv_support: bool) -> SubCopy:
    """The 副本 record of a person's latest change, or why it cannot be sent."""
    kind = change_type(snapshot)
    no_auto = bool(dv_support or snapshot.get("dv_support"))
    values = {
        "record_type": "2",
        "serial": serial,
        "action": kind,
        "insurer_number": insurer_number,
        "person_id": snapshot.get("person_id", ""),
        "item_code": ITEM_CODES["qualification"],
        "symbol": snapshot.get("symbol", ""),
        "number": snapshot.get("number", ""),
        "branch_no": snapshot.get("branch_no", ""),
        "qualified": "0" if snapshot.get("lost_on") or kind == "3" else "1",
        "acquired_on": snapshot.get("acquired_on", ""),
        "lost_on": snapshot.get("lost_on", ""),
        "limit_category": limit_code(snapshot),
        "no_auto_answer": "1" if no_auto else "0",
        "changed_on": snapshot.get("effective_date", ""),
        "change_id": snapshot.get("change_id", ""),
    }
    error = None
    if not all(values[k] for k in ("person_id", "symbol", "number", "acquired_on")):
        error = "S001"
    elif not insurer_number_is_valid(insurer_number):
        error = "S002"
    elif values["lost_on"] and values["lost_on"] < values["acquired_on"]:
        error = "S003"
    return SubCopy(values, kind, no_auto, error)


@dataclasses.dataclass(frozen=True)
class Answer:
    """A checked query answer (2.9.3): its state, the income it gives, and what the check found."""

    state: str  # answered | not_found | refused | failed
    code: str
    note: str
    income: dict[str, Any] | None  # IncomeFact fields when answered


AMOUNTS = ("taxable_income", "gross_income", "kyu_tadashigaki_income", "public_pension_income", "total_income")


def check_answer(values: dict[str, str], *, asked_year: int, asked_state: str) -> Answer:
    """The result check of one answer against the query it names."""
    code = values.get("code", "")
    message = values.get("message", "")
    if asked_state != "sent":
        return Answer("failed", code, f"照会が送付済みではありません（{asked_state}）", None)
    status = values.get("status")
    if status == "1":
        return Answer("not_found", code, message or "照会先に副本がありません", None)
    if status == "2":
        return Answer("refused", code, message or "照会先が提供しませんでした", None)
    if status != "0":
        return Answer("failed", code, f"照会結果 {status!r} は不正です", None)
    year = values.get("income_year", "")
    if year != str(asked_year):
        return Answer("failed", code, f"{asked_year}年の所得の照会に{year}年の所得が回答されました", None)
    income: dict[str, Any] = {"income_year": asked_year, "non_taxed": values.get("non_taxed") == "1"}
    for key in AMOUNTS:
        text = values.get(key, "")
        if text and not (text.isascii() and text.isdigit()):
            return Answer("failed", code, f"{key} が数字ではありません", None)
        income[key] = int(text) if text else None
    return Answer("answered", "", "所得を受領しました", income)


def asks_income(event_type: str, data: dict[str, Any], snapshot: dict[str, Any]) -> bool:
    """2.1.5 / BURDEN-PENDING: a burden decision left pending for a person who moved in from another municipality
    asks the previous municipality's copy of their income (a 副本照会 of item income)."""
    return (
        event_type.endswith(".changed.v1")
        and data.get("change_kind") == "burden"
        and data.get("pending") is True
        and snapshot.get("reason") == "move_in"
    )
