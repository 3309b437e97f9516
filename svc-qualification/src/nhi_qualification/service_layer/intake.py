"""Intake (2.1): counter notifications and the reflection of resident-registry changes, decided by the rules."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import sqlalchemy as sa

from nhi_common.plumbing import dumps, utcnow

from ..adapters import records_store as rs
from ..adapters import store
from ..adapters.tables import households, persons, status_periods
from ..domain import decide as rules
from ..domain.ages import elder_period
from ..domain.certificates import CertificateConfig, CertificatePerson, certificates_due
from ..domain.errors import RuleViolation
from ..domain.model import Decision, DocumentDue, Period, PersonFacts, Reason
from ..domain.numbers import INSURED_RULE, my_number_problem
from ..domain.special_statuses import StatusPeriod, status_kind, validate_status_period
from .context import Actor, business_date
from .errors import IdempotencyReuse, NotFound, StaleVersion
from .values import iso

RESIDENT_CONSUMER = "resident-changes"
# Resident changes the system reflects by itself, and the reason each becomes (2.1: 住民情報反映).
AUTOMATIC = {"death": ("leave", "death"), "move_out": ("leave", "move_out"),
             "move_out_same_pref": ("leave", "move_out_same_pref"), "birth": ("join", "birth")}
STATUS_SLIPS = {"former_dependant": "former_dependant_slip", "specific_same_household": "specific_same_household_slip",
                "involuntary_unemployment": "involuntary_unemployment_slip"}
# Statuses that change what a certificate shows or how long it runs: the certificate is issued again.
REISSUE_ON = {"card_registration", "gender_identity_display", "student_away", "dv_support"}


class IntakeMixin:
    """Part of QualificationService: everything that changes a qualification on a notification or a resident change."""

    certificate_config = CertificateConfig()

    # ----- resident registry reflection (住民記録連携) -----

    def apply_resident_changes(self, changes: list[dict[str, Any]], actor: Actor) -> list[dict[str, Any]]:
        """Record persons and households; deaths, move-outs and births into NHI households are reflected at once."""
        results = []
        today = business_date(actor, self.fixed_business_date)
        with self.engine.begin() as conn:
            for change in changes:
                results.append(self._apply_resident_change(conn, change, actor, today))
        self.after_commit()
        return results

    def _apply_resident_change(self, conn, change: dict[str, Any], actor: Actor, today: dt.date) -> dict[str, Any]:
        change_id = change["change_id"]
        person_ids = [p["person_id"] for p in change.get("persons", [])]
        if not self.plumbing.claim_inbox(conn, event_id=change_id, consumer=RESIDENT_CONSUMER):
            return {"change_id": change_id, "outcome": "duplicate", "person_ids": person_ids}
        household_id = change["household_id"]
        kind = change["change_kind"]
        self._upsert_household(conn, change, person_ids)
        status = {"death": "dead", "move_out": "moved_out", "move_out_same_pref": "moved_out"}.get(kind, "resident")
        for index, person in enumerate(change.get("persons", [])):
            self._upsert_person(conn, person, household_id, status, change, index)
        outcome = {"change_id": change_id, "outcome": "applied", "person_ids": person_ids}
        reflected = self._reflect(conn, change, actor, today) if kind in AUTOMATIC else "not_concerned"
        if reflected == "reflected":
            outcome["outcome"] = "reflected"
        elif kind in {"move_in", "move_in_same_pref"} or reflected == "refused":
            # A move-in waits for the counter notification; an automatic change the rules refused waits for a clerk.
            outcome["intake_item_id"] = store.add_intake_item(
                conn, source_change_id=change_id, kind=kind, household_id=household_id, person_ids=person_ids,
                event_date=dt.date.fromisoformat(change["event_date"]))
            outcome["outcome"] = "intake_item"
        self.plumbing.audit(conn, operator_id=actor.operator_id, action="resident.change.applied",
                            target_kind="household", target_id=household_id, detail=f"{kind} {change_id}")
        return outcome

    def _reflect(self, conn, change: dict[str, Any], actor: Actor, today: dt.date) -> str:
        """Decide a death, move-out or birth as if notified: `reflected`, `not_concerned` (nobody insured) or `refused`
        (the rules said no, or a member keeps the qualification while away: a clerk looks at it)."""
        kind, reason = AUTOMATIC[change["change_kind"]]
        household_id = change["household_id"]
        people = [p["person_id"] for p in change.get("persons", [])]
        current = store.current_periods(conn, people)
        if kind == "leave":
            insured = [p for p in people if p in current and current[p].end_on is None]
            # HOUSEHOLD: マル学 and マル遠 members stay in the origin household, 住所地特例 persons stay ours.
            day = dt.date.fromisoformat(change["event_date"])
            people = [p for p in insured
                      if change["change_kind"] == "death" or not self._stays_insured_when_away(conn, p, day)]
            if not insured:
                return "not_concerned"
            if len(people) < len(insured):
                return "refused"
        elif not self._any_insured(conn, household_id, today, exclude=set(people)):
            return "not_concerned"  # a birth into a household with no NHI member is no NHI birth
        request = {"kind": kind, "reason": reason, "household_id": household_id,
                   "persons": [{"person_id": p} for p in people], "event_date": change["event_date"],
                   "notified_on": change.get("notified_on") or change["event_date"],
                   "identity_check": {"document_kind": "resident_registry", "checked_by": "resident-registry"}}
        savepoint = conn.begin_nested()
        try:
            self._notify(conn, request, Actor(actor.operator_id or "integration", business_date=today), today,
                         at_counter=False, resident_status_checked=False)
        except (RuleViolation, StaleVersion, NotFound):
            savepoint.rollback()
            return "refused"
        savepoint.commit()
        return "reflected"

    @staticmethod
    def _stays_insured_when_away(conn, person_id: str, day: dt.date) -> bool:
        return any(status_kind(code=s.kind).effects.stays_in_origin_household
                   or status_kind(code=s.kind).effects.becomes_single_household
                   for _id, s in store.current_statuses(conn, person_id)
                   if s.start <= day and (s.end is None or day <= s.end))

    def _any_insured(self, conn, household_id: str, day: dt.date, exclude: set[str] = frozenset()) -> bool:
        members = [m.person_id for m in store.household_members(conn, household_id) if m.person_id not in exclude]
        return any(p.covers(day) for p in store.current_periods(conn, members).values())

    def _upsert_household(self, conn, change: dict[str, Any], person_ids: list[str]) -> None:
        household_id = change["household_id"]
        address = json.dumps(change.get("address") or {}, ensure_ascii=False, sort_keys=True)
        now = utcnow()
        existing = store.get_household(conn, household_id)
        if existing is None:
            conn.execute(sa.insert(households).values(household_id=household_id,
                                                      head_person_id=change.get("head_person_id") or person_ids[0],
                                                      address=address, updated_at=now))
        elif change.get("head_person_id") or change.get("address"):
            values = {"updated_at": now, "version": households.c.version + 1}
            if change.get("head_person_id"):
                values["head_person_id"] = change["head_person_id"]
            if change.get("address"):
                values["address"] = address
            conn.execute(sa.update(households).where(households.c.household_id == household_id).values(**values))

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
        store.snapshot_person(conn, person["person_id"], f"resident.{change['change_kind']} {change['change_id']}")

    # ----- counter notifications (届出) -----

    def submit_notification(self, request: dict[str, Any], actor: Actor) -> dict[str, Any]:
        """Decide a notification; store it (unless dry_run) with its events, atomically."""
        today = business_date(actor, self.fixed_business_date)
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
        fingerprint = dumps(request).encode()
        with self.engine.begin() as conn:
            if actor.idempotency_key and not request.get("dry_run"):
                try:
                    stored = self.plumbing.recall_idempotent(conn, key=actor.idempotency_key,
                                                             operation="SubmitNotification", request=fingerprint)
                except Exception as exc:
                    raise IdempotencyReuse(str(exc)) from exc
                if stored is not None:
                    return json.loads(stored)
            response = self._notify(conn, request, actor, today)
            if actor.idempotency_key and not request.get("dry_run"):
                self.plumbing.remember_idempotent(conn, key=actor.idempotency_key, operation="SubmitNotification",
                                                  request=fingerprint, response=json.dumps(response).encode())
        if not request.get("dry_run"):
            self.after_commit()
        return response

    def _notify(self, conn, request: dict[str, Any], actor: Actor, today: dt.date, *, at_counter: bool = True,
                resident_status_checked: bool = True) -> dict[str, Any]:
        event_date = _parse_date(request, "event_date")
        notified_on = _parse_date(request, "notified_on")
        household = store.get_household(conn, request.get("household_id", ""))
        if household is None:
            raise NotFound("household", request.get("household_id", ""))
        expected = int(request.get("expected_household_version") or 0)
        if expected and expected != household.version:
            raise StaleVersion(household.household_id, household.version)
        people = request.get("persons") or []
        facts = self._facts(conn, household.household_id, people, check_resident=resident_status_checked)
        kind = request.get("kind", "")
        if kind == "status":
            decision, statuses = self._decide_statuses(conn, request, facts, event_date, notified_on, today)
        elif kind == "change":
            decision, statuses = self._decide_head_change(conn, request, household, event_date, notified_on, today), []
        else:
            members = store.household_members(conn, household.household_id)
            joining = {f.person_id for f in facts}
            insured_elsewhere = store.current_periods(conn, [m.person_id for m in members if m.person_id not in joining])
            has_elder = any(p.covers(event_date) and elder_period(birth_date=m.birth_date).covers(event_date)
                            for m in members for p in [insured_elsewhere.get(m.person_id)] if p is not None)
            decision = rules.decide(kind=kind, reason_code=request.get("reason", ""), event_date=event_date,
                                    notified_on=notified_on, business_date=today, persons=facts, config=self.config,
                                    prefecture_acquired_on=_date_or_none(request.get("prefecture_acquired_on")),
                                    household_has_elder=has_elder, at_counter=at_counter)
            statuses = []
        certificates = self._certificates_due(conn, decision, statuses, today)
        collect = self._certificates_to_collect(conn, decision)
        if request.get("dry_run"):
            return self._response(decision, None, household, {}, certificates, collect, statuses, dry_run=True)
        new_version = store.bump_household(conn, household.household_id, household.version)
        if not new_version:
            current = store.get_household(conn, household.household_id)
            raise StaleVersion(household.household_id, current.version if current else 0)
        change_id = str(uuid.uuid4())
        if kind == "status":
            numbers = self._record_statuses(conn, statuses, facts, household, change_id, decision, actor)
        elif kind == "change":
            numbers = self._record_head_change(conn, request, household, change_id, decision, actor)
        else:
            numbers = self._record(conn, decision, household, facts, change_id, people, actor)
        if collect:
            rs.mark_for_collection(conn, {c["person_id"] for c in collect}, rs.COLLECTED_KINDS)
        response = self._response(decision, change_id, household, numbers, certificates, collect, statuses,
                                  dry_run=False)
        response["household_version"] = new_version
        store.insert_change(
            conn, change_id=change_id, business_date=today, operator_id=actor.operator_id,
            kind=decision.kind, reason=decision.reason_code, household_id=household.household_id,
            person_ids=json.dumps([f.person_id for f in facts]), event_date=event_date,
            notified_on=notified_on, identity_check=dumps(request.get("identity_check") or {}),
            decision=dumps(response["decision"]),
            before=dumps({f.person_id: _period_summary(f.current_period) for f in facts}),
            after=dumps(numbers))
        store.close_intake_items(conn, household.household_id, [f.person_id for f in facts])
        self.plumbing.audit(conn, operator_id=actor.operator_id, action=f"notification.{decision.kind}",
                            target_kind="household", target_id=household.household_id,
                            detail=f"{decision.reason_code} {change_id}")
        return response

    def _facts(self, conn, household_id: str, people: list[dict[str, Any]], *, check_resident: bool) -> list[PersonFacts]:
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
            if check_resident and row.resident_status != "resident":
                raise RuleViolation(f"persons[{index}].person_id", f"person {person_id} is {row.resident_status}",
                                    code="NOT_RESIDENT")
            facts.append(PersonFacts(person_id, household_id, row.birth_date, row.resident_status, current.get(person_id),
                                     residence_status=row.residence_status))
        return facts

    # ----- special statuses (SPECIAL-STATUS) -----

    def _decide_statuses(self, conn, request, facts: list[PersonFacts], event_date: dt.date, notified_on: dt.date,
                         today: dt.date) -> tuple[Decision, list[tuple[StatusPeriod, Any, str | None]]]:
        late_days, retroactive, timing = rules.notification_timing(event_date, notified_on, today, self.config)
        by_id = {f.person_id: f for f in facts}
        accepted: list[tuple[StatusPeriod, Any, str | None]] = []
        documents: list[DocumentDue] = []
        claims = request.get("statuses") or []
        if not claims:
            raise RuleViolation("statuses", "a status notification names at least one status", code="REQUIRED")
        for index, claim in enumerate(claims):
            field = f"statuses[{index}]"
            person_id = claim.get("person_id", "")
            if person_id not in by_id:
                raise RuleViolation(f"{field}.person_id", "the person must be one of the notification's persons",
                                    rule="SPECIAL-STATUS", code="NOT_IN_NOTIFICATION")
            replaces = claim.get("status_id") or None
            existing = [p for p in store.current_statuses(conn, person_id) if p[0] != replaces]
            period = StatusPeriod(person_id=person_id, kind=claim.get("kind", ""),
                                  start=_parse_date(claim, "start", f"{field}.start"),
                                  end=_date_or_none(claim.get("end")), evidence=tuple(claim.get("evidence") or ()),
                                  separation_date=_date_or_none(claim.get("separation_date")),
                                  separation_code=claim.get("separation_code") or None)
            try:
                result = validate_status_period(period=period, birth_date=by_id[person_id].birth_date,
                                                existing=[p[1] for p in existing])
            except RuleViolation as exc:
                raise RuleViolation(f"{field}.{exc.field}", exc.message, rule=exc.rule, code=exc.code) from None
            if period.kind == "gender_identity_display" and not claim.get("display_name"):
                raise RuleViolation(f"{field}.display_name", "性同一性障害者 needs the name in everyday use",
                                    rule="SPECIAL-STATUS", code="REQUIRED")
            accepted.append((period, result, replaces, claim.get("display_name") or ""))
            if period.kind in STATUS_SLIPS:
                documents.append(DocumentDue(STATUS_SLIPS[period.kind], person_id, result.reasons[0]))
        decision = Decision("status", "status", today, tuple(), tuple(documents), late_days, retroactive, tuple(timing))
        return decision, accepted

    def _record_statuses(self, conn, statuses, facts, household, change_id: str, decision: Decision,
                         actor: Actor) -> dict[str, dict[str, str]]:
        now = utcnow()
        recorded: dict[str, dict[str, str]] = {}
        for period, result, replaces, display_name in statuses:
            if replaces:
                conn.execute(sa.update(status_periods).where(status_periods.c.status_id == replaces,
                                                             status_periods.c.superseded_at.is_(None))
                             .values(superseded_at=now))
            status_id = str(uuid.uuid4())
            conn.execute(sa.insert(status_periods).values(
                status_id=status_id, person_id=period.person_id, kind=period.kind, start=period.start, end=period.end,
                evidence=json.dumps(list(period.evidence)), separation_date=period.separation_date,
                separation_code=period.separation_code, display_name=display_name,
                reasons=json.dumps([r.as_dict() for r in result.reasons], ensure_ascii=False), change_id=change_id,
                recorded_at=now))
            flags = self._status_flags(period, display_name, decision.business_date)
            if flags:
                conn.execute(sa.update(persons).where(persons.c.person_id == period.person_id)
                             .values(version=persons.c.version + 1, **flags))
                store.snapshot_person(conn, period.person_id, f"status.{period.kind} {change_id}")
            recorded[status_id] = {"person_id": period.person_id, "kind": period.kind}
            if result.kind.effects.becomes_single_household and not replaces:
                recorded[status_id]["household_id"] = self._split_single_household(
                    conn, period.person_id, household, period.start, change_id, actor)
            self.plumbing.add_event(conn, nats_subject="nhi.v1.qualification.changed",
                                    type="jp.nhi.qualification.changed.v1", subject=period.person_id, data={
                **self._person_payload(conn, period.person_id, household),
                "change_id": change_id, "status_id": status_id, "status_kind": period.kind,
                "status_start": period.start.isoformat(), "status_end": iso(period.end),
                "effective_date": period.start.isoformat(), "rule_ids": [r.rule_id for r in result.reasons],
                "effects": {k: v for k, v in vars(result.kind.effects).items() if v},
                "business_date": decision.business_date.isoformat(), "operator_id": actor.operator_id})
        return recorded

    def _split_single_household(self, conn, person_id: str, household, day: dt.date, change_id: str,
                                actor: Actor) -> str:
        """HOUSEHOLD / 住所地特例: the person becomes a one-person NHI household of ours, the qualification goes on."""
        if household.head_person_id == person_id and len(store.household_members(conn, household.household_id)) == 1:
            return household.household_id
        new_id = f"S{person_id}"
        now = utcnow()
        number = store.next_household_number(conn, self.insured_symbol)
        conn.execute(sa.insert(households).values(household_id=new_id, head_person_id=person_id,
                                                  symbol=self.insured_symbol, number=number, next_branch=2,
                                                  address=household.address, updated_at=now))
        conn.execute(sa.update(persons).where(persons.c.person_id == person_id)
                     .values(household_id=new_id, relationship="世帯主", listing_order=1,
                             version=persons.c.version + 1, updated_at=now))
        store.snapshot_person(conn, person_id, f"status.address_exception {change_id}")
        store.add_branch(conn, self.insured_symbol, number, "01", person_id)
        current = store.current_periods(conn, [person_id]).get(person_id)
        if current is not None and current.covers(day):
            store.supersede_period(conn, current.period_id, now)
            reason = Reason("HOUSEHOLD", f"住所地特例により {day.isoformat()} から単身の国保世帯 {new_id}", "国民健康保険法第116条の2",
                            {"from_household": household.household_id, "to_household": new_id})
            store.insert_period(conn, period_id=current.period_id, recorded_at=now, change_id=change_id,
                                reasons=(*current.reasons, reason), person_id=person_id, household_id=new_id,
                                insurer_number=current.insurer_number, symbol=self.insured_symbol, number=number,
                                branch_no="01", acquired_on=current.acquired_on, acquired_reason=current.acquired_reason,
                                lost_on=None, lost_reason=None, coverage_starts_on=current.coverage_starts_on,
                                operator_id=actor.operator_id)
        return new_id

    @staticmethod
    def _status_flags(period: StatusPeriod, display_name: str, today: dt.date) -> dict[str, Any]:
        active = period.start <= today and (period.end is None or today <= period.end)
        if period.kind == "card_registration":
            return {"card_registered": active}
        if period.kind == "dv_support":
            return {"dv_support": active}
        if period.kind == "gender_identity_display":
            return {"display_name": display_name if active else ""}
        return {}

    # ----- NHI head of a 擬制世帯主 household (HOUSEHOLD) -----

    def _decide_head_change(self, conn, request, household, event_date: dt.date, notified_on: dt.date,
                            today: dt.date) -> Decision:
        """On application, an insured member becomes the NHI head of a household whose head is not insured."""
        if request.get("reason") != "head_change":
            raise RuleViolation("reason", "a change notification supports reason head_change", code="UNKNOWN_REASON")
        late_days, retroactive, timing = rules.notification_timing(event_date, notified_on, today, self.config)
        new_head = request.get("new_head_person_id") or ""
        members = {m.person_id for m in store.household_members(conn, household.household_id)}
        current = store.current_periods(conn, list(members))
        if household.head_person_id in current and current[household.head_person_id].covers(event_date):
            raise RuleViolation("household_id", "the resident-register head is insured: the household has no 擬制世帯主",
                                rule="HOUSEHOLD", code="NOT_A_DEEMED_HEAD_HOUSEHOLD")
        if new_head not in members or new_head not in current or not current[new_head].covers(event_date):
            raise RuleViolation("new_head_person_id", "the new NHI head must be an insured member of the household",
                                rule="HOUSEHOLD", code="NOT_AN_INSURED_MEMBER")
        reason = Reason("HOUSEHOLD", f"擬制世帯主の世帯で被保険者 {new_head} を国保の世帯主とする（申請による）", "国民健康保険法",
                        {"resident_head": household.head_person_id, "nhi_head": new_head,
                         "effective": event_date.isoformat()})
        return Decision("change", "head_change", today, (), (), late_days, retroactive, (*timing, reason))

    def _record_head_change(self, conn, request, household, change_id: str, decision: Decision,
                            actor: Actor) -> dict[str, dict[str, str]]:
        new_head = request["new_head_person_id"]
        conn.execute(sa.update(households).where(households.c.household_id == household.household_id)
                     .values(nhi_head_person_id=new_head))
        self.plumbing.add_event(conn, nats_subject="nhi.v1.qualification.changed", type="jp.nhi.qualification.changed.v1",
                                subject=new_head, data={
            **self._person_payload(conn, new_head, household), "change_id": change_id, "nhi_head_person_id": new_head,
            "effective_date": request["event_date"], "rule_ids": ["HOUSEHOLD"], "reason": "head_change",
            "business_date": decision.business_date.isoformat(), "operator_id": actor.operator_id})
        return {new_head: {"nhi_head_person_id": new_head}}

    # ----- certificates (CERT-KIND, CERT-EXPIRY, 2.1.3) -----

    def _certificates_due(self, conn, decision: Decision, statuses: list, today: dt.date) -> list[dict]:
        """CERT-KIND and CERT-EXPIRY for whoever joins, or whose new status changes their certificate."""
        overrides: dict[str, dict[str, Any]] = {}
        if decision.kind == "join":
            person_ids = [p.person_id for p in decision.persons]
        elif decision.kind == "status":
            person_ids = []
            for period, _result, _replaces, name in statuses:
                current = store.current_periods(conn, [period.person_id]).get(period.person_id)
                if period.kind in REISSUE_ON and current is not None and current.covers(today):
                    person_ids.append(period.person_id)
                    overrides.setdefault(period.person_id, {}).update(self._status_flags(period, name, today))
                    if period.kind == "student_away":
                        overrides[period.person_id]["student_away"] = period.start <= today and (
                            period.end is None or today <= period.end)
        else:
            return []
        return self._certificates_for(conn, person_ids, today, overrides)

    def certificates_due_now(self, person_id: str, actor: Actor) -> dict[str, Any]:
        """The certificates a person insured on the business date is due (for svc-documents and the counter)."""
        today = business_date(actor, self.fixed_business_date)
        with self.engine.connect() as conn:
            if store.get_person(conn, person_id) is None:
                raise NotFound("person", person_id)
            current = store.current_periods(conn, [person_id]).get(person_id)
            if current is None or not current.covers(today):
                raise RuleViolation("person_id", f"person {person_id} is not insured on {today}", rule="CERT-KIND",
                                    code="NOT_INSURED")
            due = self._certificates_for(conn, [person_id], today, {})
        return {"person_id": person_id, "as_of": today.isoformat(),
                "certificates": [c for c in due if c["kind"] != "none"],
                "reasons": [r for c in due if c["kind"] == "none" for r in c["reasons"]]}

    def _certificates_for(self, conn, person_ids: list[str], today: dt.date,
                          overrides: dict[str, dict[str, Any]]) -> list[dict]:
        due: list[dict] = []
        for person_id in dict.fromkeys(person_ids):
            row = store.get_person(conn, person_id)
            flags = overrides.get(person_id, {})
            held = [p for _id, p in store.current_statuses(conn, person_id)]
            student = flags.get("student_away", any(
                s.kind == "student_away" and s.start <= today and (s.end is None or today <= s.end) for s in held))
            person = CertificatePerson(person_id=person_id, birth_date=row.birth_date,
                                       card_registered=bool(flags.get("card_registered", row.card_registered)),
                                       dv_support=bool(flags.get("dv_support", row.dv_support)),
                                       residence_period_end=row.residence_expires_on, student_away=student)
            try:
                for item in certificates_due(person=person, as_of=today, config=self.certificate_config):
                    due.append({"kind": item.kind, "person_id": person_id, "valid_from": item.valid_from.isoformat(),
                                "valid_until": iso(item.valid_until), "reasons": [r.as_dict() for r in item.reasons]})
            except RuleViolation as exc:
                due.append({"kind": "none", "person_id": person_id, "valid_from": "", "valid_until": "",
                            "reasons": [Reason(exc.rule or "CERT-KIND", f"証を交付しない: {exc.message}").as_dict()]})
        return due

    def _certificates_to_collect(self, conn, decision: Decision) -> list[dict]:
        if decision.kind != "leave":
            return []
        return [rs.certificate_dict(row) for p in decision.persons
                for row in rs.issued_certificates(conn, p.person_id, rs.COLLECTED_KINDS)]

    # ----- writing a join or leave -----

    def _record(self, conn, decision: Decision, household, facts: list[PersonFacts], change_id: str,
                people: list[dict[str, Any]], actor: Actor) -> dict[str, dict[str, str]]:
        """Write the new period versions and their events; returns the 記号・番号・枝番 of each person."""
        now = utcnow()
        symbol, number = household.symbol, household.number
        if not symbol and decision.kind == "join":
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
                branch_reused = branch is not None
                if branch is None:
                    branch = f"{next_branch:02d}"
                    store.add_branch(conn, symbol, number, branch, person.person_id)
                    next_branch += 1
                period_id = store.insert_period(
                    conn, recorded_at=now, change_id=change_id, reasons=person.reasons,
                    person_id=person.person_id, household_id=household.household_id, insurer_number=self.insurer_number,
                    symbol=symbol, number=number, branch_no=branch, acquired_on=person.acquired_on,
                    acquired_reason=decision.reason_code, lost_on=None, lost_reason=None,
                    coverage_starts_on=person.coverage_starts_on, operator_id=actor.operator_id)
                subject, verb = "nhi.v1.qualification.acquired", "acquired"
            else:
                current: Period = by_id[person.person_id].current_period
                store.supersede_period(conn, current.period_id, now)
                period_id = store.insert_period(
                    conn, period_id=current.period_id, recorded_at=now, change_id=change_id,
                    reasons=(*current.reasons, *person.reasons), person_id=person.person_id,
                    household_id=current.household_id, insurer_number=current.insurer_number, symbol=current.symbol,
                    number=current.number, branch_no=current.branch_no, acquired_on=current.acquired_on,
                    acquired_reason=current.acquired_reason, lost_on=person.lost_on,
                    lost_reason=decision.reason_code if person.lost_on else None,
                    coverage_starts_on=current.coverage_starts_on, coverage_ends_on=person.coverage_ends_on,
                    operator_id=actor.operator_id)
                symbol, number, branch = current.symbol, current.number, current.branch_no
                subject, verb = "nhi.v1.qualification.lost", "lost"
            numbers[person.person_id] = {"symbol": symbol, "number": number, "branch_no": branch, "period_id": period_id,
                                         "numbering": Reason(INSURED_RULE, f"記号 {symbol}・番号 {number}・枝番 {branch}",
                                                             "国民健康保険法施行規則（2021年改正）",
                                                             {"reused": str(decision.kind != "join" or branch_reused)}
                                                             ).as_dict()}
            self.plumbing.add_event(conn, nats_subject=subject, type=f"jp.nhi.qualification.{verb}.v1",
                                    subject=person.person_id, data={
                **self._person_payload(conn, person.person_id, household),
                "change_id": change_id, "period_id": period_id, "insurer_number": self.insurer_number,
                "symbol": symbol, "number": number, "branch_no": branch,
                "acquired_on": iso(person.acquired_on), "lost_on": iso(person.lost_on),
                "coverage_starts_on": iso(person.coverage_starts_on), "coverage_ends_on": iso(person.coverage_ends_on),
                "reason": decision.reason_code, "rule_ids": [r.rule_id for r in person.reasons],
                "feeds": list(rules.REASONS[decision.reason_code].feeds),
                "business_date": decision.business_date.isoformat(), "operator_id": actor.operator_id,
            })
        if next_branch != household.next_branch:
            conn.execute(sa.update(households).where(households.c.household_id == household.household_id)
                         .values(next_branch=next_branch))
        return numbers

    def _person_payload(self, conn, person_id: str, household) -> dict[str, Any]:
        """What a departmental subscriber needs to act without calling back; no My Number, no address under DV."""
        row = store.get_person(conn, person_id)
        address = {} if row.dv_support else json.loads(household.address or "{}")
        return {"person_id": person_id, "household_id": household.household_id,
                "head_person_id": household.head_person_id, "name_kanji": row.name_kanji, "name_kana": row.name_kana,
                "display_name": row.display_name, "birth_date": row.birth_date.isoformat(), "sex": row.sex,
                "address": address, "dv_support": bool(row.dv_support)}

    def _response(self, decision: Decision, change_id: str | None, household, numbers: dict, certificates: list[dict],
                  collect: list[dict], statuses: list, *, dry_run: bool) -> dict:
        persons_out = []
        for p in decision.persons:
            entry = {"person_id": p.person_id, "acquired_on": iso(p.acquired_on), "lost_on": iso(p.lost_on),
                     "coverage_starts_on": iso(p.coverage_starts_on), "coverage_ends_on": iso(p.coverage_ends_on),
                     "reasons": [r.as_dict() for r in p.reasons]}
            numbered = numbers.get(p.person_id, {})
            entry.update({k: v for k, v in numbered.items() if k not in ("period_id", "numbering")})
            if "numbering" in numbered:
                entry["reasons"].append(numbered["numbering"])
            persons_out.append(entry)
        status_ids = {v["person_id"] + v["kind"]: k for k, v in numbers.items() if "kind" in v}
        return {"decision": {
            "change_id": change_id or "",
            "business_date": decision.business_date.isoformat(),
            "persons": persons_out,
            "documents": [{"kind": d.kind, "person_id": d.person_id, "reason": d.reason.as_dict()} for d in decision.documents],
            "certificates_to_issue": [c for c in certificates if c["kind"] != "none"],
            "certificates_to_collect": collect,
            "income_inquiry_needed": decision.income_inquiry_needed,
            "statuses": [{"status_id": status_ids.get(p.person_id + p.kind, ""), "person_id": p.person_id,
                          "kind": p.kind, "start": p.start.isoformat(), "end": iso(p.end), "evidence": list(p.evidence),
                          "separation_date": iso(p.separation_date), "separation_code": p.separation_code or "",
                          "display_name": name, "reasons": [r.as_dict() for r in result.reasons]}
                         for p, result, _replaces, name in statuses],
            "late": decision.late_days > 0,
            "late_days": decision.late_days,
            "retroactive_flag": decision.retroactive,
            "reasons": [r.as_dict() for r in decision.reasons]
                       + [r for c in certificates if c["kind"] == "none" for r in c["reasons"]],
            "dry_run": dry_run,
        }, "household_version": household.version}


def _period_summary(period: Period | None) -> dict:
    if period is None:
        return {}
    return {"acquired_on": period.acquired_on.isoformat(), "lost_on": iso(period.lost_on),
            "coverage_ends_on": iso(period.coverage_ends_on)}


def _date_or_none(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _parse_date(request: dict[str, Any], key: str, field: str | None = None) -> dt.date:
    raw = request.get(key) or ""
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise RuleViolation(field or key, f"{raw!r} is not a date (YYYY-MM-DD)", code="INVALID_DATE") from None
