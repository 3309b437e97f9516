"""The counter's screens: search, the person with their periods and history, the household, the intake queue."""

from __future__ import annotations

import flask

from . import dates, labels, security
from .apiclient import ApiError
from .blueprint import api, bp, may, render

SEARCH_FIELDS = ("name_kana", "birth_date", "symbol", "number", "branch_no", "household_id", "person_id", "my_number")


@bp.get("/")
@security.login_required
def home():
    return render("home.html", query={}, errors={})


@bp.post("/purpose")
@security.login_required
def set_purpose():
    """The purpose the clerk is working for, sent with every API call as X-Purpose and kept in the audit log."""
    purpose = flask.request.form.get("purpose", "").strip()[:200]
    flask.session["purpose"] = purpose
    return flask.redirect(security.safe_next(flask.request.form.get("next")), code=303)


def current_purpose() -> str:
    return flask.session.get("purpose", "")


@bp.get("/persons")
@security.login_required
def search():
    """Search as clerks type: kana in any script or width, 記号・番号・枝番, 宛名番号, birth date, My Number."""
    args = flask.request.args
    query = {key: (args.get(key) or "").strip() for key in SEARCH_FIELDS}
    errors: dict[str, list[str]] = {}
    params = {k: v for k, v in query.items() if v and k not in ("birth_date", "person_id")}
    if query["birth_date"]:
        try:
            params["birth_date"] = dates.parse(query["birth_date"]).isoformat()
        except dates.DateInputError as exc:
            errors["birth_date"] = [str(exc)]
    if query["person_id"]:
        return flask.redirect(flask.url_for("console.person", person_id=query["person_id"]))
    if query["my_number"] and "mynumber:read" not in security.scopes():
        errors["my_number"] = ["個人番号での検索には「個人番号の表示・検索」の権限が必要です"]
    if query["my_number"] and not current_purpose():
        errors.setdefault("purpose", []).append("個人番号で検索するときは利用目的を入力してください")
    if not params and not errors:
        errors["name_kana"] = ["検索条件を1つ以上入力してください"]
    if errors:
        return render("home.html", 400, query=query, errors=errors)
    params["page_size"] = 50
    params["cursor"] = args.get("cursor") or None
    try:
        found = api(purpose=current_purpose()).get("/persons", params)
    except ApiError as exc:
        if exc.status in (400, 403) and exc.field_errors():
            return render("home.html", exc.status, query=query, errors=exc.field_errors(), problem=exc)
        raise
    return render("search.html", query=query, persons=found["persons"], next_cursor=found.get("next_cursor"), errors={})


@bp.get("/persons/<person_id>")
@security.login_required
def person(person_id: str):
    """The person: attributes, statuses, the insured periods on a timeline (as of a date, as known at a moment),
    every recorded version, the decisions about them, their certificates and what is due to print."""
    args = flask.request.args
    errors: dict[str, list[str]] = {}
    as_of = known_at = None
    try:
        as_of = dates.iso_or_none(args.get("as_of"))
    except dates.DateInputError as exc:
        errors["as_of"] = [str(exc)]
    try:
        known_at = dates.iso_or_none(args.get("known_at"))
    except dates.DateInputError as exc:
        errors["known_at"] = [str(exc)]
    reads = [
        (f"/persons/{person_id}", None),
        (
            f"/persons/{person_id}/qualification",
            {"as_of": as_of, "known_at": f"{known_at}T23:59:59+09:00" if known_at else None},
        ),
        (f"/persons/{person_id}/history", None),
        ("/decisions", {"person_id": person_id, "page_size": 20}),
        ("/certificates", {"person_id": person_id}),
    ]
    if may("print_queue.list_items"):
        reads.append(("/print-queue", {"person_id": person_id, "printed": "false"}))
    subject, qualification, history, decisions, certificates, *queue = api(purpose=current_purpose()).get_all(*reads)
    decisions, certificates = decisions["decisions"], certificates["certificates"]
    due = queue[0]["items"] if queue else []
    return render(
        "person.html",
        person=subject,
        qualification=qualification,
        periods=_timeline(history["versions"], known_at),
        person_versions=history["person_versions"],
        decisions=decisions,
        certificates=certificates,
        due=due,
        as_of=args.get("as_of", ""),
        known_at=args.get("known_at", ""),
        errors=errors,
        reveal=args.get("reveal") == "mynumber" and "mynumber:read" in security.scopes(),
        labels=labels,
    )


def _timeline(versions: list[dict], known_at: str | None) -> list[dict]:
    """The periods as they stand (or as they stood at the end of the day `known_at`), oldest first, each with the
    versions it replaced; a voided period is kept and shown struck through."""
    by_period: dict[str, list[dict]] = {}
    for version in sorted(versions, key=lambda v: v["version_id"]):
        if known_at and version["recorded_at"][:10] > known_at:
            continue
        by_period.setdefault(version["period_id"], []).append(version)
    periods = [{"current": vs[-1], "earlier": vs[:-1][::-1]} for vs in by_period.values()]
    return sorted(periods, key=lambda p: p["current"]["acquired_on"] or "")


@bp.get("/households/<household_id>")
@security.login_required
def household(household_id: str):
    args = flask.request.args
    errors: dict[str, list[str]] = {}
    as_of = None
    try:
        as_of = dates.iso_or_none(args.get("as_of"))
    except dates.DateInputError as exc:
        errors["as_of"] = [str(exc)]
    found = api(purpose=current_purpose()).get(f"/households/{household_id}", {"as_of": as_of})
    return render("household.html", household=found, as_of=args.get("as_of", ""), errors=errors, labels=labels)


@bp.get("/intake")
@security.login_required
def intake():
    """The changes from the resident registry waiting for the counter (住民異動の未処理一覧)."""
    state = flask.request.args.get("state") or "open"
    found = api().get("/intake-items", {"state": state, "page_size": 100, "cursor": flask.request.args.get("cursor")})
    return render("intake.html", items=found["items"], next_cursor=found.get("next_cursor"), state=state, labels=labels)
