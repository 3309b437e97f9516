"""What every handler needs: the caller, the backends, the RequestContext."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import flask
from connexion.context import context, operation

from ..auth import Principal
from ..grpc_clients import Backends, request_context
from ..nulls import absent_as_null
from ..problems import Problem, field_error
from ..tokens import DV_READ

EXTENSION = "nhi_gateway"
# The business dates a rehearsal may act on: the income years the rules know (1989-2100, as IncomeFact.income_year);
# the year 0034 would have a batch look for persons born in the year -41.
FIRST_BUSINESS_DATE, LAST_BUSINESS_DATE = dt.date(1989, 1, 1), dt.date(2100, 12, 31)


def backends() -> Backends:
    return flask.current_app.extensions[EXTENSION].backends


def principal() -> Principal:
    return Principal.from_token_info(context["token_info"])


PURPOSE_HEADER = "X-Purpose"
MAX_PURPOSE = 200


def purpose(*, required_because: str = "") -> str:
    """The client's X-Purpose (why it acts, kept in the audit log); refused (400, rule purpose-required) when
    absent and `required_because` says why this request needs one."""
    raw = flask.request.headers.get(PURPOSE_HEADER) or ""
    try:
        # A header carries ASCII: other text comes percent-encoded as UTF-8 (%E7%AA%93%E5%8F%A3 for 窓口).
        given = urllib.parse.unquote(raw, errors="strict").strip() if raw.isascii() else None
    except UnicodeDecodeError:
        given = None
    if given is None or len(given) > MAX_PURPOSE or any(ord(c) < 0x20 or ord(c) == 0x7F for c in given):
        rule = f"at most {MAX_PURPOSE} characters, percent-encoded UTF-8 beyond ASCII, no control characters"
        raise Problem(400, f"{PURPOSE_HEADER}: {rule}", errors=[field_error(PURPOSE_HEADER, rule, "format")])
    if not given and required_because:
        raise Problem(
            400,
            f"{PURPOSE_HEADER} is required: {required_because}",
            kind="purpose-required",
            title="Purpose required",
            errors=[field_error(PURPOSE_HEADER, f"is required: {required_because}", "purpose-required")],
        )
    return given


def call_context(*, purpose_required_because: str = ""):
    """The RequestContext of this request; X-Business-Date only for the roles allowed to move the date; the
    client's X-Purpose, required when `purpose_required_because` says why."""
    why = purpose(required_because=purpose_required_because)
    caller = principal()
    business_date = flask.request.headers.get("X-Business-Date") or None
    if business_date and not caller.may_set_business_date():
        raise Problem(
            403,
            "X-Business-Date is allowed only for backoffice, batch and admin",
            kind="forbidden",
            errors=[field_error("X-Business-Date", "is not allowed for this role", "role")],
        )
    if business_date and not FIRST_BUSINESS_DATE <= dt.date.fromisoformat(business_date) <= LAST_BUSINESS_DATE:
        raise Problem(
            400,
            f"X-Business-Date must lie from {FIRST_BUSINESS_DATE} to {LAST_BUSINESS_DATE}",
            errors=[
                field_error("X-Business-Date", f"must lie from {FIRST_BUSINESS_DATE} to {LAST_BUSINESS_DATE}", "range")
            ],
        )
    context = request_context(
        caller, idempotency_key=flask.request.headers.get("Idempotency-Key"), business_date=business_date
    )
    context.purpose = why
    return context


def list_context():
    """The RequestContext of a search or list that may name DV support-measure persons: they are listed only to
    the dv:read scope (rule DV), which must then give its purpose (kept in the audit row of the listing)."""
    listing = DV_READ in principal().scopes
    return call_context(
        purpose_required_because=f"the scope {DV_READ} lists persons under a DV support measure" if listing else ""
    )


def ok(doc: dict, status: int = 200, headers: dict | None = None) -> flask.Response:
    """A JSON answer (the spec lists problem+json too, so the media type is stated, not inferred), with each
    absent value the spec declares nullable as null."""
    doc = absent_as_null(doc, operation.response_schema(status, "application/json"))
    response = flask.current_app.json.response(doc)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
