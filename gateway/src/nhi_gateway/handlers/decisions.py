"""Decisions as resources (svc-qualification): every decision with its reasons and what it made due."""

from __future__ import annotations

from nhi.qualification.v1 import qualification_pb2 as pb

from ..grpc_clients import page, to_json, to_page_json
from . import lists
from ._common import backends, list_context, ok

# Headings of the decisions as a clerk's list.
DECISION_COLUMNS = {
    "decision_id": "決定番号",
    "business_date": "業務日付",
    "kind": "異動区分",
    "reason": "異動事由",
    "household_id": "世帯番号",
    "person_ids": "宛名番号",
    "event_date": "異動日",
    "notified_on": "届出日",
    "origin": "起因",
    "automatic": "自動",
    "operator_id": "処理者",
    "job_id": "バッチ番号",
}


def _record(doc: dict) -> dict:
    """A DecisionRecord as the spec has it: the part that does not apply is null (an empty date or job id is made
    null by ok(), as for every nullable field)."""
    for key in ("decision", "correction"):
        doc.setdefault(key, None)
    return doc


def list_decisions(person_id=None, household_id=None, to=None, page_size=None, cursor=None, **query):
    """ListDecisions; `from` is a Python keyword, so it arrives in **query."""
    request = pb.ListDecisionsRequest(
        person_id=person_id or "",
        household_id=household_id or "",
        from_date=query.get("from") or "",
        to_date=to or "",
        page=page(page_size, cursor),
        context=list_context(),
    )
    doc = to_page_json(backends().call("qualification", "ListDecisions", request))
    doc["decisions"] = [_record(d) for d in doc.get("decisions", [])]
    return lists.respond(doc, "decisions", DECISION_COLUMNS, "decisions")


def get_decision(decision_id):
    """GetDecision."""
    response = backends().call("qualification", "GetDecision", pb.GetDecisionRequest(decision_id=decision_id))
    return ok(_record(to_json(response)))
