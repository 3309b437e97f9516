"""Every list as JSON or, for a clerk's spreadsheet, as CSV: `format=csv` or `Accept: text/csv`.

CSV is UTF-8 with a BOM (what spreadsheet programs on Japanese desktops expect), or CP932 with `encoding=cp932`
(or `Accept: text/csv; charset=Shift_JIS`). A character CP932 cannot carry (e.g. 𠮷) is written as 〓, and
`X-Replaced-Characters` says how many were. The first row holds the Japanese headings; the next page's cursor
travels in `X-Next-Cursor`.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import flask

from nhi_common.jp import to_cp932

from ._common import ok

CP932_NAMES = {"cp932", "shift_jis", "shift-jis", "sjis", "windows-31j", "ms932"}


def respond(doc: dict[str, Any], items: str, columns: dict[str, str], name: str) -> flask.Response:
    """`doc` as JSON, or its `items` as a CSV table with `columns` (key -> Japanese heading) when asked for."""
    if not _wants_csv():
        return ok(doc)
    return csv_response(doc.get(items, []), columns, name, next_cursor=doc.get("next_cursor", ""))


def csv_response(rows: list[dict[str, Any]], columns: dict[str, str], name: str, *, next_cursor: str = ""):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns.values())
    for row in rows:
        writer.writerow(cell(row.get(key)) for key in columns)
    text = buffer.getvalue()
    headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
    if next_cursor:
        headers["X-Next-Cursor"] = next_cursor
    if _encoding() == "cp932":
        body, replaced = to_cp932(text)
        headers["X-Replaced-Characters"] = str(replaced)
        content_type = "text/csv; charset=Shift_JIS"
    else:
        body, content_type = "\ufeff".encode() + text.encode("utf-8"), "text/csv; charset=utf-8"
    return flask.Response(body, status=200, headers=headers, content_type=content_type)


def cell(value: Any) -> str:
    """One value as a spreadsheet cell: empty for null, はい/いいえ for booleans, lists joined by a space."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, list):
        return " ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _wants_csv() -> bool:
    """format=csv, or an Accept that names text/csv (not with q=0) before any JSON."""
    format_ = flask.request.args.get("format")
    if format_:
        return format_ == "csv"
    for media, params in _accepted():
        if media in ("application/json", "application/*", "*/*"):
            return False
        if media == "text/csv":
            return params.get("q", "1") not in ("0", "0.0", "0.00", "0.000")
    return False


def _encoding() -> str:
    if flask.request.args.get("encoding") == "cp932":
        return "cp932"
    for media, params in _accepted():
        if media == "text/csv" and params.get("charset", "").lower() in CP932_NAMES:
            return "cp932"
    return "utf-8"


def _accepted() -> list[tuple[str, dict[str, str]]]:
    """The media ranges of the Accept header in the client's order, with their parameters."""
    out = []
    for part in flask.request.headers.get("Accept", "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if media:
            pairs = (p.split("=", 1) for p in params if "=" in p)
            out.append((media.lower(), {k.strip().lower(): v.strip().strip('"') for k, v in pairs}))
    return out
