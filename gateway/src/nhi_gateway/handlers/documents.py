"""Documents: render, metadata, content (svc-documents)."""

from __future__ import annotations

import urllib.parse

import flask

from nhi.documents.v1 import documents_pb2 as pb

from ..grpc_clients import to_json
from ._common import backends, call_context, ok

JSON = "application/json"
BASE = "/api/v1/documents"


def with_links(meta) -> dict:
    doc = to_json(meta)
    quoted = urllib.parse.quote(meta.document_id, safe="")
    doc["links"] = {"self": f"{BASE}/{quoted}", "content": f"{BASE}/{quoted}/content"}
    return doc


def _file(content) -> flask.Response:
    meta = content.meta
    media_type = meta.media_type or "application/octet-stream"
    extension = {"application/pdf": "pdf", "text/csv": "csv"}.get(media_type.split(";")[0], "bin")
    name = f"{meta.kind or 'document'}-{meta.document_id}.{extension}"
    response = flask.Response(content.content, status=200, mimetype=media_type)
    # ASCII file name only: the printed Japanese title is in the metadata, not in a header.
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    if meta.sha256:
        response.headers["ETag"] = f'"{meta.sha256}"'
    return response


def render(body):
    """RenderDocument; 201 with the metadata and a link to the content."""
    request = pb.RenderDocumentRequest(
        context=call_context(),
        kind=body["kind"],
        person_id=body.get("person_id", ""),
        household_id=body.get("household_id", ""),
        format=body.get("format", "pdf"),
        parameters=body.get("options") or {},
        rows=[pb.ListRow(cells=row) for row in body.get("rows") or []],
    )
    doc = with_links(backends().call("documents", "RenderDocument", request))
    return ok(doc, 201, {"Location": doc["links"]["self"]})


def get(document_id):
    """GetDocument as JSON, or the file when the client prefers it (Accept: application/pdf)."""
    request = pb.GetDocumentRequest(document_id=document_id, context=call_context())
    accept = flask.request.accept_mimetypes
    if accept.provided and accept.best_match([JSON, "application/pdf"], default=JSON) == "application/pdf":
        return _file(backends().call("documents", "GetDocumentContent", request))
    return ok(with_links(backends().call("documents", "GetDocument", request)))


def content(document_id):
    """GetDocumentContent: the file with its media type."""
    request = pb.GetDocumentRequest(document_id=document_id, context=call_context())
    return _file(backends().call("documents", "GetDocumentContent", request))
