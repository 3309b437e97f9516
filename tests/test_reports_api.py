"""The lists of flow 2 as reports through the gateway: JSON, CSV for a spreadsheet, and a PDF drawn and recorded by
svc-documents, with the real services."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest
from scenario_steps import household_of, notify

pytestmark = pytest.mark.e2e


def joined_household(running) -> dict:
    house = household_of(
        running, [{"birth_date": "1980-06-15", "name_kanji": "報告　太郎", "name_kana": "ホウコク　タロウ"}]
    )
    response = notify(
        running,
        {
            "kind": "join",
            "reason": "move_in",
            "household_id": house["household_id"],
            "persons": [{"person_id": house["person_ids"][0]}],
            "event_date": "2026-10-01",
        },
    )
    assert response.status_code == 201, response.text
    return house


def test_the_change_review_list_as_json_csv_and_pdf_names_the_person_of_a_join(running):
    house = joined_household(running)

    url, headers = "/api/v1/reports/qualification_change_list", running.headers("backoffice")
    params = {"from": "2026-11-24", "to": "2026-11-24"}

    listed = running.http.get(url, params=params, headers=headers)
    assert listed.status_code == 200, listed.text
    doc = listed.json()
    assert doc["title"] == "資格異動内容確認一覧" and doc["source_connected"] is True and doc["note"] is None
    mine = [r for r in doc["rows"] if r["household_id"] == house["household_id"]]
    assert [(r["name"], r["change_reason"], r["event_date"]) for r in mine] == [("報告　太郎", "転入", "2026-10-01")]
    assert list(doc["columns"].values())[:3] == ["処理日", "操作者", "世帯番号"]

    as_csv = running.http.get(url, params={**params, "format": "csv", "encoding": "cp932"}, headers=headers)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"] == "text/csv; charset=Shift_JIS"
    table = list(csv.reader(io.StringIO(as_csv.content.decode("cp932"))))
    assert table[0] == list(doc["columns"].values())
    assert any("報告　太郎" in row for row in table[1:])

    as_pdf = running.http.get(url, params={**params, "format": "pdf"}, headers=headers)
    assert as_pdf.status_code == 200, as_pdf.text
    assert as_pdf.headers["content-type"] == "application/pdf" and as_pdf.content.startswith(b"%PDF")
    recorded = running.http.get(as_pdf.headers["location"], headers=running.headers("counter"))
    assert recorded.status_code == 200 and recorded.json()["kind"] == "qualification_change_list"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=as_pdf.content, capture_output=True, check=True).stdout
        assert "資格異動内容確認一覧" in text.decode() and "報告" in text.decode()


def test_the_subcopy_target_list_is_connected_to_svc_interchange_and_has_its_columns(running):
    answer = running.http.get("/api/v1/reports/subcopy_target_list", headers=running.headers("auditor"))
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert doc["source_connected"] is True and doc["note"] is None
    assert list(doc["columns"]) == ["person_id", "name", "item_type", "change_type", "transfer_status"]
    assert "宛名番号" in doc["columns"].values()


def test_the_age75_target_list_needs_its_job_and_an_unknown_list_is_refused(running):
    headers = running.headers("backoffice")
    missing = running.http.get("/api/v1/reports/age75_target_list", headers=headers)
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "job_id"
    unknown = running.http.get("/api/v1/reports/eligibility_certificate", headers=headers)
    assert unknown.status_code == 400 and unknown.headers["content-type"].startswith("application/problem+json")
    counter_cannot = running.http.get("/api/v1/reports/qualification_change_list", headers=running.headers("admin"))
    assert counter_cannot.status_code == 403
