"""Use cases of svc-qualification: intake, confirmation, look-ups. Rules come from the domain package."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from nhi_common.plumbing import Plumbing, dumps, utcnow

from ..adapters import store
from ..adapters.tables import PLUMBING, branches, households, intake_items, metadata, persons
from ..adapters.vault import MyNumberVault
from ..domain import decide as rules
from ..domain.errors import RuleViolation
from ..domain.model import Decision, Period, PersonFacts
from ..domain.numbers import mask_my_number, my_number_problem
from .context import Actor, business_date

SOURCE = "urn:nhi:svc-qualification"
RESIDENT_CONSUMER = "resident-changes"


class NotFound(Exception):
    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key} not found")
        self.kind = kind
        self.key = key


class StaleVersion(Exception):
    """Another change to the household committed first."""

    def __init__(self, household_id: str, current_version: int) -> None:
        super().__init__(f"household {household_id} was changed by someone else (now version {current_version})")
        self.household_id = household_id
        self.current_version = current_version


class IdempotencyReuse(Exception):
    pass


class QualificationService:
    def __init__(self, *, engine: sa.Engine, vault: MyNumberVault, insurer_number: str, insured_symbol: str,
                 fixed_business_date: dt.date | None = None, after_commit: Callable[[], None] = lambda: None,
                 config: rules.RuleConfig = rules.RuleConfig()) -> None:
        self.engine = engine
        self.vault = vault
        self.insurer_number = insurer_number
        self.insured_symbol = insured_symbol
        self.fixed_business_date = fixed_business_date
        self.after_commit = after_commit
        self.config = config
        self.plumbing = Plumbing(metadata, SOURCE)
        assert set(PLUMBING) == set(self.plumbing.tables)

    # ----- resident registry reflection (住民記録連携) -----

    def apply_resident_changes(self, changes: list[dict[str, Any]], actor: Actor) -> list[dict[str, Any]]:
        """Record persons and households from resident changes; a 転入 becomes an intake item for the counter."""
        results = []
        with self.engine.begin() as conn:
            for change in changes:
                results.append(self._apply_resident_change(conn, change, actor))
        return results

    def _apply_resident_change(self, conn: sa.Connection, change: dict[str, Any], actor: Actor) -> dict[str, Any]:
        change_id = change["change_id"]
        person_ids = [p["person_id"] for p in change.get("persons", [])]
        if not self.plumbing.claim_inbox(conn, event_id=change_id, consumer=RESIDENT_CONSUMER):
            return {"change_id": change_id, "outcome": "duplicate", "person_ids": person_ids}
        household_id = change["household_id"]
        address = json.dumps(change.get("address") or {}, ensure_ascii=False, sort_keys=True)
        now = utcnow()
        if store.get_household(conn, household_id) is None:
            conn.execute(sa.insert(households).values(household_id=household_id,
                                                      head_person_id=change.get("head_person_id") or person_ids[0],
                                                      address=address, updated_at=now))
        elif change.get("head_person_id"):
            conn.execute(sa.update(households).where(households.c.household_id == household_id)
                         .values(head_person_id=change["head_person_id"], address=address, updated_at=now,
                                 version=households.c.version + 1))
        kind = change["change_kind"]
        status = {"death": "dead", "move_out": "moved_out", "move_out_same_pref": "moved_out"}.get(kind, "resident")
        for index, person in enumerate(change.get("persons", [])):
            self._upsert_person(conn, person, household_id, status, change, index)
        outcome = {"change_id": change_id, "outcome": "applied", "person_ids": person_ids}
        if kind in {"move_in", "move_in_same_pref", "birth", "death", "move_out", "move_out_same_pref"}:
            # The qualification follows a counter notification; until then the clerk sees it waiting.
            outcome["intake_item_id"] = store.add_intake_item(
                conn, source_change_id=change_id, kind=kind, household_id=household_id, person_ids=person_ids,
                event_date=dt.date.fromisoformat(change["event_date"]))
            outcome["outcome"] = "intake_item"
        self.plumbing.audit(conn, operator_id=actor.operator_id, action="resident.change.applied",
                            target_kind="household", target_id=household_id, detail=f"{kind} {change_id}")
        return outcome

    def _upsert_person(self, conn, person: dict[str, Any], household_id: str, status: str, change: dict[str, Any],
                       index: int) -> None:
        values: dict[str, Any] = {
            "household_id": household_id,
            "name_kanji": person["name_kanji"],
            "name_kana": person["name_kana"],
            "birth_date": dt.date.fromisoformat(person["birth_date"]),
            "sex": person.get("sex") or "",
            "relationship": person.get("relationship") or "",
            "listing_order": int(person.get("listing_order") or index + 1),
            "resident_status": status,
            "nationality": person.get("nationality") or "",
            "residence_status": person.get("residence_status") or "",
            "residence_expires_on": _date_or_none(person.get("residence_expires_on")),
            "dv_support": bool(person.get("dv_support")),
            "updated_at": utcnow(),
        }
        if change.get("change_kind") in {"move_in", "move_in_same_pref", "birth"}:
            values["resident_since"] = dt.date.fromisoformat(change["event_date"])
        if person.get("my_number"):
            problem = my_number_problem(person["my_number"])
            if problem:
                raise RuleViolation(f"changes.persons[{index}].my_number", problem, rule="NUM-MYNUMBER",
                                    code="INVALID_MY_NUMBER")
            values["my_number_enc"] = self.vault.encrypt(person["my_number"])
            values["my_number_hash"] = self.vault.lookup_hash(person["my_number"])
        existing = store.get_person(conn, person["person_id"])
        if existing is None:
            conn.execute(sa.insert(persons).values(person_id=person["person_id"], **values))
        else:
            conn.execute(sa.update(persons).where(persons.c.person_id == person["person_id"])
                         .values(version=persons.c.version + 1, **values))

    # ----- counter notifications (届出) -----

    def submit_notification(self, request: dict[str, Any], actor: Actor) -> dict[str, Any]:
        """Decide a join or leave notification; store it (unless dry_run) with its events, atomically."""
        today = business_date(actor, self.fixed_business_date)
        event_date = _parse_date(request, "event_date")
        notified_on = _parse_date(request, "notified_on")
        people = request.get("persons") or []
        if not people:
            raise RuleViolation("persons", "at least one person is required", code="REQUIRED")
        for index, entry in enumerate(people):
            if entry.get("my_number"):
                problem = my_number_problem(entry["my_number"])
                if problem:
                    raise RuleViolation(f"persons[{index}].my_number", problem, rule="NUM-MYNUMBER",
                                        code="INVALID_MY_NUMBER")
        identity = request.get("identity_check") or {}
        if not identity.get("document_kind"):
            raise RuleViolation("identity_check.document_kind", "the identity check must be recorded", code="REQUIRED")
        fingerprint = dumps({k: v for k, v in request.items() if k != "idempotency_key"}).encode()
        with self.engine.begin() as conn:
            if actor.idempotency_key and not request.get("dry_run"):
                try:
                    stored = self.plumbing.recall_idempotent(conn, key=actor.idempotency_key,
                                                             operation="SubmitNotification", request=fingerprint)
                except Exception as exc:
                    raise IdempotencyReuse(str(exc)) from exc
                if stored is not None:
                    return json.loads(stored)
            household = store.get_household(conn, request.get("household_id", ""))
            if household is None:
                raise NotFound("household", request.get("household_id", ""))
            expected = int(request.get("expected_household_version") or 0)
            if expected and expected != household.version:
                raise StaleVersion(household.household_id, household.version)
            facts = self._facts(conn, household.household_id, people)
            decision = rules.decide(kind=request.get("kind", ""), reason_code=request.get("reason", ""),
                                    event_date=event_date, notified_on=notified_on, business_date=today,
                                    persons=facts, config=self.config)
            if request.get("dry_run"):
                return self._response(decision, None, household, {}, dry_run=True)
            new_version = store.bump_household(conn, household.household_id, household.version)
            if not new_version:
                current = store.get_household(conn, household.household_id)
                raise StaleVersion(household.household_id, current.version if current else 0)
            change_id = str(uuid.uuid4())
            numbers = self._record(conn, decision, household, facts, change_id, people, actor)
            response = self._response(decision, change_id, household, numbers, dry_run=False)
            response["household_version"] = new_version
            store.insert_change(
                conn, change_id=change_id, business_date=today, operator_id=actor.operator_id,
                kind=decision.kind, reason=decision.reason_code, household_id=household.household_id,
                person_ids=json.dumps([p.person_id for p in decision.persons]), event_date=event_date,
                notified_on=notified_on, identity_check=dumps(identity), decision=dumps(response["decision"]),
                before=dumps({f.person_id: _period_summary(f.current_period) for f in facts}),
                after=dumps(numbers))
            store.close_intake_items(conn, household.household_id, [p.person_id for p in decision.persons])
            self.plumbing.audit(conn, operator_id=actor.operator_id, action=f"notification.{decision.kind}",
                                target_kind="household", target_id=household.household_id,
                                detail=f"{decision.reason_code} {change_id}")
            if actor.idempotency_key:
                self.plumbing.remember_idempotent(conn, key=actor.idempotency_key, operation="SubmitNotification",
                                                  request=fingerprint, response=json.dumps(response).encode())
        self.after_commit()
        return response

    def _facts(self, conn, household_id: str, people: list[dict[str, Any]]) -> list[PersonFacts]:
        ids = [p.get("person_id", "") for p in people]
        current = store.current_periods(conn, ids)
        facts = []
        for index, person_id in enumerate(ids):
            row = store.get_person(conn, person_id)
            if row is None:
                raise NotFound("person", person_id)
            if row.household_id != household_id:
                raise RuleViolation(f"persons[{index}].person_id",
                                    f"person {person_id} is not a member of household {household_id}",
                                    rule="HOUSEHOLD", code="NOT_A_MEMBER")
            if row.resident_status != "resident":
                raise RuleViolation(f"persons[{index}].person_id", f"person {person_id} is {row.resident_status}",
                                    code="NOT_RESIDENT")
            facts.append(PersonFacts(person_id, household_id, row.birth_date, row.resident_status, current.get(person_id)))
        return facts

    def _record(self, conn, decision: Decision, household, facts: list[PersonFacts], change_id: str,
                people: list[dict[str, Any]], actor: Actor) -> dict[str, dict[str, str]]:
        """Write the new period versions and their events; returns the 記号・番号・枝番 of each person."""
        now = utcnow()
        symbol, number = household.symbol, household.number
        if not symbol:
            symbol, number = self.insured_symbol, store.next_household_number(conn, self.insured_symbol)
            conn.execute(sa.update(households).where(households.c.household_id == household.household_id)
                         .values(symbol=symbol, number=number))
        next_branch = household.next_branch
        by_id = {f.person_id: f for f in facts}
        my_numbers = {p["person_id"]: p["my_number"] for p in people if p.get("my_number")}
        numbers: dict[str, dict[str, str]] = {}
        for person in decision.persons:
            if person.person_id in my_numbers:
                conn.execute(sa.update(persons).where(persons.c.person_id == person.person_id).values(
                    my_number_enc=self.vault.encrypt(my_numbers[person.person_id]),
                    my_number_hash=self.vault.lookup_hash(my_numbers[person.person_id])))
            if decision.kind == "join":
                branch = store.branch_for(conn, symbol, number, person.person_id)
                if branch is None:
                    branch = f"{next_branch:02d}"
                    store.add_branch(conn, symbol, number, branch, person.person_id)
                    next_branch += 1
                period_id = store.insert_period(
                    conn, recorded_at=now, change_id=change_id, reasons=person.reasons,
                    person_id=person.person_id, household_id=household.household_id, insurer_number=self.insurer_number,
                    symbol=symbol, number=number, branch_no=branch, acquired_on=person.acquired_on,
                    acquired_reason=decision.reason_code, lost_on=None, lost_reason=None)
                subject, verb = "nhi.v1.qualification.acquired", "acquired"
            else:
                current: Period = by_id[person.person_id].current_period
                store.supersede_period(conn, current.period_id, now)
                period_id = store.insert_period(
                    conn, period_id=current.period_id, recorded_at=now, change_id=change_id,
                    reasons=(*current.reasons, *person.reasons), person_id=person.person_id,
                    household_id=current.household_id, insurer_number=current.insurer_number, symbol=current.symbol,
                    number=current.number, branch_no=current.branch_no, acquired_on=current.acquired_on,
                    acquired_reason=current.acquired_reason, lost_on=person.lost_on, lost_reason=decision.reason_code)
                symbol, number, branch = current.symbol, current.number, current.branch_no
                subject, verb = "nhi.v1.qualification.lost", "lost"
            numbers[person.person_id] = {"symbol": symbol, "number": number, "branch_no": branch, "period_id": period_id}
            row = store.get_person(conn, person.person_id)
            self.plumbing.add_event(conn, nats_subject=subject, type=f"jp.nhi.qualification.{verb}.v1",
                                    subject=person.person_id, data={
                "change_id": change_id, "period_id": period_id, "person_id": person.person_id,
                "household_id": household.household_id, "insurer_number": self.insurer_number,
                "symbol": symbol, "number": number, "branch_no": branch,
                "acquired_on": _iso(person.acquired_on), "lost_on": _iso(person.lost_on),
                "reason": decision.reason_code, "rule_ids": [r.rule_id for r in person.reasons],
                "birth_date": row.birth_date.isoformat(), "sex": row.sex,
                "business_date": decision.business_date.isoformat(), "operator_id": actor.operator_id,
            })
        if next_branch != household.next_branch:
            conn.execute(sa.update(households).where(households.c.household_id == household.household_id)
                         .values(next_branch=next_branch))
        return numbers

    def _response(self, decision: Decision, change_id: str | None, household, numbers: dict, *, dry_run: bool) -> dict:
        persons_out = []
        for p in decision.persons:
            entry = {"person_id": p.person_id, "acquired_on": _iso(p.acquired_on), "lost_on": _iso(p.lost_on),
                     "reasons": [r.as_dict() for r in p.reasons]}
            entry.update({k: v for k, v in numbers.get(p.person_id, {}).items() if k != "period_id"})
            persons_out.append(entry)
        return {"decision": {
            "change_id": change_id or "",
            "business_date": decision.business_date.isoformat(),
            "persons": persons_out,
            "documents": [{"kind": d.kind, "person_id": d.person_id, "reason": d.reason.as_dict()} for d in decision.documents],
            "late": decision.late_days > 0,
            "late_days": decision.late_days,
            "retroactive_flag": decision.retroactive,
            "reasons": [r.as_dict() for r in decision.reasons],
            "dry_run": dry_run,
        }, "household_version": household.version}

    # ----- confirmation and look-ups (2.1.1) -----

    def get_qualification(self, person_id: str, as_of: dt.date | None, known_at: dt.datetime | None, actor: Actor) -> dict:
        day = as_of or business_date(actor, self.fixed_business_date)
        with self.engine.connect() as conn:
            row = store.get_person(conn, person_id)
            if row is None:
                raise NotFound("person", person_id)
            period = store.period_as_of(conn, person_id, day, known_at)
        view = {"person_id": person_id, "as_of": day.isoformat(), "known_at": known_at.isoformat() if known_at else "",
                "insured": period is not None, "person": self._person_view(row, actor, insured=period is not None)}
        if period is not None:
            view["period"] = period_dict(period)
        self._audit_my_number_read(actor, [row])
        return view

    def get_person(self, person_id: str, actor: Actor) -> dict:
        with self.engine.connect() as conn:
            row = store.get_person(conn, person_id)
            if row is None:
                raise NotFound("person", person_id)
            insured = self._insured_today(conn, [person_id], actor)
        self._audit_my_number_read(actor, [row])
        return self._person_view(row, actor, insured=person_id in insured)

    def get_household(self, household_id: str, actor: Actor) -> dict:
        with self.engine.connect() as conn:
            household = store.get_household(conn, household_id)
            if household is None:
                raise NotFound("household", household_id)
            members = store.household_members(conn, household_id)
            insured = self._insured_today(conn, [m.person_id for m in members], actor)
        self._audit_my_number_read(actor, members)
        head_insured = household.head_person_id in insured
        return {"household_id": household.household_id, "head_person_id": household.head_person_id,
                "symbol": household.symbol or "", "number": household.number or "",
                "deemed_head": bool(insured) and not head_insured,
                "members": [self._person_view(m, actor, insured=m.person_id in insured) for m in members],
                "address": json.loads(household.address or "{}"), "version": household.version}

    def search_persons(self, criteria: dict[str, str], page_size: int, cursor: str, actor: Actor) -> tuple[list[dict], str]:
        query = sa.select(persons)
        if criteria.get("my_number"):
            if not actor.can_read_my_number():
                raise PermissionError("searching by My Number needs the mynumber:read scope")
            query = query.where(persons.c.my_number_hash == self.vault.lookup_hash(criteria["my_number"]))
        if criteria.get("name_kana"):
            query = query.where(persons.c.name_kana.startswith(criteria["name_kana"]))
        if criteria.get("birth_date"):
            query = query.where(persons.c.birth_date == dt.date.fromisoformat(criteria["birth_date"]))
        if criteria.get("household_id"):
            query = query.where(persons.c.household_id == criteria["household_id"])
        if criteria.get("symbol") or criteria.get("number") or criteria.get("branch_no"):
            sub = sa.select(branches.c.person_id)
            for key in ("symbol", "number", "branch_no"):
                if criteria.get(key):
                    sub = sub.where(getattr(branches.c, key) == criteria[key])
            query = query.where(persons.c.person_id.in_(sub))
        with self.engine.connect() as conn:
            rows, next_cursor = store.page(conn, query, persons.c.person_id, page_size, cursor)
            insured = self._insured_today(conn, [r.person_id for r in rows], actor)
        if criteria.get("my_number"):
            self._audit(actor, "mynumber.search", "person", ",".join(r.person_id for r in rows) or "-")
        self._audit_my_number_read(actor, rows)
        return [self._person_view(r, actor, insured=r.person_id in insured) for r in rows], next_cursor

    def get_history(self, person_id: str) -> list[dict]:
        with self.engine.connect() as conn:
            if store.get_person(conn, person_id) is None:
                raise NotFound("person", person_id)
            return [period_dict(p) for p in store.history(conn, person_id)]

    def list_intake_items(self, state: str, page_size: int, cursor: str) -> tuple[list[dict], str]:
        query = sa.select(intake_items)
        if state:
            query = query.where(intake_items.c.state == state)
        with self.engine.connect() as conn:
            rows, next_cursor = store.page(conn, query, intake_items.c.seq, page_size, cursor)
        return [{"item_id": r.item_id, "source_change_id": r.source_change_id, "kind": r.kind,
                 "household_id": r.household_id, "person_ids": json.loads(r.person_ids),
                 "event_date": r.event_date.isoformat(), "state": r.state,
                 "created_at": _aware_iso(r.created_at)} for r in rows], next_cursor

    def list_audit_events(self, operator_id: str, action: str, page_size: int, cursor: str) -> tuple[list[dict], str]:
        table = self.plumbing.tables["audit_log"]
        query = sa.select(table)
        if operator_id:
            query = query.where(table.c.operator_id == operator_id)
        if action:
            query = query.where(table.c.action == action)
        with self.engine.connect() as conn:
            rows, next_cursor = store.page(conn, query, table.c.seq, page_size, cursor)
        return [{"event_id": r.event_id, "occurred_at": _aware_iso(r.occurred_at), "operator_id": r.operator_id,
                 "action": r.action, "target_kind": r.target_kind, "target_id": r.target_id, "detail": r.detail}
                for r in rows], next_cursor

    # ----- helpers -----

    def _insured_today(self, conn, person_ids: list[str], actor: Actor) -> set[str]:
        today = business_date(actor, self.fixed_business_date)
        return {pid for pid in person_ids if store.period_as_of(conn, pid, today, None) is not None}

    def _person_view(self, row, actor: Actor, *, insured: bool) -> dict:
        my_number = ""
        if row.my_number_enc:
            plain = self.vault.decrypt(row.my_number_enc)
            my_number = plain if actor.can_read_my_number() else mask_my_number(plain)
        return {"person_id": row.person_id, "household_id": row.household_id, "name_kanji": row.name_kanji,
                "name_kana": row.name_kana, "birth_date": row.birth_date.isoformat(), "sex": row.sex,
                "relationship": row.relationship, "listing_order": row.listing_order,
                "resident_since": _iso(row.resident_since), "resident_status": row.resident_status,
                "my_number": my_number, "insured": insured, "version": row.version,
                "nationality": row.nationality, "residence_status": row.residence_status,
                "residence_expires_on": _iso(row.residence_expires_on)}

    def _audit_my_number_read(self, actor: Actor, rows) -> None:
        """Every unmasked My Number handed out is written to the audit log."""
        read = [r.person_id for r in rows if r.my_number_enc]
        if actor.can_read_my_number() and read:
            self._audit(actor, "mynumber.read", "person", ",".join(read))

    def _audit(self, actor: Actor, action: str, kind: str, target: str) -> None:
        with self.engine.begin() as conn:
            self.plumbing.audit(conn, operator_id=actor.operator_id, action=action, target_kind=kind, target_id=target)


def period_dict(period: Period) -> dict:
    return {"period_id": period.period_id, "person_id": period.person_id, "household_id": period.household_id,
            "insurer_number": period.insurer_number, "symbol": period.symbol, "number": period.number,
            "branch_no": period.branch_no, "acquired_on": period.acquired_on.isoformat(),
            "acquired_reason": period.acquired_reason, "lost_on": _iso(period.lost_on),
            "lost_reason": period.lost_reason or "", "recorded_at": period.recorded_at.isoformat(),
            "superseded_at": period.superseded_at.isoformat() if period.superseded_at else "",
            "change_id": period.change_id, "reasons": [r.as_dict() for r in period.reasons]}


def _period_summary(period: Period | None) -> dict:
    if period is None:
        return {}
    return {"acquired_on": period.acquired_on.isoformat(), "lost_on": _iso(period.lost_on)}


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _aware_iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.isoformat()


def _date_or_none(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _parse_date(request: dict[str, Any], field: str) -> dt.date:
    raw = request.get(field) or ""
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise RuleViolation(field, f"{raw!r} is not a date (YYYY-MM-DD)", code="INVALID_DATE") from None
