"""Documents through the gateway with the real services: the kinds a clerk asks for, and bad requests refused with
problem+json before anything is stored."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from scenario_steps import household_of, joined

pytestmark = pytest.mark.e2e


def documents_of(running, person_id: str) -> int:
    """How many documents the store holds for the person, read through the API's certificate ledger and reports."""
    ledger = running.http.get(
        "/api/v1/certificates", params={"person_id": person_id}, headers=running.headers("backoffice")
    ).json()
    return len(ledger["certificates"])


def test_an_elderly_person_gets_the_eligibility_certificate_and_the_elderly_recipient_certificate(running):
    house = joined(running, birth_date="1954-05-10")  # 72 on the business date
    person_id = house["person_ids"][0]
    counter = running.headers("counter")
    issued = {}
    for kind in ("eligibility_certificate", "elderly_recipient_certificate"):
        answer = running.http.post(
            "/api/v1/documents",
            json={"kind": kind, "person_id": person_id, "options": {"paper": "a4_carrier"}},
            headers=counter,
        )
        assert answer.status_code == 201, answer.text
        issued[kind] = answer.json()
        assert issued[kind]["title"].endswith(
            {"eligibility_certificate": "資格確認書", "elderly_recipient_certificate": "高齢受給者証"}[kind]
        )
    if shutil.which("pdftotext"):
        pdf = running.http.get(issued["elderly_recipient_certificate"]["links"]["content"], headers=counter).content
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        assert "高齢受給者証" in text and "割" in text and "令和" in text  # the share and 和暦 dates


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"kind": "driving_licence", "person_id": "000000001"}, 400, "kind"),
        (
            {"kind": "eligibility_certificate", "person_id": "{person}", "options": {"paper": "papyrus"}},
            422,
            "options.paper",
        ),
        (
            {"kind": "eligibility_certificate", "person_id": "{person}", "options": {"colour": "red"}},
            422,
            "options.colour",
        ),
        ({"kind": "age75_target_list", "person_id": "{person}"}, 422, "person_id"),
        ({"kind": "eligibility_certificate", "person_id": "{uninsured}"}, 422, "person_id"),
        ({"kind": "eligibility_certificate", "person_id": "999999999"}, 404, None),
    ],
)
def test_a_bad_document_request_is_a_problem_and_stores_nothing(running, body, status, field):
    insured = joined(running)["person_ids"][0]
    uninsured = household_of(running, [{"birth_date": "1990-01-01"}])["person_ids"][0]
    request = {k: (v.format(person=insured, uninsured=uninsured) if isinstance(v, str) else v) for k, v in body.items()}
    before = documents_of(running, request.get("person_id", insured))

    answer = running.http.post("/api/v1/documents", json=request, headers=running.headers("counter"))

    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    if field:
        assert field in [e["field"] for e in problem.get("errors", [])], problem
        assert all(e["rule"] for e in problem["errors"]), problem  # every refusal names its rule
    assert documents_of(running, request.get("person_id", insured)) == before
