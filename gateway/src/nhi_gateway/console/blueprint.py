"""The console's Flask blueprint and what every page shares: the API as the signed-in clerk, the roles check of
the API's `x-roles`, CSRF on every change, security headers, and problem+json answers shown as Japanese pages."""

from __future__ import annotations

import dataclasses
import logging
import pathlib
import time
import typing as t

import flask

from . import dates, security
from .apiclient import Api, ApiError, page_slot, release_page_slot

HERE = pathlib.Path(__file__).parent
log = logging.getLogger(__name__)
bp = flask.Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder=str(HERE / "templates"),
    static_folder=str(HERE / "static"),
    static_url_path="/static",
)


@dataclasses.dataclass
class ConsoleConfig:
    """What the console was installed with (kept on the Flask app)."""

    asgi_app: t.Any
    roles_by_operation: dict[str, list[str]]
    local_signin: bool
    oidc: t.Any = None  # oidc.Client when an identity provider is configured
    jwt_secret: str | None = None
    jwt_issuer: str = "nhi-local"
    jwt_audience: str = "nhi-api"


def config() -> ConsoleConfig:
    return flask.current_app.extensions["nhi_console"]


def may(operation: str) -> bool:
    """Whether the signed-in clerk's roles are among those the API operation's `x-roles` allows (operation ids are
    the handler names after `nhi_gateway.handlers.`, e.g. `persons.search`)."""
    allowed = config().roles_by_operation.get(f"nhi_gateway.handlers.{operation}", [])
    return bool(security.roles() & set(allowed))


def api(*, purpose: str = "") -> Api:
    business_date = flask.session.get("business_date") if security.roles() & {"backoffice", "admin"} else None
    return Api(config().asgi_app, flask.session["token"], purpose=purpose, business_date=business_date)


def render(template: str, status: int = 200, **values) -> flask.Response:
    response = flask.make_response(flask.render_template(template, **values), status)
    return response


def field_errors(exc: ApiError | None) -> dict[str, list[str]]:
    return exc.field_errors() if exc is not None else {}


@bp.before_request
def _before() -> flask.Response | None:
    flask.g.started = time.perf_counter()
    if flask.request.endpoint == "console.static":
        return None
    if flask.request.method not in ("GET", "HEAD", "OPTIONS") and not security.check_csrf():
        return render(
            "error.html",
            403,
            title="この操作は受け付けられません",
            detail="画面の有効期限が切れたか、正しい画面からの送信ではありません（CSRF トークンがありません）。"
            "画面を開き直してから、もう一度操作してください。",
        )
    if not page_slot():
        return render(
            "error.html", 503, title="混み合っています", detail="しばらく待ってから、もう一度操作してください。"
        )
    flask.g.page_slot = True
    return None


@bp.teardown_request
def _release(exc: BaseException | None) -> None:
    if flask.g.pop("page_slot", False):
        release_page_slot()


@bp.after_request
def _after(response: flask.Response) -> flask.Response:
    if flask.request.endpoint == "console.static":
        response.headers["Cache-Control"] = "public, max-age=3600"
    started = flask.g.get("started")
    if started is not None:
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return security.secure_headers(response)


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> flask.Response:
    """A problem the page did not handle itself: sign in again on 401, say what is not allowed on 403."""
    if exc.status == 401:
        security.sign_out()
        return flask.redirect(flask.url_for("console.login", next=flask.request.full_path.rstrip("?")))
    if str(exc.problem.get("type", "")).endswith("/purpose-required"):
        return render(
            "error.html",
            400,
            title="利用目的の入力が必要です",
            detail="個人番号などを読む操作には利用目的が要ります（監査ログに残ります）。画面上部の「利用目的」に入力して"
            "「設定」を押してから、もう一度開いてください。",
        )
    titles = {403: "この操作の権限がありません", 404: "見つかりません", 409: "他の操作と重なりました"}
    title = titles.get(exc.status, "処理できませんでした" if exc.status < 500 else "システムが応答しません")
    return render(
        "error.html", exc.status if exc.status >= 400 else 500, title=title, detail=_in_japanese(exc), failure=exc
    )


def _in_japanese(exc: ApiError) -> str:
    """What the clerk is told: the API's detail is English for programs; the usual cases get Japanese words, the
    API's own detail kept beside them for the help desk."""
    allowed = exc.problem.get("allowed_roles")
    if exc.status == 403 and isinstance(allowed, list):
        names = "・".join(security.ROLE_LABELS.get(r, r) for r in allowed) or "なし"
        mine = "・".join(security.ROLE_LABELS.get(r, r) for r in sorted(security.roles())) or "なし"
        return f"この操作を行える役割は {names} です（あなたの役割：{mine}）。"
    if exc.status == 403:
        return f"この操作は許可されていません（{exc.detail}）。"
    if exc.status == 404:
        return f"指定されたものは見つかりません（{exc.detail}）。"
    if exc.status == 429:
        return "短い時間に操作が多すぎます。少し待ってから、もう一度操作してください。"
    if exc.status >= 500:
        return f"システムが一時的に応答しません。少し待ってから、もう一度操作してください（{exc.detail}）。"
    return exc.detail


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> flask.Response:
    """A fault of ours: logged with its trace (never the data), and a page saying so, not a stack or JSON."""
    from werkzeug.exceptions import HTTPException

    if isinstance(exc, HTTPException):
        return render("error.html", exc.code or 500, title=exc.name, detail=exc.description or "")
    log.exception("console page failed: %s", type(exc).__name__)
    return render(
        "error.html",
        500,
        title="システムの不具合で処理できませんでした",
        detail="登録されたかどうかを画面で確かめてから、もう一度操作してください。続くときは管理者に連絡してください。",
    )


@bp.app_template_filter("wareki")
def _wareki(value: str | None) -> str:
    return dates.display(value)


@bp.app_template_filter("dash")
def _dash(value: t.Any) -> str:
    return "—" if value is None or value == "" else str(value)


@bp.context_processor
def _shared() -> dict:
    return {
        "may": may,
        "signed_in": security.signed_in(),
        "session_roles": sorted(security.roles()),
        "session_scopes": security.scopes(),
        "role_labels": security.ROLE_LABELS,
        "operator": flask.session.get("sub"),
    }
