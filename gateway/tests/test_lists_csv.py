"""Every list of the spec as CSV for a clerk's spreadsheet: format=csv or Accept: text/csv, UTF-8 with a BOM or
CP932 on request, Japanese headings first, the next page's cursor in a header."""

from __future__ import annotations

import csv
import io

import pytest
from gateway_checks import auth, operations_with_query

# The paged lists. GET /reports/{kind} answers a whole list (no cursor) as JSON, CSV or PDF from its source;
# tests/test_reports_api.py drives it with the real services.
REPORTS = "/api/v1/reports/P1"
LISTS = [o for o in operations_with_query("format") if o.url != REPORTS]


def rows(body: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode(encoding), newline="")))


def test_every_list_of_the_spec_takes_format_and_every_cursor_list_is_one():
    assert {o.url for o in LISTS} == {o.url for o in operations_with_query("cursor")}
    assert len(LISTS) >= 8


@pytest.mark.parametrize("operation", LISTS, ids=lambda o: f"{o.method.upper()} {o.url}")
def test_a_list_as_csv_has_a_bom_japanese_headings_and_a_row_per_item(client, operation):
    params = {"format": "csv"}
    if "decisions" in operation.url:
        params["person_id"] = "P1"
    if "burden-ratio-determinations" in operation.url:
        params["household_id"] = "H1"
    response = client.request(operation.method, operation.url, params=params, headers=operation.headers())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.content.startswith("\ufeff".encode())
    table = rows(response.content, "utf-8-sig")
    assert table and any("\u3040" <= ch <= "\u9fff" for ch in "".join(table[0]))  # headings in Japanese
    as_json = client.request(
        operation.method,
        operation.url,
        params={k: v for k, v in params.items() if k != "format"},
        headers=operation.headers(),
    ).json()
    items = next(v for k, v in as_json.items() if isinstance(v, list))
    assert len(table) == 1 + len(items)


def test_accept_text_csv_asks_for_csv_and_cp932_writes_what_it_cannot_carry_as_geta(client):
    response = client.get("/api/v1/persons", headers=auth("counter", Accept="text/csv; charset=Shift_JIS"))
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=Shift_JIS"
    table = rows(response.content, "cp932")
    assert table[0][:3] == ["宛名番号", "世帯番号", "氏名"]
    assert [r[2] for r in table[1:]] == ["〓田 花子", "吉田 一郎"]
    assert response.headers["x-replaced-characters"] == "1"
    assert response.headers["x-next-cursor"] == "c2"
    utf8 = client.get("/api/v1/persons", params={"format": "csv"}, headers=auth("counter"))
    assert [r[2] for r in rows(utf8.content, "utf-8-sig")[1:]] == ["𠮷田 花子", "吉田 一郎"]


def test_json_stays_the_default_and_an_unknown_format_is_refused(client):
    assert client.get("/api/v1/persons", headers=auth("counter")).headers["content-type"].startswith("application/json")
    refused = client.get("/api/v1/persons", params={"format": "xlsx"}, headers=auth("counter"))
    assert refused.status_code == 400
