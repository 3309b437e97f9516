"""The back office's screens: the lists (資格異動内容確認一覧 and the other reports) with filters and CSV/PDF
download, the 国保資格不整合一覧 and its resolution, burden-ratio determinations with every reason, batch jobs with a
live progress bar, and the audit log for auditors.

Every figure comes from the public API as the signed-in clerk (see apiclient); what a role may not do, the API
refuses and the page says so in Japanese. Downloads pass the API's file through with its Content-Type and
Content-Disposition, so the CSV (BOM, Japanese headings) and the PDF (drawn and recorded by svc-documents) are
exactly the API's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import typing as t
import uuid

import flask

from . import dates, labels, security
from .apiclient import ApiError
from .blueprint import api, bp, may, render
from .counter import current_purpose

JST = dt.timezone(dt.timedelta(hours=9))
PAGE_SIZE = 50
DOWNLOAD_PAGE_SIZE = 500  # the API's largest page: a filtered list's CSV holds its first 500 rows
PASSED_HEADERS = ("Content-Type", "Content-Disposition", "X-Replaced-Characters", "X-Next-Cursor")
AUDIT_REFUSED = "監査ログは監査担当と管理者だけが閲覧できます。"
RECENT_JOBS = 8  # the jobs a clerk started lately, kept in the session for the jobs page
LISTED_JOBS = 20  # the jobs page's list of everyone's jobs (GET /jobs), newest first, a page at a time

CHANGE_FILTERS = ("from", "to", "operator_id", "reason", "kind")
CHANGE_REASONS = {**labels.REASON, "correction": "資格異動訂正"}
INCONSISTENCY_FILTERS = ("state", "kind", "person_id")
AUDIT_FILTERS = ("occurred_from", "occurred_to", "operator_id", "action", "target_kind", "target_id", "purpose")
AUDIT_FILTERS += ("service",)

# Which parameter each job kind takes (POST /jobs): a date, a month (YYYY-MM), either, or none.
JOB_PARAMETERS = {
    "age75_loss": ("date", "month"),
    "burden_redetermination": ("date",),
    "annual_renewal": ("date",),
    "elderly_certificates": ("month",),
    "inconsistency_check": ("date",),
    "outbound_files": ("date",),
    "daily_aggregation": ("date",),
    "aggregation_import": (),
    "subcopy_registration": (),
    "subcopy_query_send": (),
    "intermediate_receipt": (),
}
RESULT_KINDS = ("age75_loss", "burden_redetermination")  # the kinds GET /jobs/{id}/results answers for
FINISHED = ("succeeded", "failed")
# Where the output of the other kinds is read: (endpoint, arguments, link text).
JOB_OUTPUT = {
    "inconsistency_check": ("console.inconsistencies", {}, "国保資格不整合一覧を開く"),
    "daily_aggregation": (
        "console.reports",
        {"kind": "qualification_data_error_list"},
        "資格情報データエラーリストを開く",
    ),
    "aggregation_import": ("console.reports", {"kind": "interchange_import_list"}, "連携データ取込リストを開く"),
    "subcopy_registration": ("console.reports", {"kind": "subcopy_target_list"}, "副本データ対象者一覧を開く"),
}
SUMMARY = {**labels.AGE75_OUTCOME, "stored": "判定を登録", "changed": "変更あり", "pending": "判定保留"}

INCOME_AMOUNTS = ("taxable_income", "gross_income", "kyu_tadashigaki_income", "public_pension_income", "total_income")
INCOME_LABELS = {
    "income_year": "所得年",
    "taxable_income": "住民税課税所得（円）",
    "gross_income": "収入額（円）",
    "kyu_tadashigaki_income": "旧ただし書所得（円）",
    "public_pension_income": "公的年金等収入（円）",
    "total_income": "年金以外の所得（円）",
    "non_taxed": "住民税",
}
MAX_INCOME_ROWS = 20
_INCOME_ERROR = re.compile(r"^incomes\[(\d+)\]\.(\w+)$")


# ---- shared helpers ----


def _typed(names: t.Iterable[str]) -> dict[str, str]:
    args = flask.request.args
    return {name: (args.get(name) or "").strip() for name in names}


def _date_params(form: dict[str, str], names: t.Iterable[str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The typed dates (和暦 or ISO) as ISO; a wrong one as an error of its field."""
    params: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name in names:
        try:
            value = dates.iso_or_none(form.get(name))
        except dates.DateInputError as exc:
            errors[name] = [str(exc)]
            continue
        if value:
            params[name] = value
    return params, errors


def _refused(exc: ApiError) -> dict[str, list[str]] | None:
    """A 400/422 naming fields: shown next to them; anything else goes to the error page."""
    if exc.status in (400, 422) and exc.field_errors():
        return exc.field_errors()
    return None


def _cell(value: t.Any) -> str:
    """A list cell as a clerk reads it: dates in 和暦 with the ISO date, はい/いいえ, lists joined, — for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, list):
        return "、".join(_cell(v) for v in value) or "—"
    if isinstance(value, dict):
        return "、".join(f"{k}={_cell(v)}" for k, v in value.items()) or "—"
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dates.display(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+([+-]\d{2}:\d{2}|Z)", text):
        return _moment(text)
    return text


def _moment(value: str | None) -> str:
    """A moment in Japan's time: 令和8年11月24日（2026-11-24） 10:15:32."""
    if not value:
        return "—"
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(JST)
    return f"{dates.display(moment.date().isoformat())} {moment:%H:%M:%S}"


def _eta(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    minutes, rest = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"約{hours}時間{minutes}分"
    return f"約{minutes}分{rest}秒" if minutes else f"約{rest}秒"


@bp.app_template_filter("bo_cell")
def _bo_cell(value: t.Any) -> str:
    return _cell(value)


@bp.app_template_filter("bo_moment")
def _bo_moment(value: str | None) -> str:
    return _moment(value)


def _options(table: dict[str, str], blank: str = "（すべて）") -> list[tuple[str, str]]:
    return [("", blank), *((code, f"{text}（{code}）") for code, text in table.items())]


# ---- the lists ----


@bp.get("/reports")
@bp.get("/reports/<kind>")
@security.login_required
def reports(kind: str | None = None):
    """Without a kind: the 資格異動内容確認一覧 with its filters and the other lists; with one: that list."""
    if kind is None:
        return _change_list()
    if kind not in labels.REPORT_KIND:
        return render("error.html", 404, title="見つかりません", detail=f"一覧「{kind}」はありません。")
    return _report(kind)


def _change_list() -> flask.Response:
    form = _typed(CHANGE_FILTERS)
    params, errors = _date_params(form, ("from", "to"))
    params.update({k: form[k] for k in ("operator_id", "reason", "kind") if form[k]})
    found: dict[str, t.Any] = {"changes": [], "next_cursor": None}
    listed = may("records.qualification_changes")
    if listed and not errors:
        query = {**params, "page_size": PAGE_SIZE, "cursor": flask.request.args.get("cursor")}
        try:
            found = api(purpose=current_purpose()).get("/reports/qualification-changes", query)
        except ApiError as exc:
            if (errors := _refused(exc)) is None:
                raise
    period = {k: params[k] for k in ("from", "to") if k in params}
    return render(
        "bo_reports.html",
        400 if errors else 200,
        form=form,
        errors=errors,
        listed=listed,
        changes=found["changes"],
        next_cursor=found.get("next_cursor"),
        params=params,
        period=period,
        kinds=labels.REPORT_KIND if may("reports.report") else {},
        reasons=_options(CHANGE_REASONS),
        change_kinds=_options(labels.CHANGE_KIND),
        paged=bool(flask.request.args.get("cursor")),
        labels=labels,
        title="帳票・一覧",
    )


def _report(kind: str) -> flask.Response:
    form = _typed(("from", "to", "job_id"))
    params, errors = _date_params(form, ("from", "to") if kind == "qualification_change_list" else ())
    if kind == "age75_target_list" and form["job_id"]:
        params["job_id"] = form["job_id"]
    report = None
    waiting = kind == "age75_target_list" and not form["job_id"]
    if not errors and not waiting:
        try:
            report = api(purpose=current_purpose()).get(f"/reports/{kind}", params)
        except ApiError as exc:
            if (errors := _refused(exc)) is None:
                raise
    return render(
        "bo_report.html",
        400 if errors else 200,
        kind=kind,
        form=form,
        errors=errors,
        report=report,
        waiting=waiting,
        params=params,
        recent_jobs=[j for j in flask.session.get("jobs", []) if j.get("kind") == "age75_loss"],
        pdf=kind != "undrawable_character_list",
        labels=labels,
        title=labels.REPORT_KIND[kind],
    )


@bp.get("/downloads/<source>")
@security.login_required
def report_download(source: str):
    """A list as the API gives it for a spreadsheet (CSV) or for print (PDF), passed through unchanged."""
    args = flask.request.args
    fmt = args.get("format") or "csv"
    encoding = args.get("encoding") if args.get("encoding") in ("utf-8", "cp932") else None
    if source == "qualification-changes":
        form = _typed(CHANGE_FILTERS)
        params, errors = _date_params(form, ("from", "to"))
        params.update({k: form[k] for k in ("operator_id", "reason", "kind") if form[k]})
        path, params["page_size"], formats = "/reports/qualification-changes", DOWNLOAD_PAGE_SIZE, ("csv",)
    elif source == "inconsistencies":
        params, errors = {k: v for k, v in _typed(INCONSISTENCY_FILTERS).items() if v}, {}
        path, params["page_size"], formats = "/inconsistencies", DOWNLOAD_PAGE_SIZE, ("csv",)
    elif source == "audit":
        params, errors = _audit_params(_typed(AUDIT_FILTERS))
        path, params["page_size"], formats = "/audit-events", DOWNLOAD_PAGE_SIZE, ("csv",)
    elif source == "job-results" and args.get("job_id"):
        params, errors = {"page_size": DOWNLOAD_PAGE_SIZE}, {}
        path, formats = f"/jobs/{args['job_id']}/results", ("csv",)
    elif source in labels.REPORT_KIND:
        form = _typed(("from", "to", "job_id"))
        params, errors = _date_params(form, ("from", "to"))
        if form["job_id"]:
            params["job_id"] = form["job_id"]
        path = f"/reports/{source}"
        formats = ("csv",) if source == "undrawable_character_list" else ("csv", "pdf")
    else:
        return render("error.html", 404, title="見つかりません", detail="その一覧はありません。")
    if fmt not in formats:
        return render("error.html", 400, title="処理できませんでした", detail=f"この一覧は {fmt} では出力できません。")
    if errors:
        detail = "、".join(f"{name}：{'・'.join(msgs)}" for name, msgs in errors.items())
        return render("error.html", 400, title="条件が正しくありません", detail=detail)
    accept = "application/pdf" if fmt == "pdf" else "text/csv"
    answer = api(purpose=current_purpose()).call(
        "GET", path, params={**params, "format": fmt, "encoding": encoding}, accept=accept
    )
    response = flask.Response(answer.content, status=200)
    for name in PASSED_HEADERS:
        if name in answer.headers:
            response.headers[name] = answer.headers[name]
    return response


# ---- the 国保資格不整合一覧 ----


@bp.get("/inconsistencies")
@security.login_required
def inconsistencies():
    return _inconsistency_page()


def _inconsistency_page(
    status: int = 200, row_errors: dict[str, dict[str, list[str]]] | None = None, typed: dict | None = None
) -> flask.Response:
    form = _typed(INCONSISTENCY_FILTERS)
    form["state"] = flask.request.args.get("state", "open")
    query = {k: v for k, v in form.items() if v}
    errors: dict[str, list[str]] = {}
    found: dict[str, t.Any] = {"inconsistencies": [], "next_cursor": None}
    try:
        found = api(purpose=current_purpose()).get(
            "/inconsistencies", {**query, "page_size": PAGE_SIZE, "cursor": flask.request.args.get("cursor")}
        )
    except ApiError as exc:
        if (errors := _refused(exc)) is None:
            raise
    return render(
        "bo_inconsistencies.html",
        400 if errors else status,
        form=form,
        query=query,
        errors=errors,
        items=found["inconsistencies"],
        next_cursor=found.get("next_cursor"),
        row_errors=row_errors or {},
        typed=typed or {},
        resolved=flask.request.args.get("resolved"),
        form_key=str(uuid.uuid4()),
        may_resolve=may("inconsistencies.resolve_inconsistency"),
        states=_options(labels.INCONSISTENCY_STATE),
        kinds=_options(labels.INCONSISTENCY_KIND),
        labels=labels,
        title="国保資格不整合一覧",
    )


@bp.post("/inconsistencies/<inconsistency_id>/resolution")
@security.login_required
def inconsistency_resolve(inconsistency_id: str):
    """Resolve a finding by the correction that fixed it; a refusal is shown on the finding's row."""
    form = flask.request.form
    body = {"change_id": form.get("change_id", "").strip()}
    if note := form.get("note", "").strip():
        body["note"] = note
    typed = {inconsistency_id: {"change_id": body["change_id"], "note": note}}
    if not body["change_id"]:
        errors = {"change_id": ["訂正または届出の異動番号を入力してください"]}
        return _inconsistency_page(400, {inconsistency_id: errors}, typed)
    try:
        api(purpose=current_purpose()).post(
            f"/inconsistencies/{inconsistency_id}/resolution",
            body,
            idempotency_key=form.get("idempotency_key") or None,
        )
    except ApiError as exc:
        if exc.status in (400, 404, 409, 422):
            errors = exc.field_errors() or {"change_id": [exc.detail]}
            if exc.status == 409:
                errors = {"change_id": ["この不整合はすでに対応済みです（他の職員が先に登録しました）。" + exc.detail]}
            return _inconsistency_page(exc.status, {inconsistency_id: errors}, typed)
        raise
    return flask.redirect(flask.url_for("console.inconsistencies", state="resolved", resolved=inconsistency_id), 303)


# ---- burden ratio ----


@bp.route("/burden", methods=["GET", "POST"])
@security.login_required
def burden():
    """The household's decisions and a form to determine its burden ratio: preview (dry run), then register."""
    source = flask.request.form if flask.request.method == "POST" else flask.request.args
    household_id = (source.get("household_id") or "").strip()
    client = api(purpose=current_purpose())
    household = None
    decisions: list[dict] = []
    determinations: list[dict] | None = None
    errors: dict[str, list[str]] = {}
    if household_id:
        try:
            household = client.get(f"/households/{household_id}")
        except ApiError as exc:
            if exc.status not in (400, 404):
                raise
            errors["household_id"] = [f"世帯番号 {household_id} の世帯は見つかりません"]
    if household is not None:
        decisions = client.get("/decisions", {"household_id": household_id, "page_size": 100})["decisions"]
        determinations = _determinations(client, household_id)
    form, rows = _burden_form(source, household)
    values = {
        "form": form,
        "rows": rows,
        "household": household,
        "decisions": decisions,
        "determinations": determinations,
    }
    if flask.request.method == "POST" and not household_id:
        errors["household_id"] = ["世帯番号を入力してください"]
    if flask.request.method == "GET" or errors:
        return _burden_page(400 if errors else 200, errors=errors, **values)
    body, sent_rows, errors = _burden_body(form, rows)
    if errors:
        return _burden_page(400, errors=errors, **values)
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    register = source.get("action") == "register"
    changed = register and source.get("previewed") != digest
    if changed:
        register = False  # what was typed is not what was previewed: preview it first
    key = source.get("idempotency_key") or str(uuid.uuid4())
    try:
        result = client.post(
            "/burden-ratio-determinations",
            {**body, "dry_run": not register},
            idempotency_key=key if register else None,
        )
    except ApiError as exc:
        if (refused := _refused(exc)) is None:
            raise
        return _burden_page(exc.status, errors=_income_errors(refused, sent_rows), problem=exc, **values)
    if register:
        decisions = client.get("/decisions", {"household_id": household_id, "page_size": 100})["decisions"]
        values["decisions"] = decisions
        values["determinations"] = _determinations(client, household_id)
    return _burden_page(
        201 if register else 200,
        errors={},
        result=result,
        registered=register,
        changed=changed,
        previewed=digest,
        idempotency_key=key,
        **values,
    )


def _determinations(client, household_id: str) -> list[dict] | None:
    """The household's stored determinations, newest first, each with its reasons; None where the role may not
    read them."""
    if not may("batches.list_burden_determinations"):
        return None
    found = client.get("/burden-ratio-determinations", {"household_id": household_id, "page_size": PAGE_SIZE})
    return found["determinations"]


def _burden_page(status: int, **values) -> flask.Response:
    return render(
        "bo_burden.html",
        status,
        labels=labels,
        income_labels=INCOME_LABELS,
        amounts=INCOME_AMOUNTS,
        may_determine=may("batches.determine_burden_ratio"),
        title="負担割合の判定",
        **values,
    )


def _burden_form(source, household: dict | None) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The typed form: the date and, per member of the household, the incomes (all optional)."""
    form = {"household_id": (source.get("household_id") or "").strip(), "as_of": (source.get("as_of") or "").strip()}
    members = (household or {}).get("members") or []
    rows = []
    for index, member in enumerate(members[:MAX_INCOME_ROWS]):
        row = {"person_id": member.get("person_id", ""), "name": member.get("name_kanji") or ""}
        row["birth_date"] = member.get("birth_date") or ""
        for name in INCOME_LABELS:
            row[name] = (source.get(f"incomes[{index}].{name}") or "").strip()
        rows.append(row)
    return form, rows


def _burden_body(form: dict, rows: list[dict]) -> tuple[dict, list[int], dict[str, list[str]]]:
    """The request body; the form rows sent (the API's incomes[k] is the form's row sent[k]); typing errors."""
    errors: dict[str, list[str]] = {}
    body: dict[str, t.Any] = {"household_id": form["household_id"]}
    try:
        if as_of := dates.iso_or_none(form["as_of"]):
            body["as_of"] = as_of
    except dates.DateInputError as exc:
        errors["as_of"] = [str(exc)]
    incomes, sent = [], []
    for index, row in enumerate(rows):
        fact: dict[str, t.Any] = {}
        for name in ("income_year", *INCOME_AMOUNTS):
            text = row[name].replace(",", "").replace("，", "")
            if not text:
                continue
            if not text.isascii() or not text.isdigit():
                errors[f"incomes[{index}].{name}"] = ["半角の数字で入力してください（カンマは省けます）"]
                continue
            fact[name] = int(text)
        if row["non_taxed"] in ("true", "false"):
            fact["non_taxed"] = row["non_taxed"] == "true"
        if fact:
            incomes.append({"person_id": row["person_id"], **fact})
            sent.append(index)
    if incomes:
        body["incomes"] = incomes
    return body, sent, errors


def _income_errors(errors: dict[str, list[str]], sent: list[int]) -> dict[str, list[str]]:
    """The API's incomes[k].field as the form's incomes[row].field."""
    out: dict[str, list[str]] = {}
    for field, messages in errors.items():
        if (match := _INCOME_ERROR.match(field)) and int(match.group(1)) < len(sent):
            field = f"incomes[{sent[int(match.group(1))]}].{match.group(2)}"
        out.setdefault(field, []).extend(messages)
    return out


@bp.app_template_filter("bo_ratio")
def _ratio(determination: dict) -> str:
    percent = determination.get("ratio_percent") or 0
    if not percent:
        return "対象外（70〜74歳の被保険者がいません）"
    return f"判定保留（暫定{percent // 10}割）" if determination.get("pending") else f"{percent // 10}割"


# ---- batch jobs ----


@bp.route("/jobs", methods=["GET", "POST"])
@security.login_required
def jobs():
    """Start a batch job (then follow it on its own page); the jobs this clerk started lately."""
    if flask.request.method == "GET":
        return _jobs_page(200, {"kind": flask.request.args.get("kind", "age75_loss")}, {})
    form = {k: (flask.request.form.get(k) or "").strip() for k in ("kind", "date", "month", "idempotency_key")}
    errors: dict[str, list[str]] = {}
    if form["kind"] not in labels.JOB_KIND:
        errors["kind"] = ["処理の種類を選んでください"]
    parameters: dict[str, str] = {}
    if form["date"]:
        try:
            parameters["date"] = dates.parse(form["date"]).isoformat()
        except dates.DateInputError as exc:
            errors["date"] = [str(exc)]
    if form["month"]:
        try:
            parameters["month"] = _month(form["month"])
        except dates.DateInputError as exc:
            errors["month"] = [str(exc)]
    if form["date"] and form["month"]:
        errors.setdefault("month", []).append("基準日と対象月はどちらか一方だけを入力してください")
    accepted = JOB_PARAMETERS.get(form["kind"], ())
    for name in parameters:
        if name not in accepted and form["kind"] in labels.JOB_KIND:
            what = {"date": "基準日", "month": "対象月"}[name]
            errors.setdefault(name, []).append(f"この処理は{what}を指定できません")
    if errors:
        return _jobs_page(400, form, errors)
    body: dict[str, t.Any] = {"kind": form["kind"]}
    if parameters:
        body["parameters"] = parameters
    try:
        job = api(purpose=current_purpose()).post("/jobs", body, idempotency_key=form["idempotency_key"] or None)
    except ApiError as exc:
        if exc.status in (400, 422):
            refused = {k.removeprefix("parameters."): v for k, v in exc.field_errors().items()}
            return _jobs_page(exc.status, form, refused or {"kind": [exc.detail]})
        raise
    recent = [j for j in flask.session.get("jobs", []) if j.get("job_id") != job["job_id"]]
    flask.session["jobs"] = [
        {"job_id": job["job_id"], "kind": job["kind"], "created_at": job.get("created_at")},
        *recent,
    ][:RECENT_JOBS]
    return flask.redirect(flask.url_for("console.job", job_id=job["job_id"]), 303)


def _month(text: str) -> str:
    """A typed month: 2026-12, 2026/12, R8.12 or 令和8年12月 -> 2026-12."""
    typed = text.strip().rstrip("月")
    day = dates.parse(f"{typed}月1日" if "年" in typed else f"{typed}.1")
    return f"{day.year:04d}-{day.month:02d}"


def _jobs_page(status: int, form: dict, errors: dict) -> flask.Response:
    form.setdefault("idempotency_key", str(uuid.uuid4()))
    kinds = [(code, f"{text}（{code}）") for code, text in labels.JOB_KIND.items()]
    return render(
        "bo_jobs.html",
        status,
        form=form,
        errors=errors,
        kinds=kinds,
        parameters=JOB_PARAMETERS,
        recent=flask.session.get("jobs", []),
        may_start=may("batches.start_job"),
        **_everyones_jobs(),
        labels=labels,
        title="バッチ処理",
    )


def _everyones_jobs() -> dict[str, t.Any]:
    """The jobs page's list of every job, whoever started it (GET /jobs), in the state asked; a service that does
    not answer leaves the page usable, saying why the list is missing."""
    state = flask.request.args.get("state", "")
    state = state if state in labels.JOB_STATE else ""
    if not may("batches.list_jobs"):
        return {"listing": None, "listing_error": None, "state": state}
    query = {"page_size": LISTED_JOBS, "state": state or None, "cursor": flask.request.args.get("cursor") or None}
    try:
        listing = api(purpose=current_purpose()).get("/jobs", {k: v for k, v in query.items() if v is not None})
    except ApiError as exc:
        return {"listing": None, "listing_error": exc.detail, "state": state}
    return {"listing": listing, "listing_error": None, "state": state}


@bp.get("/jobs/<job_id>")
@security.login_required
def job(job_id: str):
    """A job: its state and progress (kept current by htmx; a reload shows it without JavaScript) and, once it
    ended, what it did."""
    return render("bo_job.html", **_job_values(job_id), title="バッチ処理の状況")


@bp.get("/jobs/<job_id>/progress")
@security.login_required
def job_progress(job_id: str):
    """The job's status block alone, for the page's polling: without its trigger once the job ended."""
    return render("bo_job_status.html", **_job_values(job_id))


def _job_values(job_id: str) -> dict[str, t.Any]:
    client = api(purpose=current_purpose())
    found = client.get(f"/jobs/{job_id}")
    results = None
    if found["state"] in FINISHED and found["kind"] in RESULT_KINDS:
        results = client.get(f"/jobs/{job_id}/results", {"page_size": 100, "cursor": flask.request.args.get("cursor")})
    return job_status(found, results)


def job_status(found: dict, results: dict | None) -> dict[str, t.Any]:
    """What the status block shows of a job (GET /jobs/{id}) and, once it ended, of its results."""
    finished = found["state"] in FINISHED
    total = found.get("total") or 0
    handled = (found.get("done") or 0) + (found.get("failed") or 0)
    return {
        "job": found,
        "finished": finished,
        "results": results,
        "total": total,
        "handled": min(handled, total) if total else handled,
        "percent": int(100 * handled / total) if total else (100 if finished else 0),
        "eta": _eta(found.get("eta_seconds")),
        "output": JOB_OUTPUT.get(found["kind"]),
        "summary_labels": SUMMARY,
        "labels": labels,
    }


@bp.app_template_filter("bo_result")
def _result(value: t.Any, column: str) -> str:
    if column == "outcome" and isinstance(value, str):
        return labels.label(labels.AGE75_OUTCOME, value)
    return _cell(value)


# ---- the audit log ----


@bp.get("/audit")
@security.login_required
def audit():
    """The audit log of every service, oldest first, a page at a time; only for the roles the API lets read it."""
    form = _typed(AUDIT_FILTERS)
    params, errors = _audit_params(form)
    found: dict[str, t.Any] = {"events": [], "next_cursor": None}
    if not errors:
        try:
            found = api(purpose=current_purpose()).get(
                "/audit-events", {**params, "page_size": PAGE_SIZE, "cursor": flask.request.args.get("cursor")}
            )
        except ApiError as exc:
            if (errors := _refused(exc)) is None:
                raise
    if errors and not may("audit.list_events"):
        raise ApiError(403, {"detail": AUDIT_REFUSED})
    return render(
        "bo_audit.html",
        400 if errors else 200,
        form=form,
        errors=errors,
        events=found["events"],
        next_cursor=found.get("next_cursor"),
        paged=bool(flask.request.args.get("cursor")),
        services=_options(labels.AUDIT_SERVICE),
        query={k: v for k, v in form.items() if v},
        labels=labels,
        title="監査ログ",
    )


def _audit_params(form: dict[str, str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Filters as the API takes them: the days typed become moments in Japan's time, the last day included."""
    days, errors = _date_params(form, ("occurred_from", "occurred_to"))
    params = {k: v for k, v in form.items() if v and k not in ("occurred_from", "occurred_to")}
    if "occurred_from" in days:
        params["occurred_from"] = f"{days['occurred_from']}T00:00:00+09:00"
    if "occurred_to" in days:
        after = dt.date.fromisoformat(days["occurred_to"]) + dt.timedelta(days=1)
        params["occurred_to"] = f"{after.isoformat()}T00:00:00+09:00"
    return params, errors
