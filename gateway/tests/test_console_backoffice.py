"""The back office's console screens against a real suite (NATS, every service, the gateway), signed in with the
local role picker as a browser would be (cookie, CSRF token): the 資格異動内容確認一覧 with its filters and its CSV and
PDF, the age-75 job followed by its progress fragment until it ends, the burden ratio previewed then registered,
and the audit log for an auditor but not for the counter."""

from __future__ import annotations

import csv
import html
import io
import re
import time

import httpx
import pytest
from scenario_steps import household_of, notify
from support import RunningSuite, drop_schemas, start_suite

pytestmark = pytest.mark.e2e

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    suite, schemas = start_suite(tmp_path_factory.mktemp("console-backoffice"), households=5)
    running = RunningSuite(suite)
    yield running
    running.http.close()
    suite.stop()
    drop_schemas(schemas)


def console(running, role: str, operator: str) -> httpx.Client:
    """A browser signed in to the console with the local role picker: its cookie jar holds the session."""
    browser = httpx.Client(base_url=running.suite.url, timeout=60)
    page = browser.get("/console/login")
    signed = browser.post(
        "/console/login",
        data={"csrf_token": CSRF.search(page.text).group(1), "operator_id": operator, "role": role},
    )
    assert signed.status_code == 303, signed.text
    return browser


def link(page: httpx.Response, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*id="{element_id}"', page.text)
    assert found, f"no link #{element_id}"
    return html.unescape(found.group(1) or found.group(2))


def hidden(page: httpx.Response, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page.text)
    assert found, f"no field {name}"
    return html.unescape(found.group(1))


def joined(running, name_kanji: str, birth_date: str = "1980-06-15") -> dict:
    house = household_of(
        running, [{"birth_date": birth_date, "name_kanji": name_kanji, "name_kana": "イチラン　タロウ"}]
    )
    body = {
        "kind": "join",
        "reason": "move_in",
        "household_id": house["household_id"],
        "persons": [{"person_id": house["person_ids"][0]}],
        "event_date": "2026-10-01",
    }
    response = notify(running, body)
    assert response.status_code == 201, response.text
    return house


def test_the_back_office_filters_the_change_list_and_saves_it_as_csv_and_pdf(running):
    house = joined(running, "帳票　一子")
    browser = console(running, "backoffice", "bo-01")

    page = browser.get("/console/reports", params={"from": "R8.11.24", "to": "2026-11-24", "kind": "join"})
    assert page.status_code == 200, page.text
    assert "資格異動内容確認一覧" in page.text and "帳票　一子" in page.text and house["household_id"] in page.text
    assert "令和8年11月24日（2026-11-24）" in page.text  # 業務日付 in 和暦 with the ISO date beside it
    only_leaves = browser.get("/console/reports", params={"from": "R8.11.24", "kind": "leave"})
    assert only_leaves.status_code == 200 and "帳票　一子" not in only_leaves.text

    as_csv = browser.get(link(page, "download-csv"))
    assert as_csv.status_code == 200 and as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        as_csv.headers["content-disposition"].startswith("attachment;")
        and ".csv" in as_csv.headers["content-disposition"]
    )
    assert as_csv.content.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets on Japanese desktops expect
    table = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["処理日", "操作者", "世帯番号"] and "異動事由" in table[0]
    assert any("帳票　一子" in row and "転入" in row for row in table[1:])

    filtered = browser.get(link(page, "download-filtered-csv"))
    assert filtered.status_code == 200 and filtered.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(filtered.content.decode("utf-8-sig"))))
    assert rows[0][0] == "処理日時" and any(house["household_id"] in row for row in rows[1:])

    as_pdf = browser.get(link(page, "download-pdf"))
    assert as_pdf.status_code == 200, as_pdf.text
    assert as_pdf.headers["content-type"] == "application/pdf" and as_pdf.content.startswith(b"%PDF")
    assert as_pdf.headers["content-disposition"].startswith("attachment;")

    admin = console(running, "admin", "admin-01")  # may read the change list, not the printed lists
    offered = admin.get("/console/reports", params={"from": "2026-11-24"})
    assert offered.status_code == 200 and "帳票　一子" in offered.text and 'id="download-pdf"' not in offered.text
    hrefs = [html.unescape(h) for h in re.findall(r'href="(/console/downloads/[^"]+)"', offered.text)]
    assert hrefs and all(admin.get(h).status_code == 200 for h in hrefs)

    wrong = browser.get("/console/reports", params={"from": "R8.13.45"})
    assert wrong.status_code == 400
    assert 'id="f-from"' in wrong.text and 'aria-invalid="true"' in wrong.text and "存在しない日付" in wrong.text


def test_the_back_office_starts_the_age75_job_and_watches_it_finish(running):
    house = household_of(running, [{"birth_date": "1951-12-10", "name_kanji": "到達　太郎"}])
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
    browser = console(running, "backoffice", "bo-02")

    form = browser.get("/console/jobs")
    assert form.status_code == 200 and "75歳到達" in form.text
    started = browser.post(
        "/console/jobs",
        data={
            "csrf_token": hidden(form, "csrf_token"),
            "idempotency_key": hidden(form, "idempotency_key"),
            "kind": "age75_loss",
            "month": "R8.12",
        },
    )
    assert started.status_code == 303, started.text
    job_page_url = started.headers["location"]
    job_page = browser.get(job_page_url)
    assert job_page.status_code == 200
    assert 'id="job-progress"' in job_page.text and 'id="job-state"' in job_page.text
    assert "対象月：2026-12" in job_page.text

    deadline = time.monotonic() + 60
    while True:
        fragment = browser.get(f"{job_page_url}/progress")
        assert fragment.status_code == 200 and "<html" not in fragment.text  # the status block alone
        state = re.search(r'id="job-state" data-state="(\w+)"', fragment.text).group(1)
        polling = 'hx-trigger="every 1s"' in fragment.text
        assert polling == (state not in ("succeeded", "failed")), (state, polling)
        if not polling:
            break
        assert time.monotonic() < deadline, "the job did not end within 60 s"
        time.sleep(0.5)
    assert state == "succeeded"
    assert house["person_ids"][0] in fragment.text and 'id="job-result-rows"' in fragment.text
    assert "資格喪失" in fragment.text or "喪失済み" in fragment.text

    reloaded = browser.get(job_page_url)  # without JavaScript a reload shows the same end
    assert 'data-state="succeeded"' in reloaded.text and "hx-trigger" not in reloaded.text
    assert house["person_ids"][0] in reloaded.text


def stored_determination(page: httpx.Response, determination_id: str) -> str:
    """The row of a stored determination in the page's record of the household's determinations."""
    table = re.search(r'<table class="list" id="burden-determinations">(.*?)</table>', page.text, re.S)
    assert table, "no record of determinations"
    found = re.search(rf'<tr id="determination-{determination_id}">(.*?)</tr>', table.group(1), re.S)
    assert found, f"determination {determination_id} not listed"
    return found.group(1)


def test_the_burden_ratio_is_previewed_with_its_reasons_then_registered(running):
    house = household_of(running, [{"birth_date": "1953-05-01", "name_kanji": "負担　花子"}])
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
    browser = console(running, "backoffice", "bo-03")
    house_id = house["household_id"]
    page = browser.get("/console/burden", params={"household_id": house_id})
    assert page.status_code == 200 and "負担　花子" in page.text and 'id="register"' not in page.text
    assert "負担割合判定の記録はありません" in page.text
    typed = {
        "household_id": house["household_id"],
        "as_of": "R8.11.24",
        "incomes[0].taxable_income": "1,500,000",
        "incomes[0].gross_income": "4000000",
        "incomes[0].kyu_tadashigaki_income": "2350000",
        "incomes[0].non_taxed": "false",
    }
    preview = browser.post(
        "/console/burden", data={**typed, "csrf_token": hidden(page, "csrf_token"), "action": "preview"}
    )
    assert preview.status_code == 200, preview.text
    assert "判定の確認（まだ登録していません）" in preview.text and 'id="ratio">3割<' in preview.text
    assert "BURDEN-3" in preview.text and "住民税課税所得（円）" in preview.text  # the facts in words
    assert 'id="register"' in preview.text

    registered = browser.post(
        "/console/burden",
        data={
            **typed,
            "csrf_token": hidden(preview, "csrf_token"),
            "previewed": hidden(preview, "previewed"),
            "idempotency_key": hidden(preview, "idempotency_key"),
            "action": "register",
        },
    )
    assert registered.status_code == 201, registered.text
    assert "判定を登録しました" in registered.text and re.search(
        r'id="determination-id">[0-9a-f-]{36}<', registered.text
    )
    determination_id = re.search(r'id="determination-id">([0-9a-f-]{36})<', registered.text).group(1)
    row = stored_determination(registered, determination_id)  # listed on the page at once, newest first
    assert '<td class="ratio">3割</td>' in row and "職員の判定" in row and "処理者 bo-03" in row
    assert '<td class="changed">変更あり</td>' in row and "BURDEN-3" in row and "住民税課税所得（円）" in row
    assert "ELDER-START" in row  # the person's reasons beside the household's

    # The counter, who may not determine, reads the record with its reasons.
    counter = console(running, "counter", "counter-03").get("/console/burden", params={"household_id": house_id})
    assert counter.status_code == 200 and 'id="burden-form"' not in counter.text
    assert "BURDEN-3" in stored_determination(counter, determination_id)

    changed = browser.post(  # typed otherwise than previewed: previewed again, not registered
        "/console/burden",
        data={
            **typed,
            "incomes[0].taxable_income": "100000",
            "csrf_token": hidden(preview, "csrf_token"),
            "previewed": hidden(preview, "previewed"),
            "action": "register",
        },
    )
    assert changed.status_code == 200 and "確認した後で入力が変わった" in changed.text


def test_an_inconsistency_is_listed_and_resolved_by_the_correction_that_fixed_it(running):
    house = joined(running, "不整合　四郎", birth_date="1979-08-20")
    person_id = house["person_ids"][0]
    headers = {**running.headers("backoffice"), "Content-Type": "text/csv"}
    body = f"change_id,person_id,started_on,ended_on,reason\nwel-{person_id},{person_id},2026-11-05,,保護開始\n"
    imported = running.http.post(
        "/api/v1/feeds/welfare", params={"file_name": "w.csv"}, content=body.encode(), headers=headers
    )
    assert imported.status_code == 201, imported.text
    browser = console(running, "backoffice", "bo-05")

    def listed():
        page = browser.get("/console/inconsistencies", params={"person_id": person_id})
        return page if "生活保護の受給中で加入中" in page.text else None

    page = running.wait_for(listed, timeout=60)
    assert "不整合　四郎" in page.text and "LOSS-WELFARE" in page.text
    finding = re.search(r'action="(/console/inconsistencies/([0-9a-f-]{36})/resolution)"', page.text)
    target, finding_id = finding.group(1), finding.group(2)

    refused = browser.post(target, data={"csrf_token": hidden(page, "csrf_token"), "change_id": "no-such-change"})
    assert refused.status_code in (404, 422), refused.text
    assert f'id="change-{finding_id}"' in refused.text and 'aria-invalid="true"' in refused.text
    assert f'id="e-change-{finding_id}"' in refused.text

    left = notify(
        running,
        {
            "kind": "leave",
            "reason": "welfare_start",
            "household_id": house["household_id"],
            "persons": [{"person_id": person_id}],
            "event_date": "2026-11-05",
        },
    )
    assert left.status_code == 201, left.text
    change_id = left.json()["decision"]["change_id"]
    resolved = browser.post(
        target,
        data={"csrf_token": hidden(refused, "csrf_token"), "change_id": change_id, "note": "保護開始日で資格喪失"},
    )
    assert resolved.status_code == 303, resolved.text
    shown = browser.get(resolved.headers["location"])
    assert "対応済みとして登録しました" in shown.text and change_id in shown.text and "bo-05" in shown.text

    counter = console(running, "counter", "clerk-08")
    assert counter.get("/console/inconsistencies").status_code == 403


def test_the_counter_is_refused_the_audit_log_and_an_auditor_reads_it(running):
    house = joined(running, "監査　三郎")
    counter = console(running, "counter", "clerk-09")
    refused = counter.get("/console/audit")
    assert refused.status_code == 403
    assert (
        "この操作の権限がありません" in refused.text
        and "この操作を行える役割は 監査・管理者 です（あなたの役割：窓口）" in refused.text
    )
    assert 'id="audit-events"' not in refused.text

    auditor = console(running, "auditor", "audit-01")
    page = auditor.get("/console/audit", params={"target_id": house["household_id"], "occurred_from": "2020-01-01"})
    assert page.status_code == 200, page.text
    rows = page.text.split('id="audit-events"', 1)[1]
    assert "notification.join" in rows and house["household_id"] in rows
    as_csv = auditor.get(link(page, "download-csv"))
    assert as_csv.status_code == 200 and as_csv.content.startswith(b"\xef\xbb\xbf")
    assert house["household_id"] in as_csv.content.decode("utf-8-sig")


def test_a_form_posted_without_its_csrf_token_starts_no_job(running):
    browser = console(running, "backoffice", "bo-04")
    refused = browser.post("/console/jobs", data={"kind": "age75_loss"})
    assert refused.status_code == 403 and "CSRF" in refused.text


def test_the_progress_fragment_polls_every_second_only_while_the_job_runs(app):
    import flask

    from nhi_gateway.console.backoffice import job_status

    job = {"job_id": "j-1", "kind": "age75_loss", "state": "running", "total": 10, "done": 3, "failed": 1}
    job.update(eta_seconds=90, business_date="2026-11-24", created_at="2026-11-24T00:30:00+00:00", finished_at=None)
    job.update(parameters={"month": "2026-12"}, error=None)
    failed = {**job, "state": "failed", "eta_seconds": None, "error": "chunk 2 failed"}
    with app.app.test_request_context("/console/jobs/j-1"):
        runs = flask.render_template("bo_job_status.html", **job_status(job, None))
        ended = flask.render_template("bo_job_status.html", **job_status(failed, None))
    assert 'hx-get="/console/jobs/j-1/progress" hx-trigger="every 1s" hx-swap="outerHTML"' in runs
    assert '<progress id="job-progress" max="10" value="4">' in runs and "約1分30秒" in runs and "実行中" in runs
    assert "hx-get" not in ended and "hx-trigger" not in ended
    assert 'data-state="failed"' in ended and "異常終了" in ended and "chunk 2 failed" in ended


def test_while_a_job_is_still_being_planned_its_total_says_so(app):
    import flask

    from nhi_gateway.console.backoffice import job_status

    job = {"job_id": "documents-1", "kind": "annual_renewal", "state": "running", "total": 400, "done": 200}
    job.update(failed=0, eta_seconds=None, business_date="2027-08-01", created_at="2027-07-20T00:30:00+00:00")
    job.update(finished_at=None, parameters={"date": "2027-08-01"}, error=None)
    with app.app.test_request_context("/console/jobs/documents-1"):
        planning = flask.render_template("bo_job_status.html", **job_status({**job, "planning": True}, None))
        planned = flask.render_template("bo_job_status.html", **job_status({**job, "planning": False}, None))
    assert '<dd id="job-total">400（対象者を抽出中）</dd>' in planning and "計算中" in planning
    assert '<dd id="job-total">400</dd>' in planned


def test_the_jobs_page_lists_everyones_jobs_newest_first_and_by_state(running):
    """A job started by another operator (here through the API, as a CronJob would) is on the jobs page of a clerk
    who did not start it, linked to its own page; the state filter narrows the list; an auditor sees the list
    without the form that starts a job."""
    started = running.http.post(
        "/api/v1/jobs", json={"kind": "aggregation_import", "parameters": {}}, headers=running.headers("batch")
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]

    page = console(running, "backoffice", "bo-07").get("/console/jobs")
    assert page.status_code == 200 and 'id="all-jobs"' in page.text
    rows = re.findall(r'<a href="/console/jobs/([^"]+)">[^<]+</a></td><td data-state="(\w+)"', page.text)
    assert job_id in [listed for listed, _state in rows]

    ended = running.wait_for(
        lambda: (
            (job := running.http.get(f"/api/v1/jobs/{job_id}", headers=running.headers("batch")).json())["state"]
            in ("succeeded", "failed")
            and job
        ),
        timeout=60,
    )
    auditor = console(running, "auditor", "au-01")
    for state in ("succeeded", "failed", "queued"):
        narrowed = auditor.get("/console/jobs", params={"state": state})
        assert narrowed.status_code == 200 and 'id="job-form"' not in narrowed.text
        rows = re.findall(r'<a href="/console/jobs/([^"]+)">[^<]+</a></td><td data-state="(\w+)"', narrowed.text)
        assert {listed_state for _listed, listed_state in rows} <= {state}, rows
        assert (job_id in [listed for listed, _state in rows]) == (state == ended["state"])
        assert f'<option value="{state}" selected>' in narrowed.text
