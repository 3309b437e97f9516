"""The counter's forms: notifications with a preview of the decision before it is stored, the print queue, the
collection of certificates, corrections and undo. Every rule and check stays in the API: these views only turn
typed input into the API's requests, and its answers and problems into Japanese pages."""

from __future__ import annotations

import hashlib
import json
import uuid

import flask
import itsdangerous

from . import dates, labels, security
from .apiclient import ApiError
from .blueprint import api, bp, may, render
from .counter import current_purpose

KINDS = ("join", "leave", "status", "change")
REASONS_OF_KIND = {
    "join": labels.JOIN_REASONS,
    "leave": labels.LEAVE_REASONS,
    "status": ("status",),
    "change": ("head_change",),
}
STATUS_ROWS = 3  # blank special-status rows offered on a status notification
PRINT_OPTIONS = {  # the document options the print queue asks the clerk for, by kind (DocumentRequest.kind)
    "funeral_expense_application": ("as_of",),
    "childbirth_lump_sum_application": ("as_of",),
    "specific_same_household_slip": ("as_of",),
    "former_dependant_slip": ("as_of",),
    "burden_category_slip": ("as_of",),
    "prenatal_reduction_slip": ("expected_on", "births"),
}
OPTION_LABELS = {"as_of": "基準日", "expected_on": "出産予定日", "births": "単胎・多胎"}

# The API's problem codes in the clerk's words; anything else is shown as the API words it.
PROBLEM_WORDS = {
    "NOT_A_MEMBER": "この世帯の世帯員ではありません",
    "NOT_A_DEEMED_HEAD_HOUSEHOLD": "住民票上の世帯主が国保に加入している世帯です（擬制世帯主の変更はできません）",
    "NOT_AN_INSURED_MEMBER": "国保に加入している世帯員ではありません",
    "NOT_INSURED": "国保に加入していません",
    "NOT_RESIDENT": "住民登録がありません",
    "EVENT_BEFORE_BIRTH": "異動日が生年月日より前です",
    "EVENT_IN_FUTURE": "異動日が業務日付より後です",
    "NOTIFIED_IN_FUTURE": "届出日が業務日付より後です",
    "DATE_IN_FUTURE": "日付が業務日付より後です",
    "REASON_KIND_MISMATCH": "この届出の種類では選べない事由です",
    "OVERLAPPING_PERIOD": "すでに加入している期間と重なります",
    "OVERLAPPING_STATUS": "同じ特別な状態の期間と重なります",
    "DUPLICATE_MEMBER": "同じ人が二度選ばれています",
    "EVIDENCE_MISSING": "必要な確認書類が入力されていません",
    "NOT_REGISTERED": "マイナ保険証の利用登録がありません（資格確認書はすでに交付対象です）",
    "PERIOD_END_BEFORE_START": "終了日が開始日より前です",
    "LOSS_BEFORE_ACQUISITION": "資格喪失日が資格取得日より前です",
    "ACQUISITION_BEFORE_BIRTH": "資格取得日が生年月日より前です",
    "ACQUISITION_BEFORE_RESIDENCE": "資格取得日が住民となった日より前です",
    "NOTHING_TO_CORRECT": "訂正する項目がありません",
    "ALREADY_COLLECTED": "この証はすでに回収済み（または紛失）として登録されています",
    "SEPARATION_DATE_MISSING": "離職日を入力してください",
    "REQUIRED": "入力してください",
    "IDEMPOTENCY_KEY_IN_USE": "同じ操作が処理中です。しばらく待ってから画面を開き直してください",
}


def problem_errors(exc: ApiError) -> dict[str, list[str]]:
    """The problem's `errors` by the field they name (body. prefixes off), in Japanese where the code is known,
    with the rule id the API named."""
    words = PROBLEM_WORDS.get(str(exc.problem.get("code") or ""))
    out: dict[str, list[str]] = {}
    for error in exc.problem.get("errors") or []:
        field = str(error.get("field") or "")
        for prefix in ("body.", "query.", "path."):
            field = field.removeprefix(prefix)
        message = words or str(error.get("message") or exc.detail)
        if error.get("rule"):
            message += f"（規則 {error['rule']}）"
        out.setdefault(field, []).append(message)
    if not out:
        out[""] = [words or exc.detail]
    return out


def typed_date(form, name: str, errors: dict, *, required: bool = False) -> str | None:
    """The ISO form of the date typed in `name` (和暦 or ISO); an error for the field when it is wrong."""
    text = (form.get(name) or "").strip()
    if not text:
        if required:
            errors.setdefault(name, []).append("日付を入力してください")
        return None
    try:
        return dates.parse(text).isoformat()
    except dates.DateInputError as exc:
        errors.setdefault(name, []).append(str(exc))
        return None


def _idempotency_key(*parts: str) -> str:
    return "console-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _forbidden(operation: str) -> flask.Response | None:
    if may(operation):
        return None
    return render(
        "error.html", 403, title="この操作の権限がありません", detail="この画面はあなたの役割では使えません。"
    )


# ---------------------------------------------------------------------------------------------------------------
# Notifications (届出): the form, the preview (dry run) and the registration.


def _household(client, household_id: str) -> dict:
    return client.get(f"/households/{household_id}")


def _form_state_from_args(args) -> dict:
    kind = args.get("kind") if args.get("kind") in KINDS else "join"
    return {
        "kind": kind,
        "reason": args.get("reason") or "",
        "household_id": (args.get("household_id") or "").strip(),
        "person_ids": [p for p in args.getlist("person_id") if p],
        "event_date": args.get("event_date") or "",
        "notified_on": args.get("notified_on") or "",
        "document_kind": "",
        "checked_by": flask.session.get("sub", ""),
        "prefecture_acquired_on": "",
        "new_head_person_id": "",
        "expected_household_version": "",
        "statuses": [],
    }


def _state_from_body(body: dict) -> dict:
    """The form's values again from a request body (to correct what was previewed)."""
    check = body.get("identity_check") or {}
    statuses = [
        {
            "status_id": s.get("status_id", ""),
            "person_id": s.get("person_id", ""),
            "kind": s.get("kind", ""),
            "start": s.get("start", ""),
            "end": s.get("end") or "",
            "evidence": ",".join(s.get("evidence") or []),
            "separation_date": s.get("separation_date") or "",
            "separation_code": s.get("separation_code") or "",
            "display_name": s.get("display_name") or "",
        }
        for s in body.get("statuses") or []
    ]
    return {
        "kind": body.get("kind", "join"),
        "reason": body.get("reason", ""),
        "household_id": body.get("household_id", ""),
        "person_ids": [p["person_id"] for p in body.get("persons") or []],
        "event_date": body.get("event_date", ""),
        "notified_on": body.get("notified_on", ""),
        "document_kind": check.get("document_kind", ""),
        "checked_by": check.get("checked_by", ""),
        "prefecture_acquired_on": body.get("prefecture_acquired_on", ""),
        "new_head_person_id": body.get("new_head_person_id", ""),
        "expected_household_version": body.get("expected_household_version", ""),
        "statuses": statuses,
    }


def _member_name(member: dict) -> str:
    return f"{member.get('display_name') or member.get('name_kanji') or ''}（{member['person_id']}）"


def _status_rows(state: dict) -> list[dict]:
    rows = list(state["statuses"])
    return rows + [{} for _ in range(STATUS_ROWS if not rows else 1)]


def _render_form(client, state: dict, errors: dict, status: int = 200, problem=None) -> flask.Response:
    household = None
    if state["household_id"]:
        try:
            household = _household(client, state["household_id"])
        except ApiError as exc:
            if exc.status != 404:
                raise
            errors.setdefault("household_id", []).append("この世帯番号の世帯はありません")
            status = 404 if status == 200 else status
    if household is not None and state["expected_household_version"] in ("", None):
        state["expected_household_version"] = household["version"]
    if not state["notified_on"] and household is not None and household["members"]:
        subject = state["person_ids"][0] if state["person_ids"] else household["members"][0]["person_id"]
        state["notified_on"] = client.get(f"/persons/{subject}/qualification")["as_of"]  # the business date
    known_fields = {"reason", "household_id", "persons", "event_date", "notified_on", "expected_household_version"}
    known_fields |= {"identity_check.document_kind", "identity_check.checked_by"}
    known_fields |= {"join": {"prefecture_acquired_on"}, "change": {"new_head_person_id"}}.get(state["kind"], set())
    rows = _status_rows(state) if state["kind"] == "status" else []
    for i in range(len(rows)):
        known_fields |= {f"statuses[{i}].{k}" for k in ("status_id", "person_id", "kind", "start", "end", "evidence")}
        known_fields |= {f"statuses[{i}].{k}" for k in ("separation_date", "separation_code", "display_name")}
        known_fields.add(f"statuses[{i}]")
    other_errors = [m for field, msgs in errors.items() if field not in known_fields for m in msgs]
    members = household["members"] if household else []
    member_options = [("", "選んでください")] + [(m["person_id"], _member_name(m)) for m in members]
    status_options = [("", "新規に登録")] + [
        (
            s["status_id"],
            f"{_member_name(m)} {labels.label(labels.STATUS_KIND, s['kind'])} {s['start']}〜{s.get('end') or ''}",
        )
        for m in members
        for s in m.get("statuses") or []
        if s.get("status_id")
    ]
    return render(
        "forms_notification.html",
        status,
        state=state,
        household=household,
        reasons_of_kind=REASONS_OF_KIND,
        status_rows=rows,
        member_options=member_options,
        status_options=status_options,
        status_kind_options=[("", "選んでください"), *labels.STATUS_KIND.items()],
        document_kind_options=[("", "選んでください"), *labels.IDENTITY_DOCUMENT.items()],
        errors=errors,
        other_errors=other_errors,
        refused=problem is not None or bool(errors),
        labels=labels,
    )


@bp.get("/notifications/new")
@security.login_required
def notification_new():
    """The notification form for a household: kind, reason, members, dates, identity check (and per kind the
    statuses, the new head, the prefecture's acquisition date), with the household's version carried."""
    if (denied := _forbidden("notifications.submit")) is not None:
        return denied
    state = _form_state_from_args(flask.request.args)
    client = api(purpose=current_purpose())
    if not state["household_id"] and state["person_ids"]:
        state["household_id"] = client.get(f"/persons/{state['person_ids'][0]}")["household_id"]
    if state["reason"] not in REASONS_OF_KIND[state["kind"]]:
        state["reason"] = REASONS_OF_KIND[state["kind"]][0]
    errors: dict[str, list[str]] = {}
    if not state["household_id"]:
        errors["household_id"] = ["世帯番号を入力してください"]
    return _render_form(client, state, errors)


def _state_from_form(form) -> dict:
    statuses = []
    for i in range(100):
        prefix = f"statuses[{i}]."
        if prefix + "kind" not in form:
            break
        statuses.append(
            {
                k: (form.get(prefix + k) or "").strip()
                for k in ("status_id", "person_id", "kind", "start", "end", "evidence")
                + ("separation_date", "separation_code", "display_name")
            }
        )
    return {
        "kind": form.get("kind") if form.get("kind") in KINDS else "join",
        "reason": form.get("reason", ""),
        "household_id": (form.get("household_id") or "").strip(),
        "person_ids": [p for p in form.getlist("person_id") if p],
        "event_date": (form.get("event_date") or "").strip(),
        "notified_on": (form.get("notified_on") or "").strip(),
        "document_kind": form.get("identity_check.document_kind", ""),
        "checked_by": (form.get("identity_check.checked_by") or "").strip(),
        "prefecture_acquired_on": (form.get("prefecture_acquired_on") or "").strip(),
        "new_head_person_id": form.get("new_head_person_id", ""),
        "expected_household_version": (form.get("expected_household_version") or "").strip(),
        "statuses": [s for s in statuses if s["kind"] or s["start"] or s["status_id"]],
        "status_rows_seen": statuses,
    }


def _body_from_state(state: dict, form) -> tuple[dict, dict[str, list[str]], dict[int, int]]:
    """The NotificationRequest of the typed values, the errors found before asking the API, and which form row
    each sent status came from."""
    errors: dict[str, list[str]] = {}
    body: dict = {
        "kind": state["kind"],
        "reason": state["reason"],
        "household_id": state["household_id"],
        "persons": [{"person_id": p} for p in state["person_ids"]],
        "identity_check": {"document_kind": state["document_kind"], "checked_by": state["checked_by"]},
    }
    if not state["person_ids"]:
        errors["persons"] = ["届出の対象となる世帯員を1人以上選んでください"]
    if not state["document_kind"]:
        errors["identity_check.document_kind"] = ["本人確認に使った書類を選んでください"]
    if not state["checked_by"]:
        errors["identity_check.checked_by"] = ["確認した職員を入力してください"]
    body["event_date"] = typed_date(form, "event_date", errors, required=True)
    body["notified_on"] = typed_date(form, "notified_on", errors, required=True)
    if state["reason"] == "move_in_same_pref":
        if acquired := typed_date(form, "prefecture_acquired_on", errors, required=True):
            body["prefecture_acquired_on"] = acquired
    if state["kind"] == "change":
        if state["new_head_person_id"]:
            body["new_head_person_id"] = state["new_head_person_id"]
        else:
            errors["new_head_person_id"] = ["新しい世帯主を選んでください"]
    if state["expected_household_version"].isdigit():
        body["expected_household_version"] = int(state["expected_household_version"])
    rows: dict[int, int] = {}
    if state["kind"] == "status":
        body["statuses"] = []
        for row, typed in enumerate(state["status_rows_seen"]):
            if not (typed["kind"] or typed["start"] or typed["status_id"]):
                continue
            prefix = f"statuses[{row}]."
            status = {"person_id": typed["person_id"], "kind": typed["kind"]}
            if typed["status_id"]:
                status["status_id"] = typed["status_id"]
            status["start"] = typed_date(form, prefix + "start", errors, required=True)
            if end := typed_date(form, prefix + "end", errors):
                status["end"] = end
            if typed["evidence"]:
                status["evidence"] = [e.strip() for e in typed["evidence"].replace("、", ",").split(",") if e.strip()]
            if separation := typed_date(form, prefix + "separation_date", errors):
                status["separation_date"] = separation
            if typed["separation_code"]:
                status["separation_code"] = typed["separation_code"]
            if typed["display_name"]:
                status["display_name"] = typed["display_name"]
            for key in ("person_id", "kind"):
                if not typed[key]:
                    errors.setdefault(prefix + key, []).append("選んでください")
            rows[len(body["statuses"])] = row
            body["statuses"].append(status)
        if not body["statuses"]:
            errors["statuses[0].kind"] = ["登録する特別な状態を1つ以上入力してください"]
    return body, errors, rows


def _form_errors(exc: ApiError, status_rows: dict[int, int]) -> dict[str, list[str]]:
    """The API's field errors placed on the form: a person's error by the members, a status's on its row."""
    placed: dict[str, list[str]] = {}
    for field, messages in problem_errors(exc).items():
        if field.startswith("persons"):
            field = "persons"
        elif field.startswith("statuses[") and "]" in field:
            index, _, rest = field[len("statuses[") :].partition("]")
            if index.isdigit():
                field = f"statuses[{status_rows.get(int(index), int(index))}]{rest}"
        placed.setdefault(field, []).extend(messages)
    return placed


def _conflict(exc: ApiError, state: dict) -> flask.Response:
    """409: someone else changed the household first; say so, with its version now, and offer the form again."""
    reload_url = flask.url_for(
        "console.notification_new",
        kind=state["kind"],
        reason=state["reason"],
        household_id=state["household_id"],
        person_id=state["person_ids"],
        event_date=state.get("event_date") or None,
    )
    return render(
        "forms_conflict.html",
        409,
        what="世帯",
        subject=state["household_id"],
        current=exc.problem.get("current_version"),
        mine=state.get("expected_household_version"),
        reload_url=reload_url,
    )


def _submit(client, body: dict, key: str | None) -> tuple[dict | None, ApiError | None]:
    try:
        return client.post("/notifications", body, idempotency_key=key), None
    except ApiError as exc:
        if exc.status in (400, 409, 422):
            return None, exc
        raise


@bp.post("/notifications/preview")
@security.login_required
def notification_preview():
    """The decision as the rules would make it (dry run), nothing stored; the register button sends the same."""
    if (denied := _forbidden("notifications.submit")) is not None:
        return denied
    form = flask.request.form
    state = _state_from_form(form)
    client = api(purpose=current_purpose())
    body, errors, rows = _body_from_state(state, form)
    if errors:
        return _render_form(client, state, errors, 400)
    answer, failure = _submit(client, {**body, "dry_run": True}, None)
    if failure is not None:
        if failure.status == 409:
            return _conflict(failure, state)
        return _render_form(client, state, _form_errors(failure, rows), failure.status, problem=failure)
    household = _household(client, body["household_id"])
    return render(
        "forms_notification_preview.html",
        body=body,
        payload=_preview_seal().dumps(body),
        idempotency_key=str(uuid.uuid4()),
        decision=answer["decision"],
        household=household,
        members={m["person_id"]: m for m in household["members"]},
        labels=labels,
    )


def _preview_seal() -> itsdangerous.URLSafeSerializer:
    """Signs the previewed notification carried in the page, so that what is registered is exactly what was
    previewed: a hidden field changed in the browser is refused, not registered."""
    return itsdangerous.URLSafeSerializer(flask.current_app.secret_key, salt="nhi-console-preview")


def _payload(form) -> dict:
    try:
        body = _preview_seal().loads(form.get("payload") or "")
    except itsdangerous.BadData:
        flask.abort(
            400, "届出の内容が読み取れないか、プレビューの後に書き換えられています。入力画面からやり直してください。"
        )
    if not isinstance(body, dict):
        flask.abort(400, "届出の内容が読み取れません。入力画面からやり直してください。")
    body.pop("dry_run", None)
    return body


@bp.post("/notifications/edit")
@security.login_required
def notification_edit():
    """Back from the preview to the form, with what was typed."""
    body = _payload(flask.request.form)
    return _render_form(api(purpose=current_purpose()), _state_from_body(body), {})


@bp.post("/notifications")
@security.login_required
def notification_register():
    """Register the previewed notification, with the Idempotency-Key made at preview time: a second click answers
    the first registration instead of registering twice."""
    if (denied := _forbidden("notifications.submit")) is not None:
        return denied
    form = flask.request.form
    body = _payload(form)
    key = (form.get("idempotency_key") or "").strip() or str(uuid.uuid4())
    client = api(purpose=current_purpose())
    answer, failure = _submit(client, body, key)
    state = _state_from_body(body)
    if failure is not None:
        if failure.status == 409 and failure.problem.get("current_version") is not None:
            return _conflict(failure, state)
        rows = {i: i for i in range(len(state["statuses"]))}
        return _render_form(client, state, _form_errors(failure, rows), failure.status, problem=failure)
    household = _household(client, body["household_id"])
    return render(
        "forms_notification_done.html",
        201,
        body=body,
        decision=answer["decision"],
        household_version=answer.get("household_version"),
        household=household,
        members={m["person_id"]: m for m in household["members"]},
        labels=labels,
    )


# ---------------------------------------------------------------------------------------------------------------
# The print queue: render the document due, open it in the browser, record the print.


@bp.get("/print-queue")
@security.login_required
def print_queue():
    if (denied := _forbidden("print_queue.list_items")) is not None:
        return denied
    args = flask.request.args
    person_id = (args.get("person_id") or "").strip()
    printed = args.get("printed") if args.get("printed") in ("true", "false", "all") else "false"
    return _render_queue(person_id, printed, ready=args.get("ready"), document_id=args.get("document_id"))


def _render_queue(
    person_id: str,
    printed: str,
    *,
    ready: str | None = None,
    document_id: str | None = None,
    errors: dict | None = None,
    failed_item: str | None = None,
    status: int = 200,
) -> flask.Response:
    client = api(purpose=current_purpose())
    params = {"person_id": person_id or None, "page_size": 100, "cursor": flask.request.args.get("cursor")}
    if printed != "all":
        params["printed"] = printed
    found = client.get("/print-queue", params)
    document = client.get(f"/documents/{document_id}") if ready and document_id else None
    return render(
        "forms_print_queue.html",
        status,
        items=found["items"],
        next_cursor=found.get("next_cursor"),
        person_id=person_id,
        printed=printed,
        ready=ready if document else None,
        document=document,
        errors=errors or {},
        failed_item=failed_item,
        print_options=PRINT_OPTIONS,
        option_labels=OPTION_LABELS,
        labels=labels,
    )


@bp.post("/print-queue/<item_id>/document")
@security.login_required
def print_render(item_id: str):
    """Render the item's document (POST /documents with its kind and person; the item's own document when it has
    one), then show the queue with the PDF to open and the item to mark printed."""
    form = flask.request.form
    person_id, printed = form.get("back_person_id", ""), form.get("back_printed", "false")
    if form.get("document_id"):
        return flask.redirect(
            flask.url_for(
                "console.print_queue",
                person_id=person_id or None,
                printed=printed,
                ready=item_id,
                document_id=form["document_id"],
            ),
            code=303,
        )
    errors: dict[str, list[str]] = {}
    options = {}
    for name in PRINT_OPTIONS.get(form.get("kind", ""), ()):
        if name in ("as_of", "expected_on"):
            if value := typed_date(form, f"options.{name}", errors):
                options[name] = value
        elif value := (form.get(f"options.{name}") or "").strip():
            options[name] = value
    if errors:
        return _render_queue(person_id, printed, errors=errors, failed_item=item_id, status=400)
    request_body = {"kind": form.get("kind", ""), "person_id": form.get("person_id", "")}
    if form.get("household_id"):
        request_body["household_id"] = form["household_id"]
    if options:
        request_body["options"] = options
    key = _idempotency_key("print", item_id, json.dumps(request_body, sort_keys=True))
    try:
        document = api(purpose=current_purpose()).post("/documents", request_body, idempotency_key=key)
    except ApiError as exc:
        if exc.status in (400, 422):
            return _render_queue(person_id, printed, errors=problem_errors(exc), failed_item=item_id, status=exc.status)
        raise
    return flask.redirect(
        flask.url_for(
            "console.print_queue",
            person_id=person_id or None,
            printed=printed,
            ready=item_id,
            document_id=document["document_id"],
        ),
        code=303,
    )


@bp.post("/print-queue/<item_id>/printed")
@security.login_required
def print_mark(item_id: str):
    """Record the print of the item (by the signed-in clerk, now), with the document printed for it."""
    form = flask.request.form
    body = {"document_id": form["document_id"]} if form.get("document_id") else {}
    api(purpose=current_purpose()).post(f"/print-queue/{item_id}/printed", body)
    person_id = form.get("back_person_id") or None
    return flask.redirect(
        flask.url_for("console.print_queue", person_id=person_id, printed=form.get("back_printed", "false")), code=303
    )


@bp.get("/documents/<document_id>/pdf")
@security.login_required
def document_pdf(document_id: str):
    """The document's file, shown in the browser (inline), as GET /documents/{id}/content gives it."""
    answer = api(purpose=current_purpose()).call(
        "GET", f"/documents/{document_id}/content", accept="application/pdf, text/csv"
    )
    media_type = answer.headers.get("content-type", "application/pdf")
    disposition = answer.headers.get("content-disposition", "")
    filename = disposition.partition("filename=")[2].strip('"') or f"{document_id}.pdf"
    response = flask.Response(answer.content, mimetype=media_type.split(";")[0])
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------------------------
# Certificate collection (回収登録).


@bp.get("/certificate-returns")
@security.login_required
def certificate_returns():
    if (denied := _forbidden("records.register_return")) is not None:
        return denied
    return _render_returns((flask.request.args.get("person_id") or "").strip())


def _render_returns(
    person_id: str,
    *,
    errors: dict | None = None,
    failed: str | None = None,
    done: dict | None = None,
    status: int = 200,
    typed: dict | None = None,
) -> flask.Response:
    """The certificates still out: a person's issued ones (those kept after the loss marked), or everyone's kept
    after the loss when no person is named."""
    client = api(purpose=current_purpose())
    outstanding = client.get(
        "/certificates", {"person_id": person_id or None, "outstanding_after_loss": "true", "page_size": 100}
    )["certificates"]
    after_loss = {c["certificate_id"] for c in outstanding}
    if person_id:
        issued = client.get("/certificates", {"person_id": person_id, "page_size": 100})["certificates"]
        certificates = [c for c in issued if c["state"] in ("issued", "not_returned")]
    else:
        certificates = outstanding
    errors = errors or {}
    shown = failed in {c["certificate_id"] for c in certificates}
    unplaced = [m for field, msgs in errors.items() if not shown or field == "" for m in msgs]
    return render(
        "forms_certificate_returns.html",
        status,
        person_id=person_id,
        certificates=certificates,
        after_loss=after_loss,
        errors=errors,
        unplaced=unplaced,
        failed=failed,
        done=done,
        typed=typed or {},
        idempotency_key=str(uuid.uuid4()),
        labels=labels,
    )


@bp.post("/certificate-returns")
@security.login_required
def certificate_return_register():
    """Register a certificate's collection: returned, lost or not returned, on a day (default the business date)."""
    if (denied := _forbidden("records.register_return")) is not None:
        return denied
    form = flask.request.form
    person_id = (form.get("person_id") or "").strip()
    certificate_id = form.get("certificate_id", "")
    errors: dict[str, list[str]] = {}
    body = {"certificate_id": certificate_id, "outcome": form.get("outcome", "")}
    if body["outcome"] not in labels.RETURN_OUTCOME:
        errors["outcome"] = ["回収の結果を選んでください"]
    if returned_on := typed_date(form, "returned_on", errors):
        body["returned_on"] = returned_on
    if note := (form.get("note") or "").strip():
        body["note"] = note
    if errors:
        return _render_returns(person_id, errors=errors, failed=certificate_id, status=400, typed=form)
    key = form.get("idempotency_key") or str(uuid.uuid4())
    try:
        done = api(purpose=current_purpose()).post("/certificate-returns", body, idempotency_key=key)["certificate"]
    except ApiError as exc:
        if exc.status in (400, 404, 422):
            return _render_returns(
                person_id, errors=problem_errors(exc), failed=certificate_id, status=exc.status, typed=form
            )
        raise
    return _render_returns(person_id, done=done)


# ---------------------------------------------------------------------------------------------------------------
# Corrections and undo (資格異動訂正).

CORRECTION_DATES = ("acquired_on", "lost_on", "notified_on")


def _current_versions(client, person_id: str) -> list[dict]:
    history = client.get(f"/persons/{person_id}/history")
    current = [v for v in history["versions"] if not v.get("superseded_at")]
    return sorted(current, key=lambda v: v.get("acquired_on") or "")


def _render_correction(person_id: str, typed: dict, errors: dict, status: int = 200, problem=None) -> flask.Response:
    client = api(purpose=current_purpose())
    person = client.get(f"/persons/{person_id}")
    versions = _current_versions(client, person_id)
    shown = {"version_id", *CORRECTION_DATES, "acquired_reason", "lost_reason", "relationship", "listing_order"}
    shown |= {"clear_lost_on", "undo", "correction_reason"}
    return render(
        "forms_correction.html",
        status,
        person=person,
        versions=versions,
        typed=typed,
        errors=errors,
        other_errors=[m for field, messages in errors.items() if field not in shown for m in messages],
        refused=problem is not None or bool(errors),
        idempotency_key=str(uuid.uuid4()),  # a new one after a refusal: nothing was stored under the old
        labels=labels,
    )


@bp.get("/corrections/new")
@security.login_required
def correction_new():
    """Correct or undo a version of a person's period; the version corrected is shown and sent."""
    if (denied := _forbidden("records.correct")) is not None:
        return denied
    person_id = (flask.request.args.get("person_id") or "").strip()
    if not person_id:
        return render(
            "error.html", 400, title="宛名番号がありません", detail="人の画面から「訂正・取消」を開いてください。"
        )
    return _render_correction(person_id, {"version": flask.request.args.get("version", "")}, {})


@bp.post("/corrections/new")
@security.login_required
def correction_register():
    if (denied := _forbidden("records.correct")) is not None:
        return denied
    form = flask.request.form
    person_id = (form.get("person_id") or "").strip()
    errors: dict[str, list[str]] = {}
    period_id, _, version_id = (form.get("version") or "").partition(":")
    body: dict = {"period_id": period_id, "correction_reason": (form.get("correction_reason") or "").strip()}
    if not period_id or not version_id.isdigit():
        errors["version_id"] = ["訂正する期間（版）を選んでください"]
    else:
        body["version_id"] = int(version_id)
    if not body["correction_reason"]:
        errors["correction_reason"] = ["訂正理由を入力してください"]
    for name in CORRECTION_DATES:
        if value := typed_date(form, name, errors):
            body[name] = value
    for name in ("acquired_reason", "lost_reason", "relationship"):
        if value := (form.get(name) or "").strip():
            body[name] = value
    if listing := (form.get("listing_order") or "").strip():
        if listing.isdigit():
            body["listing_order"] = int(listing)
        else:
            errors["listing_order"] = ["記載順位は数字で入力してください"]
    for flag in ("undo", "clear_lost_on"):
        if form.get(flag) == "on":
            body[flag] = True
    if errors:
        return _render_correction(person_id, form, errors, 400)
    key = form.get("idempotency_key") or str(uuid.uuid4())
    try:
        answer = api(purpose=current_purpose()).post("/corrections", body, idempotency_key=key)
    except ApiError as exc:
        if exc.status == 409:
            return render(
                "forms_conflict.html",
                409,
                what="資格の期間",
                subject=period_id,
                current=exc.problem.get("current_version_id"),
                mine=version_id,
                reload_url=flask.url_for("console.correction_new", person_id=person_id),
            )
        if exc.status in (400, 404, 422):
            placed = {("version_id" if k == "period_id" else k): v for k, v in problem_errors(exc).items()}
            return _render_correction(person_id, form, placed, exc.status, problem=exc)
        raise
    return render("forms_correction_done.html", 201, person_id=person_id, answer=answer, labels=labels)
