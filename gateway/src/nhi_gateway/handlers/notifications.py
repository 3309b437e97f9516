"""Counter notifications (届出) and the intake items waiting for them (svc-qualification)."""

from __future__ import annotations

from nhi.qualification.v1 import qualification_pb2 as pb

from ..grpc_clients import page, to_json, to_page_json
from . import lists
from ._common import backends, call_context, list_context, ok


def submit(body):
    """SubmitNotification; 201 when stored, 200 for a dry run."""
    check = body["identity_check"]
    request = pb.SubmitNotificationRequest(
        context=call_context(),
        kind=body["kind"],
        reason=body["reason"],
        household_id=body["household_id"],
        persons=[
            pb.NotificationPerson(person_id=p["person_id"], my_number=p.get("my_number", "")) for p in body["persons"]
        ],
        event_date=body["event_date"],
        notified_on=body["notified_on"],
        identity_check=pb.IdentityCheck(document_kind=check["document_kind"], checked_by=check["checked_by"]),
        dry_run=bool(body.get("dry_run", False)),
        expected_household_version=body.get("expected_household_version", 0),
        prefecture_acquired_on=body.get("prefecture_acquired_on", ""),
        new_head_person_id=body.get("new_head_person_id", ""),
        statuses=[
            pb.StatusPeriod(**{k: v for k, v in status.items() if k != "reasons" and v is not None})
            for status in body.get("statuses", [])
        ],
    )
    response = backends().call("qualification", "SubmitNotification", request)
    return ok(to_json(response), 200 if request.dry_run else 201)


# Headings of the intake items (住民異動の未処理一覧) as a clerk's list.
INTAKE_COLUMNS = {
    "item_id": "受付番号",
    "kind": "異動区分",
    "household_id": "世帯番号",
    "person_ids": "宛名番号",
    "event_date": "異動日",
    "state": "状態",
    "created_at": "受付日時",
    "source_change_id": "住民記録の異動番号",
}


def intake_items(state=None, page_size=None, cursor=None):
    """ListIntakeItems."""
    request = pb.ListIntakeItemsRequest(state=state or "", page=page(page_size, cursor), context=list_context())
    doc = to_page_json(backends().call("qualification", "ListIntakeItems", request))
    return lists.respond(doc, "items", INTAKE_COLUMNS, "intake-items")
