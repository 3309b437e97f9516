"""Signing in to the console: a role picker where local sign-in is configured (`make run`), the municipality's
OpenID Connect provider otherwise; signing out."""

from __future__ import annotations

import re
import time

import flask

from ..tokens import ROLES, SCOPES, mint_token
from . import security
from .blueprint import bp, config, render

CONSOLE_ROLES = ("counter", "backoffice", "auditor", "admin")  # the batch role is for programs, not people
OPERATOR_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
LOCAL_TOKEN_HOURS = security.SESSION_HOURS


@bp.get("/login")
def login():
    if security.signed_in():
        return flask.redirect(security.safe_next(flask.request.args.get("next")))
    return render("login.html", next=flask.request.args.get("next") or "", **_choices())


def _choices() -> dict:
    cfg = config()
    return {
        "local_signin": cfg.local_signin,
        "oidc": cfg.oidc is not None,
        "roles": [(r, security.ROLE_LABELS[r]) for r in CONSOLE_ROLES if r in ROLES],
        "scopes": [(s, security.SCOPE_LABELS.get(s, s)) for s in SCOPES],
    }


@bp.post("/login")
def login_local():
    """The demo's role picker: a token minted for the chosen role, as `make token` would."""
    cfg = config()
    if not cfg.local_signin:
        return render("error.html", 404, title="見つかりません", detail="この環境ではローカルサインインは使えません。")
    form = flask.request.form
    role, operator = form.get("role", ""), form.get("operator_id", "").strip()
    wanted = [s for s in form.getlist("scope") if s in SCOPES]
    errors: dict[str, list[str]] = {}
    if role not in CONSOLE_ROLES:
        errors["role"] = ["役割を選んでください"]
    if not OPERATOR_ID.match(operator):
        errors["operator_id"] = ["職員番号は英数字と . _ @ - で 64 文字までです"]
    if errors:
        return render("login.html", 400, next=form.get("next", ""), errors=errors, form=form, **_choices())
    token = mint_token(
        cfg.jwt_secret,
        roles=[role],
        scopes=wanted,
        sub=operator,
        ttl_hours=LOCAL_TOKEN_HOURS,
        issuer=cfg.jwt_issuer,
        audience=cfg.jwt_audience,
    )
    security.sign_in(
        token=token, sub=operator, roles=[role], scopes=wanted, expires_at=time.time() + LOCAL_TOKEN_HOURS * 3600
    )
    return flask.redirect(security.safe_next(form.get("next")), code=303)


@bp.post("/logout")
def logout():
    via = flask.session.get("signed_in_via")
    security.sign_out()
    if config().oidc is not None:
        from .oidc import signed_out  # offers the provider's sign-out too, when it has one

        offer = signed_out(via)
        if offer is not None:
            return offer
    return flask.redirect(flask.url_for("console.login"), code=303)
