"""The audit log: every service's own hash chain, merged by time for an auditor."""

from __future__ import annotations

import base64
import binascii
import json
from concurrent.futures import ThreadPoolExecutor

from nhi.common.v1 import common_pb2
from nhi_common import paging

from ..grpc_clients import to_json
from ..problems import Problem, field_error
from . import lists
from ._common import backends

SERVICES = ("qualification", "documents", "integration", "interchange")
CURSOR_MARK = "a."  # a merged cursor: each service's last row (seq) given out, base64url JSON behind this mark

# Headings of the audit log as an auditor's list.
AUDIT_COLUMNS = {
    "occurred_at": "日時",
    "service": "サービス",
    "operator_id": "操作者",
    "action": "操作",
    "target_kind": "対象の種類",
    "target_id": "対象",
    "purpose": "利用目的",
    "detail": "内容",
    "event_id": "記録番号",
    "seq": "連番",
    "row_hash": "ハッシュ",
    "prev_hash": "前のハッシュ",
}


def _bad_cursor() -> Problem:
    return Problem(
        400,
        "cursor: not a cursor this list gave out",
        kind="invalid-cursor",
        errors=[field_error("cursor", "not a cursor this list gave out", "cursor")],
        extra={"code": paging.INVALID_CURSOR},
    )


def _positions(cursor: str | None) -> dict[str, int]:
    if not cursor:
        return {}
    if not cursor.startswith(CURSOR_MARK):
        raise _bad_cursor()
    encoded = cursor[len(CURSOR_MARK) :]
    try:
        doc = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (binascii.Error, ValueError):
        raise _bad_cursor() from None
    if not isinstance(doc, dict) or not all(
        k in SERVICES and isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 10**18 for k, v in doc.items()
    ):
        raise _bad_cursor()
    return doc


def _cursor(positions: dict[str, int]) -> str:
    text = json.dumps(dict(sorted(positions.items())), separators=(",", ":"))
    return CURSOR_MARK + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _text(moment) -> str:
    if not moment:
        return ""
    return moment.isoformat() if hasattr(moment, "isoformat") else str(moment)


def list_events(
    operator_id=None,
    action=None,
    target_kind=None,
    target_id=None,
    purpose=None,
    service=None,
    occurred_from=None,
    occurred_to=None,
    page_size=None,
    cursor=None,
):
    """ListAuditEvents of every service (or one), merged by time, oldest first."""
    size = max(1, min(page_size or paging.DEFAULT_SIZE, paging.MAX_SIZE))
    positions = _positions(cursor)
    services = [service] if service else list(SERVICES)
    clients = backends()  # the pool's threads have no application context

    def fetch(name: str):
        after = positions.get(name)
        request = common_pb2.ListAuditEventsRequest(
            operator_id=operator_id or "",
            action=action or "",
            target_kind=target_kind or "",
            target_id=target_id or "",
            purpose=purpose or "",
            occurred_from=_text(occurred_from),
            occurred_to=_text(occurred_to),
            page=common_pb2.PageRequest(page_size=size, cursor="" if after is None else str(after)),
        )
        return name, clients.call_audit(name, request)

    with ThreadPoolExecutor(max_workers=len(services)) as pool:
        answers = list(pool.map(fetch, services))
    rows, more = [], False
    for _name, answer in answers:
        rows.extend(to_json(e) for e in answer.events)
        more = more or bool(answer.page.next_cursor)
    rows.sort(key=lambda e: (e["occurred_at"], e["service"], e["seq"]))
    page, rest = rows[:size], rows[size:]
    for event in page:
        positions[event["service"]] = max(event["seq"], positions.get(event["service"], 0))
        event["purpose"] = event["purpose"] or None
        event["detail"] = event["detail"] or None
        event["prev_hash"] = event["prev_hash"] or None
    doc = {"events": page, "next_cursor": _cursor(positions) if (rest or more) and page else None}
    return lists.respond(doc, "events", AUDIT_COLUMNS, "audit-events")
