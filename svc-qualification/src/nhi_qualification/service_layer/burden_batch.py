"""burden_redetermination (8/1, BURDEN-YEAR): every household with a 70–74 insured decided again on the day.

Set-based per chunk: one read of the chunk's households (members, periods, statuses, heads, incomes), one of
the last stored outcomes, the rules in Python, then one COPY of the determinations and of the events. Only
outcomes that differ from the household's last stored one are stored: a re-run stores and announces nothing.
A determination keeps the facts it was decided on, not its explanation: reading it decides again on them and
answers the same text (domain/explanations.py, burden.explained).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from typing import Any

from nhi_common.ids import uuid4_texts

from ..domain.ages import elder_on
from ..domain.burden import determine_burden
from ..domain.burden_facts import income_year_for, printed_share
from ..domain.errors import RuleViolation
from ..domain.explanations import facts_text
from ..domain.timing import years_before
from .burden import stored
from .unit_of_work import AbstractUnitOfWork

log = logging.getLogger(__name__)

KIND = "burden_redetermination"
TITLE = "負担割合一括再判定 結果一覧"
ONE_DAY = dt.timedelta(days=1)


def elders_born(day: dt.date) -> tuple[dt.date, dt.date]:
    """A superset of the birth dates of the 70–74 on `day`; the rules decide."""
    return years_before(day, 75) - ONE_DAY, years_before(day, 70) + ONE_DAY


def keys(uow: AbstractUnitOfWork, params: dict[str, str]) -> Iterator[str]:
    day = dt.date.fromisoformat(params["date"])
    return uow.burden.elder_households(day, elders_born(day))


def run_chunk(uow: AbstractUnitOfWork, job, params: dict[str, str], chunk) -> tuple[int, int]:
    day = dt.date.fromisoformat(params["date"])
    born = elders_born(day)
    facts = uow.burden.facts(day, income_year_for(day=day).year, chunk.first_key, chunk.last_key, born)
    previous = uow.burden.latest(chunk.first_key, chunk.last_key)
    operator = f"batch:{job.kind}:{job.operator_id}"
    now = dt.datetime.now(dt.timezone.utc)
    rows = []
    done = failed = 0
    ids = iter(uuid4_texts(2 * len(facts.members)))  # a determination id and a change id per household, at most
    for household_id, members in facts.members.items():
        if not any(m.insured and elder_on(birth_date=m.birth_date, day=day) for m in members):
            continue
        incomes = {m.person_id: facts.incomes[m.person_id] for m in members if m.person_id in facts.incomes}
        try:
            decision = determine_burden(as_of=day, members=members, incomes=incomes)
        except RuleViolation:
            log.warning("job %s: household %s could not be decided", job.job_id, household_id, exc_info=True)
            failed += 1
            continue
        done += 1
        before = previous.get(household_id)
        if before is not None and before == (
            decision.ratio_percent,
            decision.limit_category,
            decision.pending,
            decision.income_year,
        ):
            continue  # same outcome on the same income year: nothing to store, nothing to announce
        # Stored as the facts it was decided on; reading it explains it again (burden.explained).
        row, events = stored(
            decision,
            next(ids),
            household_id,
            before[:2] if before is not None else None,
            job.business_date,
            operator,
            job.job_id,
            result_json="",
            now=now,
            change_id=next(ids),
        )
        row["facts"] = facts_text(members, incomes)
        rows.append(row)
        uow.emit(*events)
    uow.burden.add_determinations(rows)
    # Every key of the range was examined; keys that could not be decided are the failed ones.
    return max(done, len(facts.members) - failed), failed


def result_row(r) -> dict[str, Any]:
    """One row of the result list from a stored determination of the job (BurdenJobResult)."""
    # BURDEN-PENDING names whose income is missing and which facts are unknown.
    reasons = json.loads(r.result).get("reasons", []) if r.pending else []
    pending = next((x for x in reasons if x["rule_id"] == "BURDEN-PENDING"), None)
    why = pending["summary"] if pending is not None else ""
    return {
        "household_id": r.household_id,
        "determination_id": r.determination_id,
        "as_of": r.as_of.isoformat(),
        "income_year": r.income_year,
        "burden_ratio": printed_share(r.ratio_percent, None, bool(r.pending)),
        "ratio_percent": r.ratio_percent or 0,  # while pending, the provisional share (2割), as the counter answers
        "limit_category": r.limit_category or "",
        "pending": bool(r.pending),
        "pending_reason": why,
        "changed": bool(r.changed),
    }
