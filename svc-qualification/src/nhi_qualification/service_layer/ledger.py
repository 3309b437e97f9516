"""The certificate ledger (2.1.3) and its collection (回収登録), and the change review list (2.3.1)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from types import SimpleNamespace
from typing import Any

from nhi_common import paging
from nhi_common.errors import DomainError

from ..domain import certificates as cert_rules
from ..domain.commands import RecordCertificateIssued, RegisterCertificateReturn
from ..domain.errors import NotFound, RuleViolation
from . import queries, views
from .app import App, change_once
from .context import Actor
from .unit_of_work import AbstractUnitOfWork

# The standard's requirement of the certificate ledger (証の交付・回収), named by its refusals.
LEDGER_RULE = "STD-2.1.3"
JOIN_LEAVE_CERTIFICATE = "join_leave_certificate"  # 加入脱退証明書
CERTIFICATE_KINDS = frozenset(
    {
        cert_rules.ELIGIBILITY_CERTIFICATE,
        cert_rules.QUALIFICATION_NOTICE,
        cert_rules.ELDERLY_RECIPIENT_CERTIFICATE,
        JOIN_LEAVE_CERTIFICATE,
    }
)
RETURN_OUTCOMES = ("returned", "lost", "not_returned")
CERTIFICATE_STATES = ("issued", "returned", "lost", "not_returned", "void")
# A not-returned certificate may still come back or be reported lost; the others are settled.
SETTLED_STATES = ("returned", "lost", "void")


def record_certificate_issued(app: App, cmd: RecordCertificateIssued, actor: Actor) -> dict[str, Any]:
    """Put an issued certificate in the ledger; the same certificate (id or document) is recorded once."""
    issued_on, valid_from = _checked(cmd, app.today(actor))
    return change_once(
        app, actor, "RecordCertificateIssued", cmd, lambda uow: _record(uow, cmd, issued_on, valid_from, actor)
    )


def record_certificates_issued(
    app: App, issued: list[tuple[RecordCertificateIssued, Actor]]
) -> list[dict[str, Any] | DomainError]:
    """`record_certificate_issued` for each of several certificates in turn (svc-documents' events, a fetch of
    them), in one transaction and one commit, read and written set-wise: each answers what it would alone (the
    certificate recorded, or the one recorded already for its id or document), or the error it would raise, which
    leaves nothing of it while the others are recorded; each recorded writes its own audit row. The renewal issues a
    certificate every few milliseconds: a transaction and some seven statements each were most of the ledger's cost,
    and each commit a WAL flush."""
    outcomes: list[dict[str, Any] | DomainError | None] = [None] * len(issued)
    checked = []
    for index, (cmd, actor) in enumerate(issued):
        try:
            checked.append((index, cmd, actor, *_checked(cmd, app.today(actor))))
        except DomainError as error:
            outcomes[index] = error
    if not checked:
        return outcomes
    with app.uow() as uow:
        uow.persons.cache_reads()
        uow.persons.prefetch([c.person_id for _i, c, *_ in checked], ())
        stored = uow.certificates.by_documents([c.document_id for _i, c, *_ in checked if c.document_id])
        # What `mark_replaced` would find for each person and kind: the stored ones, then those recorded here.
        known: dict[str, dict[str, Any]] = {}  # certificate id -> its values as they stand in this transaction
        uncollected: dict[tuple[str, str], list[str]] = {}
        for row in uow.certificates.uncollected(
            [c.person_id for _i, c, *_ in checked], {c.kind for _i, c, *_ in checked}
        ):
            known[row.certificate_id] = dict(row._mapping)
            uncollected.setdefault((row.person_id, row.kind), []).append(row.certificate_id)
        added: list[dict[str, Any]] = []
        added_ids: set[str] = set()
        by_document: dict[str, str] = {}  # document id -> the certificate recorded for it here
        collected: list[str] = []  # stored certificates now to be collected
        for index, cmd, actor, issued_on, valid_from in checked:
            existing = None
            if cmd.certificate_id:  # as _record: by id, then by document
                existing = known.get(cmd.certificate_id)
                if existing is None and (row := uow.certificates.get(cmd.certificate_id)) is not None:
                    existing = known.setdefault(row.certificate_id, dict(row._mapping))
            if existing is None and cmd.document_id:
                if (row := stored.get(cmd.document_id)) is not None:
                    existing = known.setdefault(row.certificate_id, dict(row._mapping))
                elif cmd.document_id in by_document:
                    existing = known[by_document[cmd.document_id]]
            if existing is not None:
                if existing["person_id"] != cmd.person_id or existing["kind"] != cmd.kind:
                    outcomes[index] = RuleViolation(
                        "certificate.certificate_id",
                        "already recorded for another holder or kind",
                        rule=LEDGER_RULE,
                        code="CERTIFICATE_CONFLICT",
                    )
                else:
                    outcomes[index] = views.certificate_dict(SimpleNamespace(**existing))
                continue
            person = uow.persons.get(cmd.person_id)
            if person is None:
                outcomes[index] = NotFound("person", cmd.person_id)
                continue
            certificate_id = cmd.certificate_id or str(uuid.uuid4())
            values = {
                "certificate_id": certificate_id,
                "kind": cmd.kind,
                "person_id": cmd.person_id,
                "household_id": cmd.household_id or person.household_id,
                "certificate_number": cmd.certificate_number,
                "issued_on": issued_on,
                "valid_from": valid_from,
                "valid_until": cmd.valid_until,
                "state": "issued",
                "collect": False,
                "document_id": cmd.document_id,
                "note": cmd.note,
            }
            outcomes[index] = views.certificate_dict(SimpleNamespace(returned_on=None, **values))
            replaced = [c for c in uncollected.get((cmd.person_id, cmd.kind), []) if c != certificate_id]
            for other in replaced:
                known[other]["collect"] = True
                if other not in added_ids:
                    collected.append(other)
            uncollected[(cmd.person_id, cmd.kind)] = [certificate_id]
            known[certificate_id] = {**values, "returned_on": None}
            added.append(known[certificate_id])
            added_ids.add(certificate_id)
            if cmd.document_id:
                by_document.setdefault(cmd.document_id, certificate_id)
            uow.journal.audit(
                operator_id=actor.operator_id,
                action="certificate.issued",
                target_kind="certificate",
                target_id=certificate_id,
                detail=f"{cmd.kind} {cmd.person_id} replaced={len(replaced)}",
            )
        uow.certificates.add_many([{k: v for k, v in a.items() if k != "returned_on"} for a in added])
        uow.certificates.mark_collected(collected)
        uow.commit()
    return outcomes


def _checked(cmd: RecordCertificateIssued, today: dt.date) -> tuple[dt.date, dt.date]:
    """The certificate's issue date and start of validity, or the refusal of an impossible one."""
    if cmd.kind not in CERTIFICATE_KINDS:
        raise RuleViolation(
            "certificate.kind",
            f"unknown certificate kind {cmd.kind!r}; one of " + ", ".join(sorted(CERTIFICATE_KINDS)),
            code="UNKNOWN_KIND",
        )
    issued_on = cmd.issued_on or today
    valid_from = cmd.valid_from or issued_on
    if issued_on > today:
        raise RuleViolation(
            "certificate.issued_on",
            f"{issued_on} is after the business date {today}",
            rule=LEDGER_RULE,
            code="DATE_IN_FUTURE",
        )
    if cmd.valid_until is not None and cmd.valid_until < valid_from:
        raise RuleViolation(
            "certificate.valid_until", f"{cmd.valid_until} is before valid_from {valid_from}", code="INVALID_RANGE"
        )
    return issued_on, valid_from


def _record(
    uow: AbstractUnitOfWork, cmd: RecordCertificateIssued, issued_on: dt.date, valid_from: dt.date, actor: Actor
) -> dict[str, Any]:
    existing = uow.certificates.get(cmd.certificate_id) if cmd.certificate_id else None
    if existing is None and cmd.document_id:
        existing = uow.certificates.by_document(cmd.document_id)
    if existing is not None:
        if existing.person_id != cmd.person_id or existing.kind != cmd.kind:
            raise RuleViolation(
                "certificate.certificate_id",
                "already recorded for another holder or kind",
                rule=LEDGER_RULE,
                code="CERTIFICATE_CONFLICT",
            )
        return views.certificate_dict(existing)
    person = uow.persons.get(cmd.person_id)
    if person is None:
        raise NotFound("person", cmd.person_id)
    certificate_id = cmd.certificate_id or str(uuid.uuid4())
    uow.certificates.add(
        certificate_id=certificate_id,
        kind=cmd.kind,
        person_id=cmd.person_id,
        household_id=cmd.household_id or person.household_id,
        certificate_number=cmd.certificate_number,
        issued_on=issued_on,
        valid_from=valid_from,
        valid_until=cmd.valid_until,
        state="issued",
        collect=False,
        document_id=cmd.document_id,
        note=cmd.note,
    )
    replaced = uow.certificates.mark_replaced(person_id=cmd.person_id, kind=cmd.kind, except_id=certificate_id)
    uow.journal.audit(
        operator_id=actor.operator_id,
        action="certificate.issued",
        target_kind="certificate",
        target_id=certificate_id,
        detail=f"{cmd.kind} {cmd.person_id} replaced={replaced}",
    )
    return views.certificate_dict(uow.certificates.get(certificate_id))


def register_certificate_return(app: App, cmd: RegisterCertificateReturn, actor: Actor) -> dict[str, Any]:
    """回収登録: a certificate returned, lost, or not returned."""
    today = app.today(actor)
    if cmd.outcome not in RETURN_OUTCOMES:
        raise RuleViolation(
            "outcome", f"unknown outcome {cmd.outcome!r}; one of " + ", ".join(RETURN_OUTCOMES), code="UNKNOWN_OUTCOME"
        )
    day = cmd.returned_on or today
    if day > today:
        raise RuleViolation(
            "returned_on", f"{day} is after the business date {today}", rule=LEDGER_RULE, code="DATE_IN_FUTURE"
        )
    return change_once(app, actor, "RegisterCertificateReturn", cmd, lambda uow: _register_return(uow, cmd, day, actor))


def _register_return(
    uow: AbstractUnitOfWork, cmd: RegisterCertificateReturn, day: dt.date, actor: Actor
) -> dict[str, Any]:
    row = uow.certificates.get(cmd.certificate_id)
    if row is None:
        raise NotFound("certificate", cmd.certificate_id)
    if row.state in SETTLED_STATES:
        raise RuleViolation(
            "certificate_id", f"the certificate is already {row.state}", rule=LEDGER_RULE, code="ALREADY_COLLECTED"
        )
    if row.state == cmd.outcome:
        raise RuleViolation(
            "outcome", f"the certificate is already {cmd.outcome}", rule=LEDGER_RULE, code="ALREADY_COLLECTED"
        )
    if day < row.issued_on:
        raise RuleViolation(
            "returned_on", f"{day} is before the issue date {row.issued_on}", rule=LEDGER_RULE, code="BEFORE_ISSUE"
        )
    uow.certificates.update(
        cmd.certificate_id,
        state=cmd.outcome,
        returned_on=day,
        collect=cmd.outcome == "not_returned",
        note=cmd.note or row.note,
    )
    uow.journal.audit(
        operator_id=actor.operator_id,
        action=f"certificate.{cmd.outcome}",
        target_kind="certificate",
        target_id=cmd.certificate_id,
        detail=f"{row.kind} {row.person_id} {row.state}->{cmd.outcome} {day.isoformat()}",
    )
    return {"certificate": views.certificate_dict(uow.certificates.get(cmd.certificate_id))}


def list_certificates(
    app: App, *, person_id: str, state: str, outstanding_after_loss: bool, page: paging.Page, actor: Actor | None = None
) -> tuple[list[dict[str, Any]], str]:
    """The ledger, oldest first; outstanding_after_loss = still issued although the qualification ended. A DV
    support-measure person's certificates are listed only to an actor with dv:read (rule DV; no actor: the
    service's own read)."""
    if state and state not in CERTIFICATE_STATES:
        raise RuleViolation(
            "state", f"unknown state {state!r}; one of " + ", ".join(CERTIFICATE_STATES), code="UNKNOWN_KIND"
        )
    day = app.today(actor or Actor("system"))
    with app.uow(read_only=True) as uow:
        found, cursor = uow.certificates.page(
            person_id=person_id,
            state=state,
            page=page,
            outstanding_after_loss_on=day if outstanding_after_loss else None,
        )
        dv = queries.DvListed()
        if actor is not None:
            dv = queries.dv_listed(actor, *queries.listed_dv(app, uow, actor, [r.person_id for r in found]))
    if actor is not None:
        queries.audit_dv_listed(app, actor, dv)
    return [views.certificate_dict(r) for r in found if r.person_id not in dv.hidden], cursor


def list_changes(
    app: App,
    *,
    from_date: dt.date | None,
    to_date: dt.date | None,
    operator_id: str = "",
    reason: str = "",
    kind: str = "",
    page: paging.Page = paging.Page(),
    actor: Actor,
) -> tuple[list[dict[str, Any]], str]:
    """Registered changes by business date (inclusive range), oldest first (processing order), without the DV
    support-measure persons the actor may not see (rule DV); a change left with nobody is not listed."""
    if from_date and to_date and to_date < from_date:
        raise RuleViolation("to_date", f"{to_date} is before from_date {from_date}", code="INVALID_RANGE")
    with app.uow(read_only=True) as uow:
        found, cursor = uow.changes.page(
            from_date=from_date, to_date=to_date, operator_id=operator_id, reason=reason, kind=kind, page=page
        )
        listed = [p for r in found for p in json.loads(r.person_ids or "[]")]
        people = _people(uow, set(listed))
        dv = queries.dv_listed(actor, *queries.listed_dv(app, uow, actor, listed))
    queries.audit_dv_listed(app, actor, dv)
    changes = [views.change_dict(r, people) for r in found]
    return [c for c in (_without(c, dv.hidden) for c in changes) if c is not None], cursor


def _without(change: dict[str, Any], hidden: frozenset[str]) -> dict[str, Any] | None:
    """The change as listed without the `hidden` persons; None when it named only them."""
    if not hidden & set(change["person_ids"]):
        return change
    kept = [p for p in change["person_ids"] if p not in hidden]
    if not kept:
        return None
    before = {k: v for k, v in change["before"].items() if k not in hidden}
    after = {k: v for k, v in change["after"].items() if k not in hidden}
    return {
        **change,
        "person_ids": kept,
        "persons": [p for p in change["persons"] if p["person_id"] not in hidden],
        "before": before,
        "after": after,
        "before_json": json.dumps(before, ensure_ascii=False),
        "after_json": json.dumps(after, ensure_ascii=False),
    }


def _people(uow: AbstractUnitOfWork, person_ids: set[str]) -> dict[str, dict[str, str]]:
    """The persons of a page of changes, with their names and current 記号・番号・枝番 (ChangePerson)."""
    numbers = uow.periods.current(sorted(person_ids))
    out = {}
    for person_id in sorted(person_ids):
        row = uow.persons.get(person_id)
        if row is None:
            continue
        period = numbers.get(person_id)
        out[person_id] = {
            "person_id": person_id,
            "name_kanji": row.name_kanji,
            "name_kana": row.name_kana,
            "symbol": period.symbol if period else "",
            "number": period.number if period else "",
            "branch_no": period.branch_no if period else "",
        }
    return out
