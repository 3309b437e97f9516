"""The lists of flow 2 as reports (GET /reports/{kind}): rows gathered from their source, answered as JSON, as CSV
for a spreadsheet, or as a PDF that svc-documents draws and records like every document it issues.

The kinds, their titles and columns come from svc-documents' registry (ListDocumentKinds), so a heading is written
once. A list whose source is not connected yet answers its columns, no rows, and says so.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import flask

from nhi.documents.v1 import documents_pb2 as dpb
from nhi.interchange.v1 import interchange_pb2 as ipb
from nhi.qualification.v1 import qualification_pb2 as qpb

from ..grpc_clients import page, to_json, to_page_json
from ..problems import Problem, field_error
from . import inconsistencies, lists
from ._common import backends, call_context, list_context, ok

MAX_ROWS = 10_000  # a report larger than this is a job's output, not a page of the API
PAGE = 500
UNDRAWABLE = "undrawable_character_list"
UNDRAWABLE_COLUMNS = {
    "person_id": "宛名番号",
    "field": "項目",
    "character": "文字",
    "kind": "最後に拒否した文書",
    "first_seen_at": "初回",
    "last_seen_at": "最終",
    "refusals": "回数",
    "outcome": "処理",  # refused: not issued; substituted: an IVS printed as its base character
}
UNCONNECTED_NOTE = "この一覧の連携元はまだ接続されていません"


def report(kind, format="json", job_id=None, to=None, **query):
    """One list as JSON, CSV or PDF; `from` is a Python keyword, so it arrives in **query."""
    if kind == UNDRAWABLE:
        info = {"title": "文字要件エラー対象者一覧", "columns": UNDRAWABLE_COLUMNS, "source_connected": True}
        if format == "pdf":
            raise _bad("format", "the list of undrawable characters is given as json or csv only")
    else:
        info = _kind(kind)
    rows, truncated = _rows(kind, job_id=job_id, first=query.get("from"), last=to)
    if format == "csv":
        return lists.csv_response(rows, info["columns"], kind.replace("_", "-"))
    if format == "pdf":
        return _pdf(kind, rows)
    return ok(
        {
            "kind": kind,
            "title": info["title"],
            "columns": info["columns"],
            "rows": rows,
            "truncated": truncated,
            "source_connected": info["source_connected"],
            "note": None if info["source_connected"] else UNCONNECTED_NOTE,
        }
    )


def _kind(kind: str) -> dict[str, Any]:
    found = backends().call("documents", "ListDocumentKinds", dpb.ListDocumentKindsRequest())
    for info in found.kinds:
        if info.code == kind and info.group == "list":
            return {
                "title": info.title,
                "columns": {c.key: c.heading for c in info.columns},
                "source_connected": info.source_connected,
            }
    raise _bad("kind", f"{kind!r} is not a list svc-documents issues")


def _rows(kind: str, *, job_id: str | None, first: str | None, last: str | None) -> tuple[list[dict], bool]:
    if kind == "qualification_change_list":
        return _gather(_change_rows(first, last))
    if kind == "age75_target_list":
        if not job_id:
            message = "name the age75_loss job whose list this is"
            raise Problem(400, message, kind="required", errors=[field_error("job_id", message, "required")])
        return _gather(_age75_rows(job_id))
    if kind == UNDRAWABLE:
        return _gather(_undrawable_rows())
    if kind == "qualification_inconsistency_list":
        return _gather(inconsistencies.report_rows(limit=MAX_ROWS + 1))
    if kind in INTERCHANGE_COLUMNS:
        return _gather(_interchange_rows(kind))
    return [], False  # the feeds and the interchange that fill these lists are not built yet


# The lists svc-interchange fills (2.6.1, 2.6.6, 2.6.7, 2.8.1): their column keys, and those that are counts.
INTERCHANGE_COLUMNS = {
    "qualification_data_error_list": ("record_key", "file", "error_code", "message"),
    "interchange_import_list": ("data_type", "count", "status", "rejected"),
    "interchange_registration_result_list": ("record_key", "applied", "reason", "pref_acquired_on"),
    "subcopy_target_list": ("person_id", "name", "item_type", "change_type", "transfer_status"),
}
INTERCHANGE_COUNTS = ("count", "rejected")
# The lists of persons (rule DV: svc-interchange screens them).
INTERCHANGE_PERSONS = ("qualification_data_error_list", "interchange_registration_result_list", "subcopy_target_list")


def _interchange_rows(kind: str):
    def request(p):
        return ipb.ListInterchangeRowsRequest(kind=kind, page=p, context=context)

    context = list_context() if kind in INTERCHANGE_PERSONS else call_context()
    for doc in _pages("interchange", "ListInterchangeRows", request):
        for row in doc.get("rows", []):
            cells = row.get("cells") or {}
            yield {
                key: (int(cells[key]) if key in INTERCHANGE_COUNTS else cells[key]) if cells.get(key) else None
                for key in INTERCHANGE_COLUMNS[kind]
            }


def _gather(rows) -> tuple[list[dict], bool]:
    out = []
    for row in rows:
        if len(out) == MAX_ROWS:
            return out, True
        out.append(row)
    return out, False


def _pages(service: str, method: str, make_request):
    cursor = ""
    while True:
        doc = to_page_json(backends().call(service, method, make_request(page(PAGE, cursor))))
        yield doc
        cursor = doc.get("next_cursor") or ""
        if not cursor:
            return


def _change_rows(first: str | None, last: str | None):
    def request(p):
        return qpb.ListChangesRequest(from_date=first or "", to_date=last or "", page=p, context=context)

    context = list_context()
    for doc in _pages("qualification", "ListChanges", request):
        for change in doc.get("changes", []):
            before, after = change.get("before") or {}, change.get("after") or {}
            for person in change.get("persons", []):
                pid = person["person_id"]
                yield {
                    "registered_on": change.get("business_date"),
                    "operator_id": change.get("operator_id"),
                    "household_id": change.get("household_id"),
                    "insured_number": _insured_number(person),
                    "name": person.get("name_kanji"),
                    "change_reason": change.get("reason_label") or change.get("reason"),
                    "event_date": change.get("event_date"),
                    "notified_on": change.get("notified_on") or None,
                    "before": _values(before.get(pid)),
                    "after": _values(after.get(pid)),
                    "certificate_action": None,
                }


def _age75_rows(job_id: str):
    def request(p):
        return qpb.ListJobResultsRequest(job_id=job_id, page=p, context=context)

    context = list_context()
    for doc in _pages("qualification", "ListJobResults", request):
        if doc["job"]["kind"] != "age75_loss":
            raise _bad("job_id", f"job {job_id} is a {doc['job']['kind']} job, not age75_loss")
        for row in doc.get("rows", []):
            effects = [
                label
                for flag, label in (("deemed_head", "擬制世帯主"), ("specific_same_household", "特定同一世帯所属者"))
                if row.get(flag)
            ]
            yield {
                "person_id": row["person_id"],
                "name": _name(row["person_id"]),
                "birth_date": row.get("birth_date"),
                "birthday_75": row.get("age_75_birthday"),
                "lost_on": row.get("lost_on") or None,
                "household_effects": "・".join(effects) or None,
                "burden_ratio": row.get("burden_redetermined") or None,
                "outcome": row.get("outcome"),
            }


def _undrawable_rows():
    def request(p):
        return dpb.ListUndrawableCharactersRequest(page=p, context=context)

    context = list_context()
    for doc in _pages("documents", "ListUndrawableCharacters", request):
        yield from doc.get("characters", [])


def _name(person_id: str) -> str | None:
    person = to_json(
        backends().call("qualification", "GetPerson", qpb.GetPersonRequest(person_id=person_id, context=call_context()))
    )
    return person.get("name_kanji") or None


def _insured_number(person: dict) -> str | None:
    if not person.get("number"):
        return None
    return f"{person.get('symbol', '')} {person['number']}-{person.get('branch_no', '')}".strip()


def _values(values: dict | None) -> str | None:
    if not values:
        return None
    return "、".join(f"{k}={v}" for k, v in sorted(values.items()) if v not in (None, ""))


def _pdf(kind: str, rows: list[dict]) -> flask.Response:
    request = dpb.RenderDocumentRequest(
        context=call_context(),
        kind=kind,
        format="pdf",
        rows=[dpb.ListRow(cells={k: lists.cell(v) for k, v in row.items()}) for row in rows],
    )
    meta = backends().call("documents", "RenderDocument", request)
    content = backends().call(
        "documents", "GetDocumentContent", dpb.GetDocumentRequest(document_id=meta.document_id, context=call_context())
    )
    response = flask.Response(content.content, status=200, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{kind}-{meta.document_id}.pdf"'
    response.headers["Location"] = f"/api/v1/documents/{urllib.parse.quote(meta.document_id, safe='')}"
    return response


def _bad(field: str, message: str) -> Problem:
    return Problem(400, message, kind="unknown-kind", errors=[field_error(field, message, "enum")])
