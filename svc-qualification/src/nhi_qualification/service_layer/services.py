"""Use cases of svc-qualification: intake, confirmation, look-ups. Rules come from the domain package."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import sqlalchemy as sa

from nhi_common import db
from nhi_common.plumbing import Plumbing

from ..adapters import store
from ..adapters.tables import branches, intake_items, metadata, persons
from ..adapters.vault import MyNumberVault
from ..domain import decide as rules
from ..domain.model import Period
from ..domain.numbers import mask_my_number
from .context import Actor, business_date
from .errors import IdempotencyReuse, NotFound, StaleVersion

__all__ = ["IdempotencyReuse", "NotFound", "QualificationService", "StaleVersion", "period_dict"]
from .intake import IntakeMixin
from .values import aware_iso, iso

SOURCE = "urn:nhi:svc-qualification"


class QualificationService(IntakeMixin):
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

    # ----- confirmation and look-ups (2.1.1) -----

    def get_qualification(self, person_id: str, as_of: dt.date | None, known_at: dt.datetime | None, actor: Actor) -> dict:
        day = as_of or business_date(actor, self.fixed_business_date)
        # One connection without a transaction of its own; one statement (person + period as of + whether statuses
        # exist), a second only for a person with special statuses.
        with db.read_connection(self.engine) as conn:
            found = store.person_as_of(conn, person_id, day, known_at)
            if found is None:
                raise NotFound("person", person_id)
            row, period, has_statuses = found
            statuses = self._statuses_of(conn, [person_id]) if has_statuses else {}
        view = {"person_id": person_id, "as_of": day.isoformat(), "known_at": known_at.isoformat() if known_at else "",
                "insured": period is not None,
                "person": self._person_view(row, actor, insured=period is not None, statuses=statuses)}
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
            statuses = self._statuses_of(conn, [person_id])
        self._audit_my_number_read(actor, [row])
        return self._person_view(row, actor, insured=person_id in insured, statuses=statuses)

    def get_household(self, household_id: str, actor: Actor, as_of: dt.date | None = None,
                      known_at: dt.datetime | None = None) -> dict:
        """被保険者資格確認 of a household: its members insured on `as_of`, as recorded at `known_at`."""
        day = as_of or business_date(actor, self.fixed_business_date)
        with self.engine.connect() as conn:
            household = store.get_household(conn, household_id)
            if household is None:
                raise NotFound("household", household_id)
            members = store.household_members(conn, household_id)
            insured = {m.person_id for m in members if store.period_as_of(conn, m.person_id, day, known_at) is not None}
            statuses = self._statuses_of(conn, [m.person_id for m in members])
        self._audit_my_number_read(actor, members)
        head_insured = household.head_person_id in insured
        return {"household_id": household.household_id, "head_person_id": household.head_person_id,
                "nhi_head_person_id": household.nhi_head_person_id or "",
                "symbol": household.symbol or "", "number": household.number or "",
                "deemed_head": bool(insured) and not head_insured,
                "members": [self._person_view(m, actor, insured=m.person_id in insured, statuses=statuses)
                            for m in members],
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
            statuses = self._statuses_of(conn, [r.person_id for r in rows])
        if criteria.get("my_number"):
            self._audit(actor, "mynumber.search", "person", ",".join(r.person_id for r in rows) or "-")
        self._audit_my_number_read(actor, rows)
        return [self._person_view(r, actor, insured=r.person_id in insured, statuses=statuses) for r in rows], next_cursor

    def get_history(self, person_id: str) -> dict:
        """Every version of the person's periods and of their resident-derived attributes."""
        with self.engine.connect() as conn:
            if store.get_person(conn, person_id) is None:
                raise NotFound("person", person_id)
            return {"versions": [period_dict(p) for p in store.history(conn, person_id)],
                    "person_versions": store.person_history(conn, person_id)}

    def list_intake_items(self, state: str, page_size: int, cursor: str) -> tuple[list[dict], str]:
        query = sa.select(intake_items)
        if state:
            query = query.where(intake_items.c.state == state)
        with self.engine.connect() as conn:
            rows, next_cursor = store.page(conn, query, intake_items.c.seq, page_size, cursor)
        return [{"item_id": r.item_id, "source_change_id": r.source_change_id, "kind": r.kind,
                 "household_id": r.household_id, "person_ids": json.loads(r.person_ids),
                 "event_date": r.event_date.isoformat(), "state": r.state,
                 "created_at": aware_iso(r.created_at)} for r in rows], next_cursor

    def list_audit_events(self, operator_id: str, action: str, page_size: int, cursor: str) -> tuple[list[dict], str]:
        table = self.plumbing.tables["audit_log"]
        query = sa.select(table)
        if operator_id:
            query = query.where(table.c.operator_id == operator_id)
        if action:
            query = query.where(table.c.action == action)
        with self.engine.connect() as conn:
            rows, next_cursor = store.page(conn, query, table.c.seq, page_size, cursor)
        return [{"event_id": r.event_id, "occurred_at": aware_iso(r.occurred_at), "operator_id": r.operator_id,
                 "action": r.action, "target_kind": r.target_kind, "target_id": r.target_id, "detail": r.detail}
                for r in rows], next_cursor

    # ----- helpers -----

    def _insured_today(self, conn, person_ids: list[str], actor: Actor) -> set[str]:
        today = business_date(actor, self.fixed_business_date)
        return {pid for pid in person_ids if store.period_as_of(conn, pid, today, None) is not None}

    def _person_view(self, row, actor: Actor, *, insured: bool, statuses: dict[str, list[dict]]) -> dict:
        """The person as the API shows it; `statuses` by person id, as `_statuses_of` gives them."""
        my_number = ""
        if row.my_number_enc:
            plain = self.vault.decrypt(row.my_number_enc)
            my_number = plain if actor.can_read_my_number() else mask_my_number(plain)
        return {"person_id": row.person_id, "household_id": row.household_id, "name_kanji": row.name_kanji,
                "name_kana": row.name_kana, "birth_date": row.birth_date.isoformat(), "sex": row.sex,
                "relationship": row.relationship, "listing_order": row.listing_order,
                "resident_since": iso(row.resident_since), "resident_status": row.resident_status,
                "my_number": my_number, "insured": insured, "version": row.version,
                "nationality": row.nationality, "residence_status": row.residence_status,
                "residence_expires_on": iso(row.residence_expires_on), "display_name": row.display_name,
                "card_registered": bool(row.card_registered), "dv_support": bool(row.dv_support),
                "statuses": statuses.get(row.person_id, [])}

    @staticmethod
    def _statuses_of(conn: sa.Connection, person_ids: list[str]) -> dict[str, list[dict]]:
        """Current special statuses of these persons (by start), read on the caller's connection in one statement."""
        return {pid: [{"status_id": r.status_id, "person_id": r.person_id, "kind": r.kind, "start": r.start.isoformat(),
                       "end": iso(r.end), "evidence": json.loads(r.evidence), "separation_date": iso(r.separation_date),
                       "separation_code": r.separation_code or "", "display_name": r.display_name,
                       "reasons": json.loads(r.reasons)} for r in rows]
                for pid, rows in store.current_status_rows(conn, person_ids).items()}

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
            "acquired_reason": period.acquired_reason, "lost_on": iso(period.lost_on),
            "lost_reason": period.lost_reason or "", "recorded_at": period.recorded_at.isoformat(),
            "superseded_at": period.superseded_at.isoformat() if period.superseded_at else "",
            "change_id": period.change_id, "reasons": [r.as_dict() for r in period.reasons],
            "version_id": period.version_id, "coverage_starts_on": iso(period.coverage_starts_on),
            "coverage_ends_on": iso(period.coverage_ends_on), "void": period.void,
            "correction_reason": period.correction_reason, "operator_id": period.operator_id}
