"""The access log: one INFO line per request with the route as the spec writes it, never the path as sent."""

from __future__ import annotations

import json
import logging

from gateway_checks import auth

from nhi_common.logs import JsonFormatter


def _lines(caplog) -> list[dict]:
    formatter = JsonFormatter("gateway")
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "nhi_gateway.access"]


def test_each_request_is_logged_with_its_route_template_status_duration_and_trace_id(client, caplog):
    caplog.set_level(logging.INFO, logger="nhi_gateway.access")
    client.get("/api/v1/persons/P1234567", headers=auth("counter"))
    client.get("/api/v1/persons/P1234567")  # no token: refused before any handler runs
    client.get("/healthz")
    lines = _lines(caplog)
    assert [(x["method"], x["route"], x["status"]) for x in lines] == [
        ("GET", "/api/v1/persons/{person_id}", 200),
        ("GET", "/api/v1/persons/{person_id}", 401),
    ]
    for line in lines:
        assert line["level"] == "INFO"
        assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
        assert len(line["trace_id"]) == 32
        assert "P1234567" not in json.dumps(line)


def test_a_client_trace_is_continued_and_a_query_never_reaches_the_log(client, caplog):
    caplog.set_level(logging.INFO, logger="nhi_gateway.access")
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    client.get(
        "/api/v1/persons?name_kana=%E3%83%A4%E3%83%9E%E3%83%80&my_number=123456789018",
        headers={**auth("counter"), "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"},
    )
    (line,) = _lines(caplog)
    assert line["route"] == "/api/v1/persons" and line["trace_id"] == trace_id
    assert "ヤマダ" not in json.dumps(line, ensure_ascii=False) and "123456789018" not in json.dumps(line)


def test_an_unrouted_path_is_logged_without_the_path_as_sent(client, caplog):
    caplog.set_level(logging.INFO, logger="nhi_gateway.access")
    assert client.get("/api/v1/no-such-thing/ヤマダ", headers=auth("counter")).status_code == 404
    (line,) = _lines(caplog)
    assert line["route"] == "(unrouted)" and line["status"] == 404
