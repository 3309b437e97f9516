"""Confirmation and look-ups (被保険者資格確認, 2.1.1): persons, households, history, and the lists of the counter."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from nhi_common import paging

from ..domain import residence
from ..domain.ages import age75_lost_on
from ..domain.errors import NotFound, PermissionDenied
from . import people, views
from .app import App
from .context import Actor


def get_qualification(
    app: App, person_id: str, as_of: dt.date | None, known_at: dt.datetime | None, actor: Actor
) -> dict[str, Any]:
    """Was the person insured here on `as_of` (the business date by default), as recorded at `known_at`?"""
    day = as_of or app.today(actor)
    # One statement (person + period as of + whether statuses exist), a second only for a person with statuses.
    with app.uow(read_only=True) as uow:
        found = uow.persons.as_of(person_id, day, known_at)
        if found is None:
            raise NotFound("person", person_id)
        row, period, has_statuses = found
        statuses = uow.statuses.current_rows([person_id]) if has_statuses else {}
    view = qualification_view(app, actor, person_id, day, known_at, row, period, statuses.get(person_id, []))
    _audit_my_number_read(app, actor, [row])
    return view


def qualification_view(
    app: App, actor: Actor, person_id: str, day: dt.date, known_at: dt.datetime | None, row, period, statuses: list
) -> dict[str, Any]:
    """GetQualification's answer from the person's row, the period version covering `day` and its statuses."""
    reasons = []
    age75 = age75_lost_on(birth_date=row.birth_date, day_after=app.rules.age75_day_after)
    if day >= age75.day:
        # LOSS-AGE75 holds whether or not the month's batch has closed the period yet.
        pending = period is not None
        reasons.append(
            dataclasses.replace(
                age75.reason,
                summary=age75.reason.summary + ("（75歳到達の一括処理は未了）" if pending else ""),
                facts={**age75.reason.facts, "batch_pending": str(pending).lower()},
            )
        )
        period = None
    view = {
        "person_id": person_id,
        "as_of": day.isoformat(),
        "known_at": known_at.isoformat() if known_at else "",
        "insured": period is not None,
        "person": views.person_dict(row, app.vault, actor, insured=period is not None, statuses=statuses, day=day),
        "reasons": [r.as_dict() for r in reasons],
    }
    if period is not None:
        view["period"] = views.period_dict(period)
    return view


def get_person(app: App, person_id: str, actor: Actor) -> dict[str, Any]:
    with app.uow(read_only=True) as uow:
        row = uow.persons.get(person_id)
        if row is None:
            raise NotFound("person", person_id)
        insured = _insured(app, [row], uow.periods.insured_on([person_id], app.today(actor)), app.today(actor))
        statuses = uow.statuses.current_rows([person_id])
    _audit_my_number_read(app, actor, [row])
    return views.person_dict(
        row, app.vault, actor, insured=person_id in insured, statuses=statuses.get(person_id, []), day=app.today(actor)
    )


def _nhi_head(household: Any, insured: set[str]) -> str:
    """The NHI head (HOUSEHOLD): the register's head when insured; else the insured member chosen on application
    (head_change) while still insured; else nobody ("", null at the API)."""
    if household.head_person_id in insured:
        return household.head_person_id
    chosen = household.nhi_head_person_id or ""
    return chosen if chosen in insured else ""


def get_household(
    app: App, household_id: str, actor: Actor, as_of: dt.date | None = None, known_at: dt.datetime | None = None
) -> dict[str, Any]:
    """A household with its members insured on `as_of`, as recorded at `known_at`."""
    day = as_of or app.today(actor)
    with app.uow(read_only=True) as uow:
        household = uow.households.get(household_id)
        if household is None:
            raise NotFound("household", household_id)
        members = uow.persons.members(household_id)
        insured = _insured(app, members, uow.periods.insured_on([m.person_id for m in members], day, known_at), day)
        statuses = uow.statuses.current_rows([m.person_id for m in members])
        dv = people.household_dv(uow, household_id, day)
    _audit_my_number_read(app, actor, members)
    if dv and actor.can_read_dv_address():
        _audit(app, actor, "dv.address_read", "household", household_id)
    return household_view(app, actor, household, members, insured, statuses, dv=dv, day=day)


def household_view(
    app: App,
    actor: Actor,
    household,
    members: list,
    insured: set[str],
    statuses: dict,
    *,
    dv: bool = False,
    day: dt.date | None = None,
    people: dict[str, dict] | None = None,
) -> dict:
    """GetHousehold's answer from the household's row, its members' rows, who of them is insured, their statuses;
    under DV (`dv`: the household holds a DV support-measure person) no address unless the actor may see it.
    `people`: members as views.person_dict gave them already (by person id), for the same actor, day and statuses."""
    withheld = dv and not actor.can_read_dv_address()
    people = people or {}
    return {
        "household_id": household.household_id,
        "head_person_id": household.head_person_id,
        "nhi_head_person_id": _nhi_head(household, insured),
        "symbol": household.symbol or "",
        "number": household.number or "",
        "deemed_head": bool(insured) and household.head_person_id not in insured,
        "members": [
            _given(people.get(m.person_id), m.person_id in insured)
            or views.person_dict(
                m, app.vault, actor, insured=m.person_id in insured, statuses=statuses.get(m.person_id, []), day=day
            )
            for m in members
        ],
        "address": {} if withheld else json.loads(household.address or "{}"),
        "version": household.version,
    }


def _given(person: dict | None, insured: bool) -> dict | None:
    """A person's dict built already, when it says what is asked of it (insured or not)."""
    return person if person is not None and person["insured"] == insured else None


def search_persons(
    app: App,
    *,
    name_kana: str = "",
    birth_date: dt.date | None = None,
    symbol: str = "",
    number: str = "",
    branch_no: str = "",
    my_number: str = "",
    household_id: str = "",
    page: paging.Page = paging.Page(),
    name_kana_match: str = "prefix",
    actor: Actor,
) -> tuple[list[dict[str, Any]], str]:
    if my_number and not actor.can_read_my_number():
        raise PermissionDenied("searching by My Number needs the mynumber:read scope")
    with app.uow(read_only=True) as uow:
        found, cursor = uow.persons.search(
            my_number_hash=app.vault.lookup_hashes(my_number) if my_number else None,
            name_kana=name_kana,
            birth_date=birth_date,
            household_id=household_id,
            symbol=symbol,
            number=number,
            branch_no=branch_no,
            page=page,
            name_kana_match=name_kana_match,
        )
        today = app.today(actor)
        dv = dv_listed(actor, [r.person_id for r in found], people.dv_now(uow, found, today))
        found = [r for r in found if r.person_id not in dv.hidden]
        ids = [r.person_id for r in found]
        insured = _insured(app, found, uow.periods.insured_on(ids, today), today)
        statuses = uow.statuses.current_rows(ids)
    if my_number:
        _audit_each(app, actor, "mynumber.search", "person", ids or ["-"])
    _audit_my_number_read(app, actor, found)
    audit_dv_listed(app, actor, dv)
    return [
        views.person_dict(
            r, app.vault, actor, insured=r.person_id in insured, statuses=statuses.get(r.person_id, []), day=today
        )
        for r in found
    ], cursor


@dataclasses.dataclass(frozen=True)
class DvListed:
    """Rule DV in search results and lists: the DV support-measure persons of a page, hidden or shown."""

    hidden: frozenset[str] = frozenset()
    shown: tuple[str, ...] = ()


def dv_listed(actor: Actor, listed: list[str], dv: set[str]) -> DvListed:
    """A DV support-measure person (`dv`, as of the business date) is listed only to an actor with the dv:read
    scope; to any other the row is not there at all."""
    found = sorted(set(listed) & dv)
    if actor.can_read_dv_address():
        return DvListed(shown=tuple(found))
    return DvListed(hidden=frozenset(found))


def audit_dv_listed(app: App, actor: Actor, dv: DvListed, listing: str = "") -> None:
    """Listing DV support-measure persons under dv:read is audited, with the request's purpose (X-Purpose) and, for
    a list another service owns, the list's name."""
    if dv.shown:
        _audit_each(app, actor, "dv.person_listed", "person", dv.shown, detail=listing)


def screen_listed(app: App, actor: Actor, person_ids: list[str], listing: str) -> DvListed:
    """Rule DV for a list another service owns (`listing`, its name): which of the page's persons the actor (that
    service's caller) may not see listed, and which it sees under dv:read, audited here."""
    with app.uow(read_only=True) as uow:
        dv = dv_listed(actor, *listed_dv(app, uow, actor, person_ids))
    audit_dv_listed(app, actor, dv, listing)
    return dv


def list_insured_persons(
    app: App,
    *,
    as_of: dt.date | None,
    after: str,
    limit: int,
    births: tuple[dt.date | None, dt.date | None],
    actor: Actor,
) -> tuple[list[dict[str, Any]], str]:
    """The persons insured on `as_of` (default the business date) after person id `after`, and the id to go on
    after ('' on the last page); a household's postal code only when no member's DV support measure (on that day)
    hides its address."""
    day = as_of or app.today(actor)
    with app.uow(read_only=True) as uow:
        found = uow.periods.insured_page(day, after=after, limit=limit, births=births)
        members = uow.persons.members_of(sorted({r.household_id for r in found}))
        dv = people.dv_now(uow, [m for page in members.values() for m in page], day)
    withheld = {h for h, page in members.items() if any(m.person_id in dv for m in page)}
    rows = [
        {
            "person_id": r.person_id,
            "household_id": r.household_id,
            "birth_date": r.birth_date.isoformat(),
            "postal_code": ""
            if r.household_id in withheld
            else (json.loads(r.address or "{}") or {}).get("postal_code", ""),
        }
        for r in found
    ]
    return rows, (rows[-1]["person_id"] if len(rows) == limit else "")


def export_coverage_facts(
    app: App, *, as_of: dt.date | None, after: str, limit: int, person_ids: tuple[str, ...], actor: Actor
) -> dict[str, Any]:
    """A page of every person's coverage facts as CSV for the 国保資格不整合一覧 (2.4.1): resident status, whether
    insured on `as_of` (default the business date), residence expiry and whether the 在留資格 is excluded."""
    day = as_of or app.today(actor)
    excluded = [s.code for s in residence.RESIDENCE_STATUSES if s.excluded]
    with app.uow(read_only=True) as uow:
        data, count, last, columns = uow.periods.coverage_facts(
            day, after=after, limit=limit, excluded=excluded, person_ids=person_ids
        )
    return {
        "rows": data,
        "columns": list(columns),
        "count": count,
        "next_after_person_id": last if count == limit else "",
    }


def get_history(app: App, person_id: str) -> dict[str, Any]:
    """Every version of the person's periods and of their resident-derived attributes."""
    with app.uow(read_only=True) as uow:
        if uow.persons.get(person_id) is None:
            raise NotFound("person", person_id)
        return {
            "versions": [views.period_dict(p) for p in uow.periods.history(person_id)],
            "person_versions": uow.persons.history(person_id),
        }


def list_intake_items(app: App, state: str, page: paging.Page, actor: Actor) -> tuple[list[dict[str, Any]], str]:
    """The intake items in `state`, without the DV support-measure persons the actor may not see (rule DV); an
    item left with nobody is not listed."""
    with app.uow(read_only=True) as uow:
        found, cursor = uow.changes.intake_page(state, page)
        items = [views.intake_item_dict(r) for r in found]
        dv = dv_listed(actor, *listed_dv(app, uow, actor, [p for i in items for p in i["person_ids"]]))
    audit_dv_listed(app, actor, dv)
    out = []
    for item in items:
        kept = [p for p in item["person_ids"] if p not in dv.hidden]
        if kept or not item["person_ids"]:
            out.append({**item, "person_ids": kept})
    return out, cursor


def listed_dv(app: App, uow, actor: Actor, person_ids: list[str]) -> tuple[list[str], set[str]]:
    """The persons of a list page and which of them are DV support-measure persons on the business date."""
    ids = list(dict.fromkeys(person_ids))
    uow.cache_reads(person_ids=ids)  # the page's persons and statuses in a few statements, not two per person
    rows = [r for r in (uow.persons.get(p) for p in ids) if r is not None]
    return ids, people.dv_now(uow, rows, app.today(actor))


def list_audit_events(app: App, operator_id: str, action: str, page: paging.Page) -> tuple[list[dict[str, Any]], str]:
    with app.uow(read_only=True) as uow:
        found, cursor = uow.journal.audit_page(operator_id=operator_id, action=action, page=page)
    return [views.audit_dict(r) for r in found], cursor


def _insured(app: App, rows, recorded: set[str], day: dt.date) -> set[str]:
    """Who of `rows` is insured on `day`: as recorded, except from the 75th birthday on (LOSS-AGE75 needs no batch)."""
    return {
        r.person_id
        for r in rows
        if r.person_id in recorded
        and day < age75_lost_on(birth_date=r.birth_date, day_after=app.rules.age75_day_after).day
    }


def _audit_my_number_read(app: App, actor: Actor, rows) -> None:
    """Every unmasked My Number handed out is written to the audit log."""
    read = [r.person_id for r in rows if r.my_number_enc]
    if actor.can_read_my_number() and read:
        _audit_each(app, actor, "mynumber.read", "person", read)


def _audit(app: App, actor: Actor, action: str, kind: str, target: str, detail: str = "") -> None:
    with app.uow() as uow:
        uow.journal.audit(
            operator_id=actor.operator_id, action=action, target_kind=kind, target_id=target, detail=detail
        )
        uow.commit()


def _audit_each(app: App, actor: Actor, action: str, kind: str, targets, detail: str = "") -> None:
    """One audit row per person read or listed, in one transaction: an auditor finds a person's reads by their id
    (`target_id`), and a page of 50 persons' ids would not fit one row's target (100 characters)."""
    with app.uow() as uow:
        for target in targets:
            uow.journal.audit(
                operator_id=actor.operator_id, action=action, target_kind=kind, target_id=target, detail=detail
            )
        uow.commit()
