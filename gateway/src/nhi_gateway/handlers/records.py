"""Corrections, the certificate ledger and the change review list (svc-qualification records side)."""

from __future__ import annotations

from nhi.qualification.v1 import qualification_pb2 as pb

from ..grpc_clients import page, to_json, to_page_json
from . import lists
from ._common import backends, call_context, list_context, ok

# Headings of the certificate ledger (証交付・回収台帳) as a clerk's list.
CERTIFICATE_COLUMNS = {
    "certificate_id": "証番号",
    "kind": "証の種類",
    "person_id": "宛名番号",
    "household_id": "世帯番号",
    "certificate_number": "証記号番号",
    "issued_on": "交付日",
    "valid_from": "有効開始日",
    "valid_until": "有効期限",
    "state": "状態",
    "collect": "回収対象",
    "returned_on": "回収日",
    "note": "備考",
}

# Headings of 資格異動内容確認一覧 (2.3.1), for a front end that prints the list.
CHANGE_COLUMNS = {
    "recorded_at": "処理日時",
    "business_date": "業務日付",
    "operator_id": "処理者",
    "change_id": "異動番号",
    "kind": "異動区分コード",
    "kind_label": "異動区分",
    "reason": "異動事由コード",
    "reason_label": "異動事由",
    "household_id": "世帯番号",
    "person_ids": "宛名番号",
    "persons": "氏名・記号・番号・枝番",
    "event_date": "異動日",
    "notified_on": "届出日",
    "before": "異動前",
    "after": "異動後",
}


def correct(body):
    """CorrectQualification; 201 with the corrected version, 409 with current_version_id when stale."""
    request = pb.CorrectQualificationRequest(
        context=call_context(),
        period_id=body["period_id"],
        version_id=body["version_id"],
        acquired_on=body.get("acquired_on", ""),
        lost_on=body.get("lost_on", ""),
        clear_lost_on=bool(body.get("clear_lost_on", False)),
        acquired_reason=body.get("acquired_reason", ""),
        lost_reason=body.get("lost_reason", ""),
        notified_on=body.get("notified_on", ""),
        relationship=body.get("relationship", ""),
        listing_order=body.get("listing_order", 0),
        undo=bool(body.get("undo", False)),
        correction_reason=body["correction_reason"],
    )
    response = backends().call("qualification", "CorrectQualification", request)
    return ok(to_json(response), 201)


def certificates(person_id=None, state=None, outstanding_after_loss=False, page_size=None, cursor=None):
    """ListCertificates."""
    request = pb.ListCertificatesRequest(
        person_id=person_id or "",
        state=state or "",
        outstanding_after_loss=bool(outstanding_after_loss),
        page=page(page_size, cursor),
        context=list_context(),
    )
    doc = to_page_json(backends().call("qualification", "ListCertificates", request))
    return lists.respond(doc, "certificates", CERTIFICATE_COLUMNS, "certificates")


def register_return(body):
    """RegisterCertificateReturn (回収登録); 201."""
    request = pb.RegisterCertificateReturnRequest(
        context=call_context(),
        certificate_id=body["certificate_id"],
        outcome=body["outcome"],
        returned_on=body.get("returned_on", ""),
        note=body.get("note", ""),
    )
    return ok(to_json(backends().call("qualification", "RegisterCertificateReturn", request)), 201)


def qualification_changes(to=None, operator_id=None, reason=None, kind=None, page_size=None, cursor=None, **query):
    """ListChanges as the 資格異動内容確認一覧; `from` is a Python keyword, so it arrives in **query."""
    request = pb.ListChangesRequest(
        from_date=query.get("from") or "",
        to_date=to or "",
        operator_id=operator_id or "",
        reason=reason or "",
        kind=kind or "",
        page=page(page_size, cursor),
        context=list_context(),
    )
    doc = to_page_json(backends().call("qualification", "ListChanges", request))
    doc["changes"] = [_change(c) for c in doc.get("changes", [])]
    doc["columns"] = CHANGE_COLUMNS
    return lists.respond(doc, "changes", CHANGE_COLUMNS, "qualification-changes")


def _change(change: dict) -> dict:
    """A change as the list shows it: before/after as objects (the stored JSON text stays inside)."""
    change.pop("before_json", None)
    change.pop("after_json", None)
    change.setdefault("before", {})
    change.setdefault("after", {})
    return change
