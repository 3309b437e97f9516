"""RFC 9457 problem+json: the one shape of every error the gateway answers."""

from __future__ import annotations

import json
import logging

import grpc
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionResponse
from starlette.exceptions import HTTPException

from nhi_common import errors, paging, rpc

log = logging.getLogger(__name__)

TYPE_BASE = "https://nhi.example/problems/"
MEDIA_TYPE = "application/problem+json"

# status -> (kind, title) when nothing more specific is known
DEFAULTS = {
    400: ("validation", "Bad Request"),
    401: ("unauthenticated", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not Found"),
    405: ("method-not-allowed", "Method Not Allowed"),
    406: ("not-acceptable", "Not Acceptable"),
    409: ("conflict", "Conflict"),
    413: ("too-large", "Content Too Large"),
    415: ("unsupported-media-type", "Unsupported Media Type"),
    422: ("unprocessable", "Unprocessable Content"),
    500: ("internal", "Internal Server Error"),
    501: ("not-implemented", "Not Implemented"),
    503: ("unavailable", "Service Unavailable"),
    504: ("timeout", "Gateway Timeout"),
}

RESERVED = {"type", "title", "status", "detail", "instance", "errors", "code"}


def kind_url(kind: str) -> str:
    return TYPE_BASE + kind


class Problem(ProblemException):
    """A problem the gateway raises itself; rendered by render()."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        title: str | None = None,
        errors: list[dict] | None = None,
        headers: dict | None = None,
        extra: dict | None = None,
    ) -> None:
        default_kind, default_title = DEFAULTS.get(status, ("error", "Error"))
        ext = dict(extra or {})
        if errors:
            ext["errors"] = errors
        super().__init__(
            status=status,
            title=title or default_title,
            detail=detail,
            type=kind_url(kind or default_kind),
            headers=headers,
            ext=ext,
        )


def field_error(field: str, message: str, rule: str = "") -> dict:
    return {"field": field, "message": message, "rule": rule}


def body(status: int, *, type_: str | None, title: str | None, detail: str | None, ext: dict | None = None) -> dict:
    """The problem document: standard members first, extensions after."""
    default_kind, default_title = DEFAULTS.get(status, ("error", "Error"))
    if not type_ or type_ == "about:blank":
        type_ = kind_url(default_kind)
    doc = {"type": type_, "title": title or default_title, "status": status, "detail": detail or title or default_title}
    for key, value in (ext or {}).items():
        if key not in ("type", "title", "status", "detail"):
            doc[key] = value
    return doc


def response(status: int, doc: dict, headers: dict | None = None) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status,
        mimetype=MEDIA_TYPE,
        content_type=MEDIA_TYPE,
        body=json.dumps(doc, ensure_ascii=False),
        headers=dict(headers or {}),
    )


def render(exc: ProblemException) -> ConnexionResponse:
    status = exc.status or 500
    headers = dict(exc.headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="nhi-api"')
    ext = exc.ext if isinstance(exc.ext, dict) else {}
    doc = body(status, type_=exc.type, title=exc.title, detail=exc.detail, ext=ext)
    # Connexion's 403 detail lists the token's scopes: the caller knows them already, keep it generic.
    if status == 403 and not isinstance(exc, Problem):
        doc["detail"] = "the token does not hold a role this operation allows"
    # Type and status only: details may quote input, and input may hold personal data.
    log.info("answered problem %s %s", status, doc["type"])
    return response(status, doc, headers)


def problem_handler(_request, exc: ProblemException) -> ConnexionResponse:
    """Connexion error handler for every ProblemException (security, validation, our own)."""
    return render(exc)


def http_exception_handler(_request, exc: HTTPException) -> ConnexionResponse:
    """Starlette HTTP errors (unknown path, wrong method, Flask aborts) as problems."""
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else None
    if status == 405:
        detail = "this method is not allowed on this resource"
    elif status == 404:
        detail = "no such resource"
    return render(
        ProblemException(
            status=status,
            title=DEFAULTS.get(status, ("", None))[1],
            detail=detail,
            headers=getattr(exc, "headers", None),
        )
    )


def unexpected_handler(_request, exc: Exception) -> ConnexionResponse:
    """Anything else: a 500 that never leaks internals."""
    log.error("unhandled %s", type(exc).__name__, exc_info=exc)
    return render(Problem(500, "the request could not be completed"))


# gRPC status -> HTTP status
GRPC_TO_HTTP = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.FAILED_PRECONDITION: 422,
    grpc.StatusCode.OUT_OF_RANGE: 422,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.UNIMPLEMENTED: 501,
}

# A page request a service refuses is a query parameter the client sent as it was (page_size, cursor), and a job date
# out of reach a value it sent as it was: as malformed as one the spec refuses itself, so 400 like those. Other
# INVALID_ARGUMENTs keep their 422.
MALFORMED_INPUT = frozenset({paging.INVALID_CURSOR, paging.INVALID_PAGE_SIZE, errors.DATE_OUT_OF_RANGE})


def from_rpc_error(error: grpc.RpcError, service: str) -> Problem:
    """Translate a failed gRPC call into the problem the client sees."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    status = GRPC_TO_HTTP.get(code, 500)
    # A refusal the client can act on (4xx) is ordinary business: INFO. Only a failure of ours is a WARNING.
    log.log(
        logging.WARNING if status >= 500 else logging.INFO,
        "%s call failed with %s",
        service,
        code.name if code else "UNKNOWN",
    )
    if status == 500:
        return Problem(500, "the request could not be completed")
    if status == 503:
        return Problem(503, f"the {service} service is not available; try again later")
    if status == 504:
        # The call may have done its work after the deadline passed: "try again" would be wrong advice.
        return Problem(
            504,
            f"the {service} service did not answer in time; a change it was asked for may have been made: repeat the "
            "request with the same Idempotency-Key to get its answer without making it twice",
        )
    if status == 501:
        return Problem(501, f"the {service} service does not implement this operation")
    fields, info = [], None
    status_proto = rpc.read_status(error) if hasattr(error, "trailing_metadata") else None
    if status_proto is not None:
        fields, info = rpc.unpack_details(status_proto)
    if code == grpc.StatusCode.INVALID_ARGUMENT and info is not None and info.reason in MALFORMED_INPUT:
        status = 400
    detail = (error.details() if hasattr(error, "details") else "") or DEFAULTS[status][1]
    extra: dict = {}
    kind = None
    if info is not None and info.reason:
        extra["code"] = info.reason
        # INVALID_ARGUMENT as a reason says nothing the status does not; keep the generic kind.
        if info.reason != code.name:
            kind = info.reason.lower().replace("_", "-")
        for key, value in info.metadata.items():
            if key not in RESERVED:
                # ErrorInfo's metadata holds text only: an absent value (a list's person) comes as "", and is null.
                if not value:
                    extra[key] = None
                elif key.endswith(("version", "version_id")) and value.isdigit():
                    extra[key] = int(value)
                else:
                    extra[key] = value
    errors = [field_error(f.field, f.description, f.rule) for f in fields] or None
    return Problem(status, detail, kind=kind, errors=errors, extra=extra)
