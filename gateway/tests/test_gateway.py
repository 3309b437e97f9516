"""The gateway against real in-process gRPC servers with fake servicers."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from urllib.parse import quote

import grpc
import jwt
import pytest
from connexion.decorators import FlaskDecorator
from gateway_checks import SECRET, auth, fields, problem, token

from nhi_common import rpc
from nhi_devtools.spec_check import ResponseChecker
from nhi_gateway.app import load_spec


def notification(**overrides) -> dict:
    body = {
        "kind": "join",
        "reason": "move_in",
        "household_id": "H1",
        "persons": [{"person_id": "P1"}, {"person_id": "P2"}],
        "event_date": "2026-11-10",
        "notified_on": "2026-11-20",
        "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-01"},
    }
    body.update(overrides)
    return body


# --- probes -------------------------------------------------------------------------------------


def test_the_root_leads_to_the_console_and_the_swagger_ui_stays(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"].endswith("/console/")
    assert client.get("/api/v1/ui/").status_code == 200


def test_a_handler_is_decorated_once_not_on_every_request(client, backends, monkeypatch):
    """Connexion's decorators around a handler are built when the operation is registered (operations.py); each
    request still gets its own parameters."""
    assert client.get("/api/v1/persons/P1/qualification", headers=auth("counter")).status_code == 200
    decorated = []
    monkeypatch.setattr(FlaskDecorator, "decorate", lambda self, function: decorated.append(function))
    for day in ("2026-04-01", "2026-05-01"):
        response = client.get("/api/v1/persons/P2/qualification", params={"as_of": day}, headers=auth("counter"))
        assert response.status_code == 200 and response.json()["as_of"] == day
        assert backends.recorder.last("GetQualification").as_of == day
    assert decorated == []


def test_healthz_needs_no_token(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_200_when_every_service_serves(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"


def test_readyz_is_503_naming_the_service_that_is_down(client, backends):
    server = backends.servers["interchange"]
    server.health.set("", rpc.health_pb2.HealthCheckResponse.NOT_SERVING)
    try:
        body = problem(client.get("/readyz"), 503)
        assert body["not_ready"] == ["interchange"]
    finally:
        server.health.set("", rpc.health_pb2.HealthCheckResponse.SERVING)
    assert client.get("/readyz").status_code == 200


def test_swagger_ui_and_spec_are_served(client):
    assert client.get("/api/v1/ui/").status_code == 200
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"] == "3.0.3"


# --- authentication and roles -------------------------------------------------------------------


def test_no_token_is_401(client):
    problem(client.get("/api/v1/persons"), 401)
    problem(client.post("/api/v1/notifications", json={}), 401)


def test_bad_signature_is_401(client):
    forged = token("counter", secret="another-secret-" + "y" * 40)
    body = problem(client.get("/api/v1/persons", headers={"Authorization": f"Bearer {forged}"}), 401)
    assert "Signature" in body["detail"]


def test_expired_token_is_401(client):
    old = token("counter", now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=3), ttl_hours=1)
    body = problem(client.get("/api/v1/persons", headers={"Authorization": f"Bearer {old}"}), 401)
    assert "expired" in body["detail"]


def test_wrong_audience_is_401(client):
    other = token("counter", audience="someone-else")
    problem(client.get("/api/v1/persons", headers={"Authorization": f"Bearer {other}"}), 401)


def test_wrong_role_is_403_even_before_the_body_is_checked(client):
    problem(client.post("/api/v1/notifications", json={}, headers=auth("auditor")), 403)
    problem(client.get("/api/v1/audit-events", headers=auth("backoffice")), 403)
    problem(client.get("/api/v1/interchange/aggregation/pending", headers=auth("counter")), 403)


def test_any_listed_role_is_enough(client):
    assert client.get("/api/v1/audit-events", headers=auth("counter", "auditor")).status_code == 200
    assert client.get("/api/v1/interchange/aggregation/pending", headers=auth("admin")).status_code == 200


def test_my_number_search_needs_the_scope(client, backends):
    body = problem(client.get("/api/v1/persons", params={"my_number": "123456789018"}, headers=auth("counter")), 403)
    assert fields(body) == ["my_number"]
    assert not backends.recorder.requests
    response = client.get(
        "/api/v1/persons",
        params={"my_number": "123456789018"},
        headers={**auth("counter", scopes=["mynumber:read"]), "X-Purpose": quote("本人確認")},
    )
    assert response.status_code == 200, response.text
    assert backends.recorder.last("SearchPersons").my_number == "123456789018"


# --- request context ----------------------------------------------------------------------------


def test_my_number_reads_need_a_purpose_and_carry_it(client, backends):
    mynumber = auth("counter", scopes=["mynumber:read"])
    body = problem(client.get("/api/v1/persons", params={"my_number": "123456789018"}, headers=mynumber), 400)
    assert body["type"].endswith("/purpose-required")
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [("X-Purpose", "purpose-required")]
    for path in ("/api/v1/persons/P1", "/api/v1/households/H9", "/api/v1/persons/P1/qualification"):
        problem(client.get(path, headers=mynumber), 400)
    assert not backends.recorder.requests

    response = client.get("/api/v1/persons/P1", headers={**mynumber, "X-Purpose": quote("窓口での資格確認")})
    assert response.status_code == 200, response.text
    assert backends.recorder.last("GetPerson").context.purpose == "窓口での資格確認"
    # Without the scope no My Number is read: the purpose is taken when given, not required.
    assert client.get("/api/v1/persons/P1", headers=auth("counter")).status_code == 200
    assert backends.recorder.last("GetPerson").context.purpose == ""
    too_long = problem(client.get("/api/v1/persons/P1", headers={**auth("counter"), "X-Purpose": "x" * 201}), 400)
    assert too_long["errors"][0]["field"] == "X-Purpose"
    problem(client.get("/api/v1/persons/P1", headers={**mynumber, "X-Purpose": "%E7%AA"}), 400)  # not UTF-8
    # dv:read may read the address of a household under a DV support measure: with a purpose only.
    dv = auth("counter", scopes=["dv:read"])
    assert problem(client.get("/api/v1/households/H9", headers=dv), 400)["errors"][0]["field"] == "X-Purpose"
    assert client.get("/api/v1/households/H9", headers={**dv, "X-Purpose": "dv-check"}).status_code == 200
    assert client.get("/api/v1/persons/P1", headers=dv).status_code == 200  # no address there


def test_audit_events_merge_every_service_by_time_with_a_cursor(client, backends):
    first = client.get("/api/v1/audit-events", params={"page_size": 5, "target_kind": "person"}, headers=auth("admin"))
    assert first.status_code == 200, first.text
    page = first.json()
    assert [e["event_id"] for e in page["events"]] == [
        "qualification-1", "documents-1", "integration-1", "interchange-1", "qualification-2",
    ]  # fmt: skip
    assert page["events"][0]["purpose"] == "窓口での資格確認" and page["events"][4]["purpose"] is None
    assert backends.recorder.last("ListAuditEvents:interchange").target_kind == "person"
    rest = client.get("/api/v1/audit-events", params={"page_size": 5, "cursor": page["next_cursor"]},
                      headers=auth("auditor")).json()  # fmt: skip
    assert [e["event_id"] for e in rest["events"]] == ["documents-2", "integration-2", "interchange-2"]
    assert rest["next_cursor"] is None
    one = client.get("/api/v1/audit-events", params={"service": "documents"}, headers=auth("auditor")).json()
    assert {e["service"] for e in one["events"]} == {"documents"}
    refused = problem(client.get("/api/v1/audit-events", params={"cursor": "12"}, headers=auth("auditor")), 400)
    assert refused["errors"][0]["field"] == "cursor"


def test_context_carries_operator_scopes_and_idempotency_key(client, backends):
    response = client.post(
        "/api/v1/notifications", json=notification(), headers=auth("counter", **{"Idempotency-Key": "key-123"})
    )
    assert response.status_code == 201, response.text
    context = backends.recorder.last("SubmitNotification").context
    assert context.idempotency_key == "key-123"
    assert context.operator_id == "clerk-01"
    assert list(context.scopes) == ["counter"]
    assert context.business_date == ""


def test_business_date_header_is_forbidden_for_counter(client, backends):
    body = problem(client.get("/api/v1/persons/P1", headers=auth("counter", **{"X-Business-Date": "2026-04-01"})), 403)
    assert fields(body) == ["X-Business-Date"]
    assert not backends.recorder.requests


def test_business_date_header_reaches_the_service_for_backoffice(client, backends):
    response = client.get("/api/v1/persons/P1", headers=auth("backoffice", **{"X-Business-Date": "2026-04-01"}))
    assert response.status_code == 200, response.text
    assert backends.recorder.last("GetPerson").context.business_date == "2026-04-01"


def test_impossible_business_date_is_400(client):
    body = problem(
        client.get("/api/v1/persons/P1", headers=auth("backoffice", **{"X-Business-Date": "2026-02-30"})), 400
    )
    assert fields(body) == ["X-Business-Date"]


# --- validation ---------------------------------------------------------------------------------


def test_malformed_json_is_400(client):
    response = client.post(
        "/api/v1/notifications",
        content=b'{"kind": "join",',
        headers=auth("counter", **{"Content-Type": "application/json"}),
    )
    body = problem(response, 400)
    assert body["type"].endswith("/malformed-json")


def test_wrong_type_is_400_naming_the_field(client):
    body = problem(
        client.post("/api/v1/notifications", json=notification(persons="everyone"), headers=auth("counter")), 400
    )
    assert fields(body) == ["persons"]
    assert body["errors"][0]["rule"] == "type"


def test_unknown_enum_value_is_400_naming_the_field(client):
    body = problem(
        client.post("/api/v1/notifications", json=notification(reason="moved_by_magic"), headers=auth("counter")), 400
    )
    assert fields(body) == ["reason"]
    assert body["errors"][0]["rule"] == "enum"


def test_impossible_date_is_400(client, backends):
    body = problem(
        client.post("/api/v1/notifications", json=notification(event_date="2025-02-30"), headers=auth("counter")), 400
    )
    assert fields(body) == ["event_date"]
    assert body["errors"][0]["rule"] == "format"
    assert not backends.recorder.requests


def test_impossible_date_in_query_is_400(client):
    body = problem(
        client.get("/api/v1/persons/P1/qualification", params={"as_of": "2025-02-30"}, headers=auth("counter")), 400
    )
    assert fields(body) == ["as_of"]
    body = problem(
        client.get("/api/v1/persons/P1/qualification", params={"known_at": "yesterday"}, headers=auth("counter")), 400
    )
    assert fields(body) == ["known_at"]


def test_missing_required_fields_are_named(client):
    body = notification()
    del body["event_date"]
    body["persons"] = [{"my_number": "123456789018"}]
    result = problem(client.post("/api/v1/notifications", json=body, headers=auth("counter")), 400)
    assert set(fields(result)) == {"event_date", "persons[0].person_id"}
    assert "123456789018" not in str(result)


def test_unknown_property_is_400(client):
    body = problem(client.post("/api/v1/notifications", json=notification(colour="blue"), headers=auth("counter")), 400)
    assert fields(body) == ["colour"]


def test_bad_my_number_shape_is_400_without_echoing_it(client):
    result = problem(
        client.post(
            "/api/v1/notifications",
            json=notification(persons=[{"person_id": "P1", "my_number": "12345"}]),
            headers=auth("counter"),
        ),
        400,
    )
    assert fields(result) == ["persons[0].my_number"]
    assert "12345" not in result["errors"][0]["message"]


def test_unknown_query_parameter_is_400(client):
    body = problem(client.get("/api/v1/persons", params={"nmae_kana": "ヤマダ"}, headers=auth("counter")), 400)
    assert fields(body) == ["nmae_kana"]


def test_unknown_path_and_method_are_problems(client):
    problem(client.get("/api/v1/nothing-here", headers=auth("counter")), 404)
    problem(client.delete("/api/v1/persons", headers=auth("counter")), 405)


# --- gRPC errors --------------------------------------------------------------------------------


def test_invalid_argument_with_field_violation_is_422(client, backends):
    backends.recorder.fail_with = rpc.invalid("persons[0].my_number", "check digit does not match", rule="NUM-MYNUMBER")
    body = problem(
        client.post(
            "/api/v1/notifications",
            json=notification(persons=[{"person_id": "P1", "my_number": "123456789012"}]),
            headers=auth("counter"),
        ),
        422,
    )
    assert body["errors"][0]["field"] == "persons[0].my_number"
    assert body["errors"][0]["rule"] == "NUM-MYNUMBER"


def test_aborted_is_409_with_the_current_version(client, backends):
    backends.recorder.fail_with = rpc.aborted(
        "the household changed", reason="STALE_VERSION", metadata={"current_version": "6"}
    )
    body = problem(
        client.post("/api/v1/notifications", json=notification(expected_household_version=5), headers=auth("counter")),
        409,
    )
    assert body["code"] == "STALE_VERSION"
    assert body["type"] == "https://nhi.example/problems/stale-version"
    assert body["current_version"] == 6


def test_failed_precondition_is_422_and_not_found_is_404(client, backends):
    backends.recorder.fail_with = rpc.failed_precondition("already insured", reason="ALREADY_INSURED")
    assert (
        problem(client.post("/api/v1/notifications", json=notification(), headers=auth("counter")), 422)["code"]
        == "ALREADY_INSURED"
    )
    backends.recorder.fail_with = None
    problem(client.get("/api/v1/persons/missing", headers=auth("counter")), 404)


def test_unavailable_is_503_and_internal_is_500_without_details(client, backends):
    backends.recorder.fail_with = rpc.ServiceError(grpc.StatusCode.UNAVAILABLE, "db down at 10.0.0.7")
    body = problem(client.get("/api/v1/persons", headers=auth("counter")), 503)
    assert "10.0.0.7" not in body["detail"]
    backends.recorder.fail_with = rpc.ServiceError(grpc.StatusCode.INTERNAL, "Traceback: secret stuff")
    body = problem(client.get("/api/v1/persons", headers=auth("counter")), 500)
    assert "secret" not in str(body)


def test_a_deadline_passed_is_504_that_never_says_try_again(client, backends):
    """The work may have been done after the deadline: the answer points to the Idempotency-Key, not to a retry."""
    backends.recorder.fail_with = rpc.ServiceError(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded")
    body = problem(
        client.post("/api/v1/income-facts", json={"incomes": [{"person_id": "P1"}]}, headers=auth("batch")), 504
    )
    assert "try again" not in body["detail"] and "Idempotency-Key" in body["detail"]


def test_unimplemented_is_501(client):
    # The fake integration servicer implements nothing; interchange's QuerySubCopy is not routed, so call
    # through the backends object the way a handler would.
    from nhi.integration.v1 import integration_pb2
    from nhi_gateway.problems import Problem

    backends = client.app.app.extensions["nhi_gateway"].backends
    with pytest.raises(Problem) as raised:
        backends.call("integration", "ListImports", integration_pb2.ListImportsRequest())
    assert raised.value.status == 501


def test_service_down_is_503(backends):
    import dataclasses

    from nhi_gateway.grpc_clients import Backends
    from nhi_gateway.problems import Problem

    down = Backends(dataclasses.replace(backends.settings, qualification_addr="127.0.0.1:1", grpc_deadline_seconds=1))
    from nhi.qualification.v1 import qualification_pb2

    with pytest.raises(Problem) as raised:
        down.call("qualification", "GetPerson", qualification_pb2.GetPersonRequest(person_id="P1"))
    assert raised.value.status == 503
    down.close()


# --- happy paths --------------------------------------------------------------------------------


def test_search_answers_persons_and_next_cursor(client, backends):
    response = client.get(
        "/api/v1/persons", params={"name_kana": "ヤマダ", "page_size": 2, "cursor": "c1"}, headers=auth("counter")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [p["person_id"] for p in body["persons"]] == ["P0", "P1"]
    assert body["next_cursor"] == "c2"
    assert body["persons"][0]["version"] == 3  # int64 as a JSON number
    assert body["persons"][0]["insured"] is False  # defaults present
    request = backends.recorder.last("SearchPersons")
    assert (request.page.page_size, request.page.cursor, request.name_kana) == (2, "c1", "ヤマダ")


def test_notification_dry_run_is_200_and_real_is_201(client, backends):
    response = client.post("/api/v1/notifications", json=notification(dry_run=True), headers=auth("backoffice"))
    assert response.status_code == 200, response.text
    assert response.json()["decision"]["dry_run"] is True
    response = client.post("/api/v1/notifications", json=notification(), headers=auth("counter"))
    assert response.status_code == 201
    body = response.json()
    assert body["household_version"] == 5
    assert [p["acquired_on"] for p in body["decision"]["persons"]] == ["2026-11-10"] * 2
    assert backends.recorder.last("SubmitNotification").dry_run is False


def test_household_qualification_history_intake_and_audit(client, backends):
    assert client.get("/api/v1/households/H9", headers=auth("counter")).json()["version"] == 4
    view = client.get(
        "/api/v1/persons/P1/qualification",
        params={"as_of": "2026-11-09", "known_at": "2026-11-24T10:00:00+09:00"},
        headers=auth("counter"),
    )
    assert view.status_code == 200 and view.json()["insured"] is True
    request = backends.recorder.last("GetQualification")
    assert (request.as_of, request.known_at) == ("2026-11-09", "2026-11-24T10:00:00+09:00")
    assert client.get("/api/v1/persons/P1/history", headers=auth("auditor")).json() == {
        "versions": [],
        "person_versions": [],
    }
    items = client.get("/api/v1/intake-items", params={"state": "open"}, headers=auth("counter")).json()
    assert items["items"][0]["item_id"] == "I1" and items["next_cursor"] is None
    assert backends.recorder.last("ListIntakeItems").state == "open"
    assert client.get("/api/v1/audit-events", headers=auth("auditor")).status_code == 200
    pending = client.get(
        "/api/v1/interchange/aggregation/pending", params={"person_id": "P7"}, headers=auth("backoffice")
    ).json()
    assert pending["records"][0]["person_id"] == "P7" and pending["total"] == 1


def test_the_requests_for_a_manual_answer_need_the_dv_read_scope_and_a_purpose(client, backends):
    url = "/api/v1/interchange/subcopy/manual-requests"
    decision = f"{url}/R1/decision"
    for call in (
        lambda headers: client.get(url, headers=headers),
        lambda headers: client.post(decision, json={"decision": "refuse"}, headers=headers),
    ):
        body = problem(call(auth("backoffice", scopes=("mynumber:read",))), 403)
        assert body["type"].endswith("/scope-required") and "dv:read" in body["detail"]
        body = problem(call(auth("backoffice", scopes=("dv:read",))), 400)
        assert body["type"].endswith("/purpose-required") and fields(body) == ["X-Purpose"]
        problem(call(auth("counter", scopes=("dv:read",), **{"X-Purpose": "check"})), 403)  # the role still counts
    assert not [m for m, _ in backends.recorder.requests if "Manual" in m]
    listed = client.get(url, headers=auth("backoffice", scopes=("dv:read",), **{"X-Purpose": "manual-answer"}))
    assert listed.status_code == 200, listed.text
    context = backends.recorder.last("ListManualRequests").context
    assert "dv:read" in context.scopes and context.purpose == "manual-answer"


def test_the_subcopy_queries_forward_the_callers_scopes_for_rule_dv(client, backends):
    reader = auth("backoffice", scopes=("dv:read",))
    refused = client.get("/api/v1/interchange/subcopy/queries", headers=reader)
    assert problem(refused, 400)["type"].endswith("/purpose-required")
    answer = client.get("/api/v1/interchange/subcopy/queries", headers={**reader, "X-Purpose": "check"})
    assert answer.status_code == 200, answer.text
    assert "dv:read" in backends.recorder.last("ListSubCopyQueries").context.scopes


def test_documents_render_metadata_and_pdf(client, backends):
    created = client.post(
        "/api/v1/documents", json={"kind": "eligibility_certificate", "person_id": "P1"}, headers=auth("counter")
    )
    assert created.status_code == 201, created.text
    meta = created.json()
    assert meta["links"]["content"] == "/api/v1/documents/D1/content"
    assert meta["title"] == "資格確認書"
    assert backends.recorder.last("RenderDocument").format == "pdf"

    as_json = client.get("/api/v1/documents/D1", headers=auth("counter"))
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.json()["document_id"] == "D1"

    as_pdf = client.get("/api/v1/documents/D1", headers=auth("counter", Accept="application/pdf"))
    assert as_pdf.status_code == 200
    assert as_pdf.headers["content-type"].startswith("application/pdf")
    assert as_pdf.content.startswith(b"%PDF")

    content = client.get(meta["links"]["content"], headers=auth("batch"))
    assert content.headers["content-type"].startswith("application/pdf")
    assert "attachment" in content.headers["content-disposition"]
    assert content.content.startswith(b"%PDF")


def test_a_list_refused_for_an_undrawable_character_names_no_person_as_null(client, backends):
    # svc-documents' refusal of a list (no person): gRPC metadata carries text only, so the absent person is ""
    backends.recorder.fail_with = rpc.ServiceError(
        grpc.StatusCode.FAILED_PRECONDITION,
        "name: U+E000 in the name of person - cannot be drawn by any configured font",
        reason="UNDRAWABLE_CHARACTER",
        fields=[rpc.FieldProblem("name", "U+E000 cannot be drawn by any configured font", "STD-文字")],
        metadata={"person_id": "", "field": "name", "character": "U+E000", "kind": "qualification_change_list"},
    )
    body = {"kind": "qualification_change_list", "rows": [{"name": "試験 \ue000"}]}
    refused = client.post("/api/v1/documents", json=body, headers=auth("backoffice"))
    answer = problem(refused, 422)
    ResponseChecker(load_spec()).check(
        "POST", "/api/v1/documents", 422, refused.headers["content-type"], answer
    )  # absent values are null, never ""
    assert answer["type"].endswith("/undrawable-character") and answer["person_id"] is None
    assert (answer["character"], answer["errors"][0]["rule"]) == ("U+E000", "STD-文字")


def test_unknown_document_kind_is_400(client):
    body = problem(
        client.post("/api/v1/documents", json={"kind": "poster", "person_id": "P1"}, headers=auth("counter")), 400
    )
    assert fields(body) == ["kind"]


# --- the token command --------------------------------------------------------------------------


def _token_command(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nhi_gateway.entrypoints.cli", "token", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_token_command_prints_only_a_token_with_the_scopes():
    env = {**os.environ, "NHI_JWT_SECRET": SECRET}
    env.pop("NHI_JWT_ISSUER", None)
    env.pop("NHI_JWT_AUDIENCE", None)
    result = _token_command(
        "--role",
        "counter",
        "--role",
        "backoffice",
        "--scope",
        "mynumber:read",
        "--sub",
        "clerk-09",
        "--ttl-hours",
        "1",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    claims = jwt.decode(lines[0], SECRET, algorithms=["HS256"], audience="nhi-api", issuer="nhi-local")
    assert claims["scope"] == "counter backoffice mynumber:read"
    assert claims["sub"] == "clerk-09"
    assert 3500 <= claims["exp"] - claims["iat"] <= 3600


def test_token_command_without_secret_fails_clearly():
    env = {k: v for k, v in os.environ.items() if k != "NHI_JWT_SECRET"}
    result = _token_command("--role", "counter", env=env)
    assert result.returncode != 0
    assert result.stdout == ""
    assert "NHI_JWT_SECRET" in result.stderr


def test_minted_token_is_accepted_by_the_app(client):
    response = client.get("/api/v1/persons", headers={"Authorization": f"Bearer {token('auditor')}"})
    assert response.status_code == 200


# --- tracing ------------------------------------------------------------------------------------


def test_grpc_client_span_is_a_child_of_the_request_span(client):
    from opentelemetry import trace
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))
    assert client.get("/api/v1/persons/P1", headers=auth("counter")).status_code == 200
    spans = exporter.get_finished_spans()
    server = [s for s in spans if s.kind == trace.SpanKind.SERVER and "persons" in s.name]
    grpc_client = [s for s in spans if s.kind == trace.SpanKind.CLIENT and "GetPerson" in s.name]
    assert server and grpc_client, [(s.name, s.kind) for s in spans]
    assert grpc_client[0].parent.span_id == server[0].context.span_id
    assert grpc_client[0].context.trace_id == server[0].context.trace_id


def test_a_cached_token_is_refused_once_it_expires():
    import time

    from connexion.exceptions import OAuthProblem

    from nhi_gateway.auth import Verifier
    from nhi_gateway.tokens import mint_token as mint

    verifier = Verifier.local(SECRET, "nhi-local", "nhi-api", {})
    token = mint(SECRET, roles=["counter"], ttl_hours=1.5 / 3600)  # valid for 1.5 seconds
    assert verifier.decode(token)["scope"] == "counter"
    assert verifier.decode(token)["scope"] == "counter"  # now from the cache
    time.sleep(2.1)
    with pytest.raises(OAuthProblem) as error:
        verifier.decode(token)
    assert "expired" in error.value.detail
