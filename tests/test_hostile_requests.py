"""Issue 7's server errors found by fuzzing, each against the real gateway and services: a clear 4xx problem naming
the field (or the work done and answered once), never a 500, and nothing stored lost or half-written."""

from __future__ import annotations

import time
import uuid

import pytest
from scenario_steps import household_of, notify

from nhi_gateway.tokens import mint_token

pytestmark = pytest.mark.e2e

# Years no other test decides a burden ratio on (those use 2024-2026), so the facts written here change nothing.
QUIET_YEARS = [*range(1989, 2020), *range(2030, 2101)]


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["type"].startswith("https://nhi.example/problems/")
    return body


def fields(body: dict) -> list[str]:
    return [e["field"] for e in body.get("errors", [])]


def as_operator(running, sub: str, *roles: str, **headers: str) -> dict[str, str]:
    token = mint_token(running.env["NHI_JWT_SECRET"], roles=roles, sub=sub)
    return {"Authorization": f"Bearer {token}", **headers}


@pytest.fixture(scope="module")
def person_ids(running) -> list[str]:
    page = running.http.get("/api/v1/persons", params={"page_size": 500}, headers=running.headers("backoffice"))
    assert page.status_code == 200, page.text
    return [p["person_id"] for p in page.json()["persons"]]


def test_a_line_feed_in_a_path_parameter_is_400_naming_it(running):
    headers = running.headers("backoffice")
    for path, field in [
        ("/api/v1/persons/x%0A", "person_id"),
        ("/api/v1/persons/x%0A/history", "person_id"),
        ("/api/v1/households/H%0A", "household_id"),
        ("/api/v1/jobs/%0A", "job_id"),
    ]:
        assert fields(problem(running.http.get(path, headers=headers), 400)) == [field], path


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/income-facts", '{"incomes": [{"person_id": "1", "taxable_income": 9223372036854775808}]}', None),
        ("/api/v1/income-facts", '{"incomes": [{"person_id": "1", "gross_income": 1' + "0" * 5000 + "}]}", "body"),
        (
            "/api/v1/corrections",
            '{"period_id": "p", "version_id": 9223372036854775808, "correction_reason": "x"}',
            None,
        ),
        ("/api/v1/notifications", '{"expected_household_version": 9223372036854775808}', None),
    ],
)
def test_an_integer_beyond_64_bits_is_400(running, url, body, field):
    headers = running.headers("backoffice", **{"content-type": "application/json"})
    answer = problem(running.http.post(url, content=body, headers=headers), 400)
    named = fields(answer)
    if field:
        assert named == [field]
    else:
        assert any(name.endswith(("taxable_income", "version_id", "expected_household_version")) for name in named)


@pytest.mark.parametrize("url", ["/notifications", "/documents", "/burden-ratio-determinations", "/corrections"])
@pytest.mark.parametrize("body", ["[1, 2]", "42", "[" * 10_000 + "]" * 10_000])
def test_a_body_that_is_no_object_or_nested_10000_deep_is_400(running, url, body):
    headers = running.headers("backoffice", **{"content-type": "application/json"})
    assert fields(problem(running.http.post("/api/v1" + url, content=body, headers=headers), 400)) == ["body"]


def test_a_job_without_content_type_is_415_and_queues_nothing(running):
    response = running.http.post("/api/v1/jobs", content=b'{"kind": "age75_loss"}', headers=running.headers("batch"))
    assert fields(problem(response, 415)) == ["Content-Type"]


def test_a_job_for_the_year_9999_is_400_naming_its_date(running):
    body = {"kind": "age75_loss", "parameters": {"date": "9999-12-31"}}
    answer = problem(running.http.post("/api/v1/jobs", json=body, headers=running.headers("batch")), 400)
    assert fields(answer) == ["parameters.date"] and answer["code"] == "DATE_OUT_OF_RANGE"


def test_ten_thousand_income_facts_are_stored_and_answered_within_the_deadline_once_per_key(running, person_ids):
    pairs = [(p, year) for year in QUIET_YEARS for p in person_ids]
    facts = [
        {"person_id": p, "income_year": year, "taxable_income": n, "gross_income": n}
        for n, (p, year) in enumerate((pairs * 2)[:10_000])
    ]
    distinct = len({(f["person_id"], f["income_year"]) for f in facts})
    key = {"Idempotency-Key": f"facts-{uuid.uuid4()}"}
    first = running.http.post("/api/v1/income-facts", json={"incomes": facts}, headers=running.headers("batch", **key))
    assert first.status_code == 200, first.text  # past the deadline it would be 504
    assert first.json() == {"recorded": distinct}
    again = running.http.post("/api/v1/income-facts", json={"incomes": facts}, headers=running.headers("batch", **key))
    assert again.status_code == 200 and again.json() == first.json()


def test_an_idempotency_key_is_the_operators_own(running, person_ids):
    key = f"shared-{uuid.uuid4()}"
    mine = {"incomes": [{"person_id": person_ids[0], "income_year": 1990, "taxable_income": 1}]}
    theirs = {"incomes": [{"person_id": person_ids[0], "income_year": 1990, "taxable_income": 2}, mine["incomes"][0]]}
    first = running.http.post(
        "/api/v1/income-facts",
        json=mine,
        headers=as_operator(running, "clerk-a", "backoffice", **{"Idempotency-Key": key}),
    )
    other = running.http.post(
        "/api/v1/income-facts",
        json=theirs,
        headers=as_operator(running, "clerk-b", "backoffice", **{"Idempotency-Key": key}),
    )
    assert first.json() == {"recorded": 1}
    assert other.status_code == 200, other.text  # not clerk-a's answer replayed, not a key reused
    assert other.json() == {"recorded": 1}  # the later fact of one person and year kept
    reused = running.http.post(
        "/api/v1/income-facts",
        json=theirs,
        headers=as_operator(running, "clerk-a", "backoffice", **{"Idempotency-Key": key}),
    )
    assert problem(reused, 422)["code"] == "IDEMPOTENCY_KEY_REUSED"


@pytest.mark.parametrize("wildcard", ["%", "_", "%%", "_%"])
def test_a_like_wildcard_in_name_kana_matches_nobody(running, wildcard):
    found = running.http.get("/api/v1/persons", params={"name_kana": wildcard}, headers=running.headers("counter"))
    assert found.status_code == 200, found.text
    assert found.json()["persons"] == []


def test_an_open_status_answers_null_for_its_end_separation_date_and_code(running):
    house = household_of(running, [{"birth_date": "1970-05-01"}])
    [person] = house["person_ids"]
    base = {"household_id": house["household_id"], "persons": [{"person_id": person}], "event_date": "2026-10-01"}
    assert notify(running, {**base, "kind": "join", "reason": "move_in"}).status_code == 201
    status = {"person_id": person, "kind": "card_registration", "start": "2026-10-01", "end": None}
    status = {**status, "evidence": ["national_registration_record"]}  # マイナ保険証 利用登録, open-ended
    registered = notify(running, {**base, "kind": "status", "reason": "status", "statuses": [status]}, "backoffice")
    assert registered.status_code == 201, registered.text
    for shown in (
        registered.json()["decision"]["statuses"][0],
        running.http.get(f"/api/v1/persons/{person}", headers=running.headers("counter")).json()["statuses"][0],
    ):
        assert shown["start"] == "2026-10-01"
        assert (shown["end"], shown["separation_date"], shown["separation_code"]) == (None, None, None)


def test_a_20_mb_body_is_413_before_it_is_read(running):
    headers = running.headers("backoffice", **{"content-type": "application/json"})
    started = time.monotonic()
    answer = problem(running.http.post("/api/v1/income-facts", content=b" " * (20 * 1024 * 1024), headers=headers), 413)
    assert fields(answer) == ["body"]
    assert time.monotonic() - started < 10
