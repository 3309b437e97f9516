"""Which certificates a change makes due (CERT-KIND, CERT-EXPIRY, ELDER-CERT-EXPIRY) and which must come back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain.bases import BASIS_2024, REFUSAL_BASIS
from ..domain.certificates import PRINTED_PERIOD_FIELDS, CertificatePerson, certificates_due
from ..domain.errors import NotFound, RuleViolation
from ..domain.model import Decision, Period, Reason
from ..domain.special_statuses import CARD_UNUSABLE_KINDS, StatusPeriod, card_unusable_on
from . import views
from .app import App
from .context import Actor
from .unit_of_work import AbstractUnitOfWork
from .values import iso

# The certificates that must come back when a qualification ends (2.1.3); a 資格情報のお知らせ is not collected.
COLLECTED_KINDS = ("eligibility_certificate", "elderly_recipient_certificate")
# Statuses that change what a certificate shows or how long it runs: the certificate is issued again.
REISSUE_ON = {"card_registration", "gender_identity_display", "student_away", "dv_support", *CARD_UNUSABLE_KINDS}


def status_flags(period: StatusPeriod, display_name: str, today: dt.date) -> dict[str, Any]:
    """The person attributes a status sets while it holds on `today`."""
    active = period.active_on(today)
    if period.kind == "card_registration":
        return {"card_registered": active}
    if period.kind == "dv_support":
        return {"dv_support": active}
    if period.kind == "gender_identity_display":
        return {"display_name": display_name if active else ""}
    return {}


def _holds(held: list[StatusPeriod], kind: str, day: dt.date) -> list[bool]:
    """For each status of `kind` held, whether it holds on `day`."""
    return [p.active_on(day) for p in held if p.kind == kind]


def registered_on(held: list[StatusPeriod], day: dt.date, flag: bool) -> bool:
    """利用登録 on `day`: by the card_registration statuses where there are any (a cancellation from a later day is
    their end, so the day asked decides), else the stored flag."""
    spans = _holds(held, "card_registration", day)
    return any(spans) if spans else flag


def due_for_decision(
    app: App, uow: AbstractUnitOfWork, decision: Decision, statuses: list, today: dt.date
) -> list[dict]:
    """CERT-KIND and CERT-EXPIRY for whoever joins, or whose new status changes their certificate."""
    overrides: dict[str, dict[str, Any]] = {}
    if decision.kind == "join":
        person_ids = [p.person_id for p in decision.persons]
    elif decision.kind == "status":
        person_ids = []
        for accepted in statuses:
            period = accepted.period
            current = uow.periods.current([period.person_id]).get(period.person_id)
            if period.kind in CARD_UNUSABLE_KINDS and not card_unusable_on([period], today):
                continue  # the card still works (3 months after its expiry): nothing changes today
            if period.kind in REISSUE_ON and current is not None and current.covers(today):
                person_ids.append(period.person_id)
                overrides.setdefault(period.person_id, {}).update(status_flags(period, accepted.display_name, today))
                if period.kind == "student_away":
                    overrides[period.person_id]["student_away"] = period.active_on(today)
                if period.kind in CARD_UNUSABLE_KINDS:
                    overrides[period.person_id]["card_unusable"] = card_unusable_on([period], today)
    else:
        return []
    return _due(app, uow, person_ids, today, overrides)


def due_now(app: App, person_id: str, actor: Actor) -> dict[str, Any]:
    """The certificates a person insured on the business date is due (for svc-documents and the counter)."""
    today = app.today(actor)
    with app.uow(read_only=True) as uow:
        if uow.persons.get(person_id) is None:
            raise NotFound("person", person_id)
        current = uow.periods.current([person_id]).get(person_id)
        if current is None or not current.covers(today):
            raise RuleViolation(
                "person_id", f"person {person_id} is not insured on {today}", rule="CERT-KIND", code="NOT_INSURED"
            )
        due = _due(app, uow, [person_id], today, {})
    return {
        "person_id": person_id,
        "as_of": today.isoformat(),
        "certificates": [c for c in due if c["kind"] != "none"],
        "reasons": [r for c in due if c["kind"] == "none" for r in c["reasons"]],
    }


def to_reissue(app: App, uow: AbstractUnitOfWork, old: Period, new: Period, today: dt.date, why: Reason) -> list[dict]:
    """The certificates to issue again after a correction, when what they show changed (the dates and numbers a
    certificate prints) or the person is insured again; none when nothing printed changed."""
    insured_again = not old.covers(today)
    if not insured_again and all(getattr(old, f) == getattr(new, f) for f in PRINTED_PERIOD_FIELDS):
        return []
    because = Reason(
        why.rule_id,
        "訂正により証の記載事項が変わるため再交付" if not insured_again else "訂正により資格が続くため再交付",
        why.basis,
        {"corrected_fields": why.facts.get("corrected_fields", "")},
    ).as_dict()
    due = [c for c in _due(app, uow, [new.person_id], today, {}) if c["kind"] != "none"]
    return [{**c, "reasons": [*c["reasons"], because]} for c in due]


def to_collect(uow: AbstractUnitOfWork, decision: Decision) -> list[dict]:
    """The certificates the persons who leave still hold and must give back (資格確認書, 高齢受給者証)."""
    if decision.kind != "leave":
        return []
    return [
        views.certificate_dict(row)
        for p in decision.persons
        for row in uow.certificates.issued(p.person_id, COLLECTED_KINDS)
    ]


def _due(
    app: App, uow: AbstractUnitOfWork, person_ids: list[str], today: dt.date, overrides: dict[str, dict[str, Any]]
) -> list[dict]:
    due: list[dict] = []
    for person_id in dict.fromkeys(person_ids):
        row = uow.persons.get(person_id)
        flags = overrides.get(person_id, {})
        held = [p for _id, p in uow.statuses.current(person_id)]
        student = flags.get("student_away", any(s.kind == "student_away" and s.active_on(today) for s in held))
        person = CertificatePerson(
            person_id=person_id,
            birth_date=row.birth_date,
            card_registered=bool(flags.get("card_registered", registered_on(held, today, bool(row.card_registered)))),
            dv_support=bool(flags.get("dv_support", row.dv_support or any(_holds(held, "dv_support", today)))),
            residence_period_end=row.residence_expires_on,
            student_away=student,
            card_unusable=flags.get("card_unusable") or card_unusable_on(held, today),
        )
        try:
            for item in certificates_due(person=person, as_of=today, config=app.certificates):
                due.append(
                    {
                        "kind": item.kind,
                        "person_id": person_id,
                        "valid_from": item.valid_from.isoformat(),
                        "valid_until": iso(item.valid_until),
                        "reasons": [r.as_dict() for r in item.reasons],
                    }
                )
        except RuleViolation as exc:
            due.append(
                {
                    "kind": "none",
                    "person_id": person_id,
                    "valid_from": "",
                    "valid_until": "",
                    "reasons": [_refusal(exc).as_dict()],
                }
            )
    return due


def _refusal(exc: RuleViolation) -> Reason:
    """Why no certificate is due, in the clerk's words, with the rule's basis and the refusal as facts."""
    rule = exc.rule or "CERT-KIND"
    return Reason(
        rule,
        f"証を交付しない（{rule}）",
        REFUSAL_BASIS.get(rule, BASIS_2024),
        {"field": exc.field, "detail": exc.message},
    )
