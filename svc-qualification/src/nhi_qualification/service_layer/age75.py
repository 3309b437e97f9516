"""age75_loss (2.5.1, LOSS-AGE75): who reaches 75 in a day or a month loses the qualification, with the household
effects (特定同一世帯所属者, 擬制世帯主, the burden of the 70–74 who remain) and the 75歳到達 対象者一覧.

Set-based per chunk: one read of the targets' households into memory, the losses applied one after the other
(`losses.lose`, the counter's own use case, through a deferred period writer), then each table written once.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

from nhi_common.plumbing import dumps

from ..domain.ages import age75_lost_on, birthday_of, elder_period
from ..domain.burden import determine_burden
from ..domain.burden_facts import income_year_for, printed_share
from ..domain.errors import RuleViolation
from ..domain.household_state import HouseholdState
from ..domain.model import Period, Reason
from ..domain.timing import years_before
from . import losses
from .burden import decision_dict, stored
from .unit_of_work import AbstractUnitOfWork

KIND = "age75_loss"
REASON = "age75"
SPECIFIC_SAME_HOUSEHOLD = "specific_same_household"
ONE_DAY = dt.timedelta(days=1)


def window(params: dict[str, str]) -> tuple[dt.date, dt.date]:
    """The lost_on days the run covers: one day, or one month."""
    if params.get("month"):
        year, month = (int(x) for x in params["month"].split("-"))
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    day = dt.date.fromisoformat(params["date"])
    return day, day


def births(days: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    """A superset of the birth dates whose 75th birthday lies in the days (29 Feb births turn 75 on 1 Mar)."""
    return years_before(days[0], 75) - 2 * ONE_DAY, years_before(days[1], 75) + ONE_DAY


def keys(uow: AbstractUnitOfWork, params: dict[str, str]) -> Iterator[str]:
    lo, hi = days = window(params)
    for person_id, birth_date in uow.age75.candidates(births(days), days):
        if lo <= age75_lost_on(birth_date=birth_date).day <= hi:
            yield person_id


class Chunk:
    """One chunk's run: its households in memory and the rows it writes at the end."""

    def __init__(self, uow: AbstractUnitOfWork, job, state: HouseholdState) -> None:
        self.uow, self.job, self.state = uow, job, state
        self.operator = f"batch:{job.kind}:{job.operator_id}"
        self.periods = losses.DeferredPeriods()
        self.now = dt.datetime.now(dt.timezone.utc)
        self.ended: list[tuple[int, dt.date]] = []
        self.statuses: list[dict[str, Any]] = []
        self.determinations: list[dict[str, Any]] = []
        self.changes: list[dict[str, Any]] = []
        self.results: list[dict[str, Any]] = []

    def flush(self) -> None:
        """Each table once, the superseded versions first (the new ones carry the same period_id)."""
        uow = self.uow
        uow.periods.replace_many(self.periods.pairs)
        uow.certificates.end_valid(self.ended)
        uow.statuses.add(self.statuses)
        uow.burden.add_determinations(self.determinations)
        uow.changes.add_many(self.changes)
        uow.jobs.add_results(self.results)


def run_chunk(uow: AbstractUnitOfWork, job, params: dict[str, str], chunk) -> tuple[int, int]:
    lo, hi = days = window(params)
    rows = uow.age75.chunk_candidates(chunk.first_key, chunk.last_key, births(days), days)
    targets = [(r, rule) for r in rows for rule in [age75_lost_on(birth_date=r.birth_date)] if lo <= rule.day <= hi]
    seen = uow.jobs.results_seen(job.job_id, [r.person_id for r, _ in targets])
    todo = [(r, rule) for r, rule in targets if r.person_id not in seen]
    current = uow.periods.current([r.person_id for r, _ in todo])
    years = {income_year_for(day=rule.day).year for _r, rule in todo}
    run = Chunk(
        uow, job, uow.age75.state({p.household_id for p in current.values()}, [r.person_id for r, _ in todo], years)
    )
    done, failed = len(targets) - len(todo), 0
    for row, rule in todo:
        try:
            outcome, detail = _lose_at_75(run, row, rule, current.get(row.person_id))
        except RuleViolation as exc:
            outcome, detail = "failed", {"error": f"{exc.field}: {exc.message}"}
            failed += 1
        else:
            done += 1
        run.results.append(
            {
                "job_id": job.job_id,
                "person_id": row.person_id,
                "household_id": row.household_id,
                "outcome": outcome,
                "detail": json.dumps(detail, ensure_ascii=False),
            }
        )
    run.flush()
    return done, failed


def _lose_at_75(run: Chunk, person, rule, current: Period | None) -> tuple[str, dict[str, Any]]:
    lost_on = rule.day
    detail: dict[str, Any] = {
        "birth_date": person.birth_date.isoformat(),
        "age_75_birthday": birthday_of(birth_date=person.birth_date, age=75).isoformat(),
        "lost_on": lost_on.isoformat(),
        "rule_ids": ["LOSS-AGE75"],
    }
    if current is not None and current.lost_reason == REASON and current.lost_on == lost_on:
        return "skipped_already_lost", {**detail, "period_id": current.period_id}
    if current is None or not current.covers(lost_on - ONE_DAY) or (current.lost_on and current.lost_on <= lost_on):
        return "skipped_not_insured", detail
    today, change_id = run.job.business_date, str(uuid.uuid4())
    version = losses.lose(
        run.periods,
        current,
        lost_on=lost_on,
        reason_code=REASON,
        reasons=(rule.reason,),
        change_id=change_id,
        at=run.now,
        operator_id=run.operator,
    )
    run.state.replace_period(current, version)
    ended = run.state.end_certificates(person.person_id, lost_on)
    run.ended.extend(ended)
    effects = _household_effects(run, person, current.household_id, lost_on, rule.reason, change_id)
    effects["certificates_ended"] = len(ended)
    detail.update({"period_id": current.period_id, "change_id": change_id, "household_effects": effects})
    run.uow.emit(
        losses.lost_event(
            run.state.person(person, today),
            version,
            reason_code=REASON,
            rule_ids=("LOSS-AGE75",),
            business_date=today,
            operator_id=run.operator,
            job_id=run.job.job_id,
            deemed_head=effects["deemed_head"],
            specific_same_household=bool(effects["specific_same_household"]),
        )
    )
    run.changes.append(
        dict(
            change_id=change_id,
            business_date=today,
            operator_id=run.operator,
            kind="leave",
            reason=REASON,
            household_id=current.household_id,
            person_ids=json.dumps([person.person_id]),
            event_date=lost_on,
            notified_on=None,
            identity_check="{}",
            decision=dumps(
                {
                    "change_id": change_id,
                    "business_date": today.isoformat(),
                    "persons": [
                        {
                            "person_id": person.person_id,
                            "lost_on": lost_on.isoformat(),
                            "reasons": [rule.reason.as_dict()],
                        }
                    ],
                    "rule_ids": ["LOSS-AGE75"],
                    "job_id": run.job.job_id,
                    "household_effects": effects,
                }
            ),
            before=dumps({person.person_id: {"acquired_on": current.acquired_on.isoformat(), "lost_on": ""}}),
            after=dumps({person.person_id: {"lost_on": lost_on.isoformat(), "lost_reason": REASON}}),
            recorded_at=run.now,
        )
    )
    return "lost", detail


def _household_effects(
    run: Chunk, person, household_id: str, lost_on: dt.date, reason: Reason, change_id: str
) -> dict[str, Any]:
    """2.5.1 side effects: 特定同一世帯所属者, 擬制世帯主, and the re-determination of the remaining 70–74 members."""
    state = run.state
    remaining = [
        m
        for m in state.members.get(household_id, [])
        if m.person_id != person.person_id and state.insured_on(m.person_id, lost_on)
    ]
    effects: dict[str, Any] = {
        "remaining_insured": [m.person_id for m in remaining],
        "deemed_head": False,
        "specific_same_household": "",
        "burden": None,
    }
    if not remaining:
        return effects
    # The one who moved to 後期高齢者医療 and stays in a household with NHI insured is the 特定同一世帯所属者.
    status_id = str(uuid.uuid4())
    run.statuses.append(
        dict(
            status_id=status_id,
            person_id=person.person_id,
            kind=SPECIFIC_SAME_HOUSEHOLD,
            start=lost_on,
            end=None,
            evidence=json.dumps(["age75_transition"]),
            reasons=json.dumps(
                [
                    reason.as_dict(),
                    Reason(
                        "SPECIAL-STATUS",
                        "後期高齢者医療へ移行し、国保被保険者と同一世帯に属するため特定同一世帯所属者",
                        "国民健康保険法施行令（保険料の軽減）",
                        {"household_id": household_id, "remaining_insured": ",".join(effects["remaining_insured"])},
                    ).as_dict(),
                ],
                ensure_ascii=False,
            ),
            change_id=change_id,
            recorded_at=run.now,
        )
    )
    state.add_specific(person.person_id, lost_on)
    effects.update(
        specific_same_household=person.person_id,
        specific_same_household_status_id=status_id,
        deemed_head=state.heads.get(household_id) == person.person_id,
    )
    if any(elder_period(birth_date=m.birth_date).covers(lost_on) for m in remaining):
        members = state.household_facts(household_id, lost_on)
        decision = determine_burden(
            as_of=lost_on,
            members=members,
            incomes=state.incomes_for([m.person_id for m in members], income_year_for(day=lost_on).year),
        )
        result = decision_dict(decision, household_id, str(uuid.uuid4()), False)
        row, events = stored(
            decision,
            result["determination_id"],
            household_id,
            state.latest.get(household_id),
            run.job.business_date,
            run.operator,
            run.job.job_id,
            result_json=_json(result),
            now=run.now,
        )
        run.determinations.append(row)
        run.uow.emit(*events)
        state.latest[household_id] = (decision.ratio_percent, decision.limit_category)
        effects["burden"] = {
            "determination_id": result["determination_id"],
            "ratio_percent": result["ratio_percent"],
            "limit_category": result["limit_category"],
            "pending": result["pending"],
            "changed": bool(events),
        }
    return effects


def result_row(r) -> dict[str, Any]:
    """One row of the 75歳到達 対象者一覧 from a stored job result."""
    detail = json.loads(r.detail or "{}")
    effects = detail.get("household_effects") or {}
    burden = effects.get("burden") or {}
    return {
        "person_id": r.person_id,
        "household_id": r.household_id,
        "birth_date": detail.get("birth_date", ""),
        "age_75_birthday": detail.get("age_75_birthday", ""),
        "lost_on": detail.get("lost_on", ""),
        "outcome": r.outcome,
        "deemed_head": bool(effects.get("deemed_head")),
        "specific_same_household": bool(effects.get("specific_same_household")),
        "remaining_insured": effects.get("remaining_insured", []),
        "burden_redetermined": (
            printed_share(burden.get("ratio_percent"), burden.get("limit_category"), bool(burden.get("pending")))
            if burden
            else ""
        ),
        "certificates_ended": int(effects.get("certificates_ended") or 0),
    }


def _json(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, separators=(",", ":"))
