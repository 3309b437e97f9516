"""Corrections, the certificate ledger and the change review list through the gateway (fake gRPC servicers)."""

from __future__ import annotations

import pytest
from gateway_checks import auth as _auth
from gateway_checks import fields, problem


def auth(*roles: str, **headers: str) -> dict[str, str]:
    return _auth(*roles, sub="back-07", **headers)


def correction(**overrides) -> dict:
    body = {"period_id": "P-1", "version_id": 4, "acquired_on": "2026-10-25", "correction_reason": "入力誤り"}
    body.update(overrides)
    return body


# --- POST /corrections ----------------------------------------------------------------------------


def test_a_correction_is_201_with_the_corrected_version(client, backends):
    response = client.post(
        "/api/v1/corrections",
        json=correction(relationship="孫", listing_order=2),
        headers=auth("backoffice", **{"Idempotency-Key": "fix-1", "X-Business-Date": "2026-11-24"}),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["change_id"] == "CH9" and body["resend_required"] is True
    assert body["period"]["version_id"] == 5 and body["period"]["acquired_on"] == "2026-10-25"
    sent = backends.recorder.last("CorrectQualification")
    assert (sent.period_id, sent.version_id, sent.relationship, sent.listing_order) == ("P-1", 4, "孫", 2)
    assert sent.context.idempotency_key == "fix-1" and sent.context.operator_id == "back-07"
    assert sent.context.business_date == "2026-11-24"


def test_an_undo_and_a_reopening_reach_the_service(client, backends):
    response = client.post(
        "/api/v1/corrections",
        json={"period_id": "P-1", "version_id": 4, "undo": True, "correction_reason": "誤登録"},
        headers=auth("admin"),
    )
    assert response.status_code == 201 and response.json()["period"]["void"] is True
    assert (
        client.post("/api/v1/corrections", json=correction(clear_lost_on=True), headers=auth("admin")).status_code
        == 201
    )
    assert backends.recorder.last("CorrectQualification").clear_lost_on is True


def test_a_stale_version_is_409_with_the_current_version_id(client):
    body = problem(client.post("/api/v1/corrections", json=correction(version_id=1), headers=auth("backoffice")), 409)
    assert body["code"] == "STALE_VERSION" and body["type"] == "https://nhi.example/problems/stale-version"
    assert body["current_version_id"] == 2 and body["period_id"] == "P-1"


def test_corrections_are_for_backoffice_and_admin_only(client):
    problem(client.post("/api/v1/corrections", json=correction(), headers=auth("counter")), 403)
    problem(client.post("/api/v1/corrections", json=correction(), headers=auth("auditor")), 403)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"period_id": "P-1", "version_id": 4}, "correction_reason"),
        (correction(version_id=0), "version_id"),
        (correction(acquired_on="2026-02-30"), "acquired_on"),
        (correction(lost_reason="move_in"), "lost_reason"),
        (correction(correction_reason=""), "correction_reason"),
        (correction(listing_order=0), "listing_order"),
        (correction(name_kanji="山田"), "name_kanji"),
    ],
)
def test_bad_corrections_are_400_naming_the_field(client, backends, body, field):
    body = problem(client.post("/api/v1/corrections", json=body, headers=auth("backoffice")), 400)
    assert field in " ".join(fields(body)) or field in body["detail"]
    assert not [m for m, _ in backends.recorder.requests if m == "CorrectQualification"]


def test_a_refused_correction_is_422_with_the_rule(client, backends):
    from nhi_common import rpc

    backends.recorder.fail_with = rpc.failed_precondition(
        "the loss date must be after the acquisition date", reason="LOSS_BEFORE_ACQUISITION", field="lost_on"
    )
    body = problem(
        client.post(
            "/api/v1/corrections",
            json=correction(lost_on="2026-10-01", lost_reason="death"),
            headers=auth("backoffice"),
        ),
        422,
    )
    assert body["code"] == "LOSS_BEFORE_ACQUISITION" and fields(body) == ["lost_on"]


# --- GET /certificates ------------------------------------------------------------------------------


def test_the_ledger_lists_certificates_with_a_cursor(client, backends):
    response = client.get(
        "/api/v1/certificates?person_id=P7&state=issued&outstanding_after_loss=true&page_size=5",
        headers=auth("counter"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] == "7"
    assert body["certificates"][0]["person_id"] == "P7" and body["certificates"][0]["collect"] is True
    sent = backends.recorder.last("ListCertificates")
    assert (sent.person_id, sent.state, sent.outstanding_after_loss, sent.page.page_size) == ("P7", "issued", True, 5)


def test_the_ledger_refuses_an_unknown_state_and_wrong_roles(client):
    body = problem(client.get("/api/v1/certificates?state=burnt", headers=auth("auditor")), 400)
    assert "state" in " ".join(fields(body)) or "state" in body["detail"]
    problem(client.get("/api/v1/certificates", headers=auth("batch")), 403)
    problem(client.get("/api/v1/certificates?outstanding_after_loss=maybe", headers=auth("backoffice")), 400)


# --- POST /certificate-returns -----------------------------------------------------------------------


def test_a_collection_registration_is_201(client, backends):
    response = client.post(
        "/api/v1/certificate-returns",
        json={"certificate_id": "C1", "outcome": "lost", "returned_on": "2026-11-20", "note": "紛失届あり"},
        headers=auth("counter", **{"Idempotency-Key": "ret-1"}),
    )
    assert response.status_code == 201, response.text
    assert response.json()["certificate"] == {
        **response.json()["certificate"],
        "certificate_id": "C1",
        "state": "lost",
        "returned_on": "2026-11-20",
        "note": "紛失届あり",
    }
    assert backends.recorder.last("RegisterCertificateReturn").context.idempotency_key == "ret-1"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"certificate_id": "C1", "outcome": "burnt"}, "outcome"),
        ({"certificate_id": "C1"}, "outcome"),
        ({"certificate_id": "C1", "outcome": "returned", "returned_on": "2026-13-01"}, "returned_on"),
    ],
)
def test_bad_collection_registrations_are_400(client, body, field):
    body = problem(client.post("/api/v1/certificate-returns", json=body, headers=auth("backoffice")), 400)
    assert field in " ".join(fields(body)) or field in body["detail"]


def test_unknown_and_already_collected_certificates(client):
    problem(
        client.post(
            "/api/v1/certificate-returns",
            json={"certificate_id": "missing", "outcome": "returned"},
            headers=auth("counter"),
        ),
        404,
    )
    body = problem(
        client.post(
            "/api/v1/certificate-returns",
            json={"certificate_id": "collected", "outcome": "lost"},
            headers=auth("counter"),
        ),
        422,
    )
    assert body["code"] == "ALREADY_COLLECTED"
    problem(
        client.post(
            "/api/v1/certificate-returns", json={"certificate_id": "C1", "outcome": "lost"}, headers=auth("auditor")
        ),
        403,
    )


# --- GET /reports/qualification-changes ----------------------------------------------------------------


def test_the_change_review_list_has_japanese_headings(client, backends):
    response = client.get(
        "/api/v1/reports/qualification-changes?from=2026-11-01&to=2026-11-24&operator_id=clerk-01"
        "&reason=death&kind=leave&page_size=20&cursor=9",
        headers=auth("auditor"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"]["recorded_at"] == "処理日時" and body["columns"]["operator_id"] == "処理者"
    assert set(body["changes"][0]) <= set(body["columns"])
    assert body["changes"][0]["before"] == {"acquired_on": "2026-11-01"} and body["next_cursor"] is None
    assert body["changes"][0]["reason_label"] == "資格異動訂正" and body["changes"][0]["notified_on"] is None
    assert body["changes"][0]["persons"][0]["name_kanji"] == "山田 一"
    sent = backends.recorder.last("ListChanges")
    assert (sent.from_date, sent.to_date, sent.operator_id, sent.reason, sent.kind) == (
        "2026-11-01",
        "2026-11-24",
        "clerk-01",
        "death",
        "leave",
    )
    assert (sent.page.page_size, sent.page.cursor) == (20, "9")


def test_the_change_review_list_checks_dates_and_roles(client):
    body = problem(client.get("/api/v1/reports/qualification-changes?from=2026-11-31", headers=auth("admin")), 400)
    assert "from" in " ".join(fields(body)) or "from" in body["detail"]
    problem(client.get("/api/v1/reports/qualification-changes?since=2026-11-01", headers=auth("admin")), 400)
    problem(client.get("/api/v1/reports/qualification-changes", headers=auth("counter")), 403)
