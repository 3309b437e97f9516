"""The counter's forms of the console against the real suite: a clerk signs in with the role picker, previews a join
(nothing stored), registers it once however often the button is pressed, prints the certificate it made due, and
sees refusals where they belong (CSRF, a field's error beside the field, someone else's change first)."""

from __future__ import annotations

import datetime as dt
import html
import re
import time
import uuid

import httpx
import itsdangerous
import pytest

from nhi_devtools.suite import Suite, free_port
from nhi_gateway.tokens import mint_token

BUSINESS_DATE = "2026-11-24"


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    running = Suite(
        var=tmp_path_factory.mktemp("console-forms"),
        gateway_port=free_port(),
        demo_households=30,
        intermediate_server=False,
        extra_env={"NHI_BUSINESS_DATE": BUSINESS_DATE},
    )
    try:
        running.start(timeout=120)
    except Exception:
        running.stop()
        raise
    yield running
    running.stop()


@pytest.fixture(scope="module")
def api(suite):
    """The public API as a counter program, to find people and check what was stored."""
    token = mint_token(suite.env["NHI_JWT_SECRET"], roles=["counter"], sub="test-lookup")
    with httpx.Client(base_url=suite.url + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        yield c


def sign_in(suite, role: str, operator: str) -> httpx.Client:
    client = httpx.Client(base_url=suite.url, timeout=60)
    page = client.get("/console/login")
    answer = client.post("/console/login", data={"csrf_token": csrf(page.text), "operator_id": operator, "role": role})
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture(scope="module")
def clerk(suite):
    client = sign_in(suite, "counter", "clerk-07")
    yield client
    client.close()


def csrf(page: str) -> str:
    return hidden(page, "csrf_token")


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*? value="([^"]*)"', page)
    assert match, f"no field {name} on the page"
    return html.unescape(match.group(1))


@pytest.fixture(scope="module")
def households(api) -> list[tuple[str, list[str]]]:
    """Demo households in which nobody is insured and everybody is a resident under 70, with their members."""
    found: dict[str, list[dict]] = {}
    for person in api.get("/persons", params={"page_size": 200}).json()["persons"]:
        found.setdefault(person["household_id"], []).append(person)
    cutoff = dt.date.fromisoformat(BUSINESS_DATE).replace(year=2026 - 70)
    chosen = [
        (household_id, [m["person_id"] for m in members])
        for household_id, members in sorted(found.items())
        if all(
            not m["insured"] and m["resident_status"] == "resident" and dt.date.fromisoformat(m["birth_date"]) > cutoff
            for m in members
        )
    ]
    assert len(chosen) >= 5, "the demo municipality has too few households nobody of which is insured"
    return chosen


def join_form(clerk, household_id: str, person_id: str, **typed: str) -> dict:
    """The values the clerk sends from the join form for one member, as the form offers them."""
    page = clerk.get(
        "/console/notifications/new", params={"kind": "join", "household_id": household_id, "person_id": person_id}
    )
    assert page.status_code == 200, page.text
    assert f'id="p-{person_id}" checked' in page.text  # the member the clerk came from is ticked
    return {
        "csrf_token": csrf(page.text),
        "kind": "join",
        "household_id": household_id,
        "expected_household_version": hidden(page.text, "expected_household_version"),
        "reason": "emp_leave",
        "person_id": person_id,
        "event_date": "R8.11.1",
        "notified_on": "令和8年11月24日",
        "identity_check.document_kind": "my_number_card",
        "identity_check.checked_by": "clerk-07",
        **typed,
    }


def join(api, household_id: str, person_id: str) -> None:
    """A join registered through the API, as another clerk's program would."""
    answer = api.post(
        "/notifications",
        json={
            "kind": "join",
            "reason": "emp_leave",
            "household_id": household_id,
            "persons": [{"person_id": person_id}],
            "event_date": "2026-11-01",
            "notified_on": BUSINESS_DATE,
            "identity_check": {"document_kind": "passport", "checked_by": "clerk-09"},
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code == 201, answer.text


def test_a_join_is_previewed_without_being_stored_then_registered_once(clerk, api, households):
    household_id, (person_id, *_) = households[0]
    decisions_before = api.get("/decisions", params={"person_id": person_id}).json()["decisions"]

    preview = clerk.post("/console/notifications/preview", data=join_form(clerk, household_id, person_id))

    assert preview.status_code == 200, preview.text
    assert "まだ登録されていません" in preview.text and 'id="register"' in preview.text
    assert "ACQ-EMP-LEAVE" in preview.text and "NOTIFY-14" in preview.text and "CERT-KIND" in preview.text
    assert "令和8年11月1日（2026-11-01）" in preview.text  # the acquisition date, 和暦 with ISO beside it
    assert "資格確認書" in preview.text and "届出期限（異動日から14日）を 9 日過ぎています" in preview.text
    qualification = api.get(f"/persons/{person_id}/qualification").json()
    assert qualification["insured"] is False
    assert api.get(f"/persons/{person_id}/history").json()["versions"] == []
    assert api.get("/decisions", params={"person_id": person_id}).json()["decisions"] == decisions_before

    register = {
        "csrf_token": csrf(preview.text),
        "payload": hidden(preview.text, "payload"),
        "idempotency_key": hidden(preview.text, "idempotency_key"),
    }
    # What was previewed is what gets registered: the notification carried in the page is signed.
    forger = itsdangerous.URLSafeSerializer("a key the page does not know", salt="nhi-console-preview")
    _valid, previewed = forger.loads_unsafe(register["payload"])
    assert previewed["reason"] == "emp_leave"
    tampered = {**register, "payload": forger.dumps({**previewed, "event_date": "2026-10-01"})}
    refused = clerk.post("/console/notifications", data=tampered)
    assert refused.status_code == 400 and "書き換えられています" in refused.text
    assert api.get(f"/persons/{person_id}/qualification").json()["insured"] is False

    first = clerk.post("/console/notifications", data=register)
    second = clerk.post("/console/notifications", data=register)  # the register button pressed twice

    assert first.status_code == 201, first.text
    assert second.status_code == 201, second.text
    change_id = re.search(r'id="change-id">([^<]+)<', first.text).group(1)
    assert re.search(r'id="change-id">([^<]+)<', second.text).group(1) == change_id
    assert f'href="/console/persons/{person_id}"' in first.text and 'id="to-print-queue"' in first.text
    qualification = api.get(f"/persons/{person_id}/qualification").json()
    assert qualification["insured"] is True and qualification["period"]["acquired_on"] == "2026-11-01"
    assert len({v["period_id"] for v in api.get(f"/persons/{person_id}/history").json()["versions"]}) == 1
    person_page = clerk.get(f"/console/persons/{person_id}")
    assert "<strong>加入中</strong>" in person_page.text


def test_a_form_posted_without_its_csrf_token_is_refused(clerk, api, households):
    household_id, (person_id, *_) = households[1]
    form = join_form(clerk, household_id, person_id)
    del form["csrf_token"]

    refused = clerk.post("/console/notifications/preview", data=form)

    assert refused.status_code == 403
    assert "CSRF" in refused.text
    assert api.get(f"/persons/{person_id}/history").json()["versions"] == []


def test_errors_are_shown_next_to_the_field_they_name(clerk, households):
    household_id, (person_id, *_) = households[1]

    typed_wrong = clerk.post(
        "/console/notifications/preview", data=join_form(clerk, household_id, person_id, event_date="R8.13.1")
    )
    refused_by_the_rules = clerk.post(
        "/console/notifications/preview", data=join_form(clerk, household_id, person_id, notified_on="R8.12.24")
    )

    assert typed_wrong.status_code == 400
    assert re.search(r'id="f-event_date"[^>]*aria-invalid="true"', typed_wrong.text, re.S)
    assert re.search(r'id="e-event_date"[^>]*>R8\.13\.1 は存在しない日付です', typed_wrong.text)
    assert refused_by_the_rules.status_code == 422
    assert re.search(r'id="e-notified_on"[^>]*>届出日が業務日付より後です（規則 NOTIFY-14）', refused_by_the_rules.text)


def test_a_household_changed_by_someone_else_first_is_explained(clerk, api, households):
    household_id, members = next((h, m) for h, m in households[2:-2] if len(m) >= 2)
    form = join_form(clerk, household_id, members[0])
    join(api, household_id, members[1])  # another clerk, at another counter

    conflict = clerk.post("/console/notifications/preview", data=form)

    assert conflict.status_code == 409
    assert "他の職員が先に変更しました" in conflict.text
    current = api.get(f"/households/{household_id}").json()["version"]
    assert f'id="current-version">{current}<' in conflict.text
    reload_link = html.unescape(re.search(r'id="reload" href="([^"]+)"', conflict.text).group(1))
    reloaded = clerk.get(reload_link)
    assert hidden(reloaded.text, "expected_household_version") == str(current)


def test_the_certificate_due_is_printed_and_then_in_the_ledger(clerk, api, households):
    household_id, (person_id, *_) = households[-1]
    join(api, household_id, person_id)
    page = None
    for _ in range(150):  # the print queue hears the event over NATS
        page = clerk.get("/console/print-queue", params={"person_id": person_id})
        if 'class="print"' in page.text:
            break
        time.sleep(0.2)
    assert 'class="print"' in page.text, "the 資格確認書 never reached the print queue"
    form_action = re.search(r'action="(/console/print-queue/[^"]+/document)"', page.text).group(1)
    item_id = form_action.split("/")[3]
    sent = {
        "csrf_token": csrf(page.text),
        "kind": "eligibility_certificate",
        "person_id": person_id,
        "household_id": household_id,
        "back_person_id": person_id,
        "back_printed": "false",
    }

    rendered = clerk.post(form_action, data=sent)
    assert rendered.status_code == 303
    ready = clerk.get(rendered.headers["location"])
    pdf_link = re.search(r'id="open-pdf" href="([^"]+)"', ready.text).group(1)
    pdf = clerk.get(pdf_link)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    document_id = pdf_link.split("/")[3]

    printed = clerk.post(
        f"/console/print-queue/{item_id}/printed",
        data={"csrf_token": csrf(ready.text), "document_id": document_id, "back_person_id": person_id},
    )
    assert printed.status_code == 303
    items = api.get("/print-queue", params={"person_id": person_id}).json()["items"]
    item = next(i for i in items if i["item_id"] == item_id)
    assert item["printed"] is True and item["printed_by"] == "clerk-07" and item["document_id"] == document_id
    certificates = api.get("/certificates", params={"person_id": person_id}).json()["certificates"]
    assert [c["document_id"] for c in certificates] == [document_id]
    assert certificates[0]["certificate_number"] in clerk.get(f"/console/persons/{person_id}").text


def test_a_correction_of_a_version_someone_else_corrected_first_is_explained(suite, api, households):
    household_id, (person_id, *_) = households[-2]
    join(api, household_id, person_id)
    back = sign_in(suite, "backoffice", "back-03")
    try:
        page = back.get("/console/corrections/new", params={"person_id": person_id})
        assert page.status_code == 200, page.text
        version = hidden(page.text, "version").split(":")
        form = {
            "csrf_token": csrf(page.text),
            "person_id": person_id,
            "version": ":".join(version),
            "correction_reason": "取得日の入力誤り",
        }

        corrected = back.post(
            "/console/corrections/new", data={**form, "acquired_on": "R8.11.2", "idempotency_key": "a"}
        )
        too_late = back.post(
            "/console/corrections/new", data={**form, "acquired_on": "R8.11.3", "idempotency_key": "b"}
        )
    finally:
        back.close()

    assert corrected.status_code == 201, corrected.text
    new_version = re.search(r'id="new-version">(\d+)<', corrected.text).group(1)
    assert int(new_version) > int(version[1])
    assert too_late.status_code == 409
    assert "他の職員が先に変更しました" in too_late.text
    assert f'id="current-version">{new_version}<' in too_late.text
    assert api.get(f"/persons/{person_id}/qualification").json()["period"]["acquired_on"] == "2026-11-02"
