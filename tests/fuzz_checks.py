"""Checks of our own for the spec-driven fuzz run, and one fix to the tool (loaded by schemathesis through
SCHEMATHESIS_HOOKS)."""

from __future__ import annotations

import functools
import json

import schemathesis
from hypothesis.internal import lambda_sources

PROBLEM = "application/problem+json"
TYPE_BASE = "https://nhi.example/problems/"


@schemathesis.check
def every_error_is_a_problem(ctx, response, case):
    """Every 4xx and 5xx is RFC 9457 problem+json: type, title, status (the answer's own), detail."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    if not content_type.startswith(PROBLEM):
        raise AssertionError(f"a {response.status_code} answered {content_type or 'no content type'}, not {PROBLEM}")
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"a {response.status_code} problem is not JSON") from None
    missing = [key for key in ("type", "title", "status", "detail") if not body.get(key)]
    if missing:
        raise AssertionError(f"a {response.status_code} problem lacks {', '.join(missing)}")
    if body["status"] != response.status_code or not str(body["type"]).startswith(TYPE_BASE):
        raise AssertionError(f"a {response.status_code} problem says status {body['status']}, type {body['type']}")
    return None


def _tolerate_ast_recursion_mismatch(describe):
    """CPython 3.11's ast.parse may raise SystemError ("AST constructor recursion depth mismatch", fixed in 3.12) when
    hypothesis names a lambda of schemathesis's deep in a stack, which crashed a run as an internal error. The name is
    only ever printed: fall back to hypothesis's own "<unknown>" description."""

    @functools.wraps(describe)
    def described(f):
        try:
            return describe(f)
        except SystemError:
            return "lambda: <unknown>"

    return described


lambda_sources._lambda_description = _tolerate_ast_recursion_mismatch(lambda_sources._lambda_description)
