"""An optional date or code the backend lacks answers null, as the spec declares, never "" against its format."""

from __future__ import annotations

from gateway_checks import auth

from nhi_gateway.app import load_spec
from nhi_gateway.nulls import absent_as_null

NOTIFICATION = {
    "kind": "status",
    "reason": "status",
    "household_id": "H1",
    "persons": [{"person_id": "P1"}],
    "event_date": "2026-11-10",
    "notified_on": "2026-11-20",
    "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-01"},
}


def test_an_open_status_answers_null_for_its_end_separation_date_and_code(client):
    response = client.get("/api/v1/persons/P1", headers=auth("counter"))
    assert response.status_code == 200, response.text
    [status] = response.json()["statuses"]
    assert status["start"] == "2026-04-01"
    assert (status["end"], status["separation_date"], status["separation_code"]) == (None, None, None)
    assert status["display_name"] is None and status["evidence"] == []  # an array stays an array


def test_a_status_sent_with_null_end_is_an_open_status(client, backends):
    status = {"person_id": "P1", "kind": "student_away", "start": "2026-04-01", "end": None, "separation_code": None}
    response = client.post(
        "/api/v1/notifications", json={**NOTIFICATION, "statuses": [status]}, headers=auth("counter")
    )
    assert response.status_code == 201, response.text
    sent = backends.recorder.last("SubmitNotification").statuses[0]
    assert (sent.start, sent.end, sent.separation_code) == ("2026-04-01", "", "")


def test_every_nullable_field_is_found_through_refs_lists_and_all_of():
    spec = load_spec()
    schemas = spec["components"]["schemas"]
    person = dict(schemas["Person"], properties=dict(schemas["Person"]["properties"]))
    person["properties"]["statuses"] = {"type": "array", "items": schemas["StatusPeriod"]}
    schema = {"allOf": [{"type": "object", "properties": {"members": {"type": "array", "items": person}}}]}
    doc = {"members": [{"birth_date": "", "statuses": [{"end": "", "separation_code": "", "start": "2026-04-01"}]}]}
    assert absent_as_null(doc, schema) == {
        "members": [{"birth_date": "", "statuses": [{"end": None, "separation_code": None, "start": "2026-04-01"}]}]
    }


def test_a_schemas_parts_are_merged_once_not_for_every_answer(monkeypatch):
    from nhi_gateway import nulls

    merged: list[str] = []
    merge = nulls._merged
    monkeypatch.setattr(nulls, "_merged", lambda schema, keyword: merged.append(keyword) or merge(schema, keyword))
    item = {"allOf": [{"type": "object", "properties": {"end": {"type": "string", "nullable": True}}}]}
    schema = {"type": "object", "properties": {"rows": {"type": "array", "items": item}}}
    answers = []
    for _ in range(3):
        assert absent_as_null({"rows": [{"end": ""}, {"end": "2026-01-01"}]}, schema) == {
            "rows": [{"end": None}, {"end": "2026-01-01"}]
        }
        answers.append(len(merged))
    assert answers[0] > 0 and answers == [answers[0]] * 3
