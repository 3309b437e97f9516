"""Inbound feeds: a file of resident, pension or income records uploaded by a clerk or a batch, and the dead letters
of the resident stream a clerk lists, fixes and replays (svc-integration)."""

from __future__ import annotations

import json

import flask

from nhi.integration.v1 import integration_pb2 as ipb

from ..grpc_clients import page, to_json, to_page_json
from ..problems import Problem, field_error
from . import lists
from ._common import backends, call_context, ok

DEAD_LETTER_COLUMNS = {
    "dead_letter_id": "番号",
    "change_id": "異動番号",
    "ce_type": "種別",
    "reason": "理由",
    "state": "状態",
    "attempts": "再処理回数",
    "outcome": "再処理結果",
    "updated_by": "更新者",
    "created_at": "受信日時",
    "updated_at": "更新日時",
}


def import_feed(source, body=None, file_format=None, partial=False, file_name=None):
    """ImportFeed: the file as the body (CSV, JSON lines or fixed-length CP932 bytes); 201 with what was applied and
    each refused record by line and field."""
    content = body if isinstance(body, bytes) else (flask.request.get_data() or b"")
    if not content:
        raise Problem(
            400, "the file is empty", kind="required", errors=[field_error("body", "is required", "required")]
        )
    request = ipb.ImportFeedRequest(
        context=call_context(),
        source=source,
        file_name=file_name or "",
        content=content,
        partial=bool(partial),
        format=file_format or "",
    )
    doc = to_json(backends().call("integration", "ImportFeed", request))
    return ok(doc, 201, {"Location": f"/api/v1/feeds/imports/{doc['import_id']}"})


def get_import(import_id):
    return ok(to_json(backends().call("integration", "GetImport", ipb.GetImportRequest(import_id=import_id))))


def list_dead_letters(state=None, page_size=None, cursor=None):
    """ListDeadLetters: the resident changes that could not be applied, with why; My Numbers masked unless the
    caller holds mynumber:read."""
    request = ipb.ListDeadLettersRequest(context=call_context(), state=state or "", page=page(page_size, cursor))
    doc = to_page_json(backends().call("integration", "ListDeadLetters", request))
    doc["dead_letters"] = [_letter(d) for d in doc.get("dead_letters", [])]
    return lists.respond(doc, "dead_letters", DEAD_LETTER_COLUMNS, "dead-letters")


def fix_dead_letter(dead_letter_id, body):
    """FixDeadLetter: the corrected change replaces the stored one (a masked My Number keeps the stored number)."""
    request = ipb.FixDeadLetterRequest(
        context=call_context(),
        dead_letter_id=dead_letter_id,
        payload_json=json.dumps(body["payload"], ensure_ascii=False),
    )
    return ok(_letter(to_json(backends().call("integration", "FixDeadLetter", request))))


def replay_dead_letter(dead_letter_id):
    """ReplayDeadLetter: applied under its original event id; a failure names the field and rule and leaves it open."""
    request = ipb.ReplayDeadLetterRequest(context=call_context(), dead_letter_id=dead_letter_id)
    return ok(_letter(to_json(backends().call("integration", "ReplayDeadLetter", request))))


def _letter(doc: dict) -> dict:
    """The stored change as an object, not JSON text."""
    text = doc.pop("payload_json", "") or "{}"
    doc["payload"] = json.loads(text)
    doc.setdefault("problems", [])
    return doc
