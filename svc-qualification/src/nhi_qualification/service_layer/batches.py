"""Burden-ratio determinations (5.6), income facts, and the population batches run as jobs (2.5.1, 8/1).

A job is planned into chunks of key ranges (person_id for age75_loss, household_id for
burden_redetermination). Each chunk is one message on `nhi.jobs.v1.<kind>` (work queue), taken by any
worker replica, and processed in one transaction that also closes the chunk: a redelivered chunk finds
itself done and changes nothing. Without NATS the chunks run in a background thread of this process.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa

from nhi_common.events import Event
from nhi_common.plumbing import dumps, utcnow

from ..adapters import batch_store as bs
from ..adapters import store
from ..adapters.tables import job_results, periods, persons
from ..domain.ages import age75_lost_on, birthday_of, elder_period
from ..domain.burden import BurdenDecision, IncomeFacts, determine_burden, income_year_for
from ..domain.errors import RuleViolation
from ..domain.model import Reason
from .context import Actor, business_date
from .errors import IdempotencyReuse, NotFound
from .services import SOURCE, QualificationService
from .values import aware_iso

log = logging.getLogger(__name__)

CHUNK_SIZE = 5000
AGE75, BURDEN = "age75_loss", "burden_redetermination"
JOB_KINDS = (AGE75, BURDEN)
JOB_SUBJECT_PREFIX = "nhi.jobs.v1."
CHUNK_TYPE = "jp.nhi.jobs.chunk.v1"
PLAN_TYPE = "jp.nhi.jobs.plan.v1"
ONE_DAY = dt.timedelta(days=1)

# A dispatcher publishes job messages: (subject, event) pairs. None = run in-process.
Dispatcher = Callable[[list[tuple[str, Event]]], None]


class BatchService:
    def __init__(self, *, core: QualificationService, chunk_size: int = CHUNK_SIZE,
                 dispatch: Dispatcher | None = None) -> None:
        self.core = core
        self.chunk_size = chunk_size
        self.dispatch = dispatch
        self._threads: list[threading.Thread] = []

    @property
    def engine(self) -> sa.Engine:
        return self.core.engine

    def _today(self, actor: Actor) -> dt.date:
        return business_date(actor, self.core.fixed_business_date)

    # ----- income facts -----

    def record_income_facts(self, incomes: list[dict[str, Any]], actor: Actor) -> int:
        today = self._today(actor)
        with self.engine.begin() as conn:
            rows = self._income_rows(conn, incomes, "incomes", default_year=income_year_for(day=today).year)
            count = bs.upsert_income_facts(conn, rows, "api")
            self.core.plumbing.audit(conn, operator_id=actor.operator_id, action="income.recorded",
                                     target_kind="person", target_id=",".join(sorted({r["person_id"] for r in rows}))[:100] or "-",
                                     detail=f"{count} income facts")
        return count

    def _income_rows(self, conn, incomes: list[dict[str, Any]], field: str, default_year: int) -> list[dict[str, Any]]:
        rows = []
        for index, fact in enumerate(incomes):
            pid = fact.get("person_id") or ""
            if not pid:
                raise RuleViolation(f"{field}[{index}].person_id", "the person is required", code="REQUIRED")
            if store.get_person(conn, pid) is None:
                raise NotFound("person", pid)
            row = {"person_id": pid, "income_year": int(fact.get("income_year") or default_year)}
            for column in bs.INCOME_COLUMNS:
                value = fact.get(column) or 0
                if column == "non_taxed":
                    row[column] = bool(value)
                    continue
                value = int(value)
                if value < 0:
                    raise RuleViolation(f"{field}[{index}].{column}", "an amount cannot be negative", code="REQUIRED")
                row[column] = value
            rows.append(row)
        return rows

    # ----- burden ratio (5.6) -----

    def determine_burden_ratio(self, request: dict[str, Any], actor: Actor) -> dict[str, Any]:
        today = self._today(actor)
        as_of = _parse_date(request.get("as_of") or "", "as_of") or today
        household_id = request.get("household_id") or ""
        if not household_id:
            raise RuleViolation("household_id", "the household is required", code="REQUIRED")
        dry_run = bool(request.get("dry_run"))
        year = income_year_for(day=as_of).year
        fingerprint = dumps({k: v for k, v in request.items() if k != "context"}).encode()
        with self.engine.begin() as conn:
            if actor.idempotency_key and not dry_run:
                try:
                    stored = self.core.plumbing.recall_idempotent(conn, key=actor.idempotency_key,
                                                                  operation="DetermineBurdenRatio", request=fingerprint)
                except Exception as exc:
                    raise IdempotencyReuse(str(exc)) from exc
                if stored is not None:
                    return json.loads(stored)
            if store.get_household(conn, household_id) is None:
                raise NotFound("household", household_id)
            given = self._income_rows(conn, request.get("incomes") or [], "incomes", default_year=year)
            for index, row in enumerate(given):
                if row["income_year"] != year:
                    raise RuleViolation(f"incomes[{index}].income_year",
                                        f"{as_of} is decided on the income of {year}, not {row['income_year']}",
                                        rule="BURDEN-YEAR", code="INCOME_YEAR_MISMATCH")
            override = None
            if given and dry_run:
                override = {r["person_id"]: IncomeFacts(**{k: r[k] for k in ("person_id", "income_year",
                                                                              *bs.INCOME_COLUMNS)}) for r in given}
            elif given:
                bs.upsert_income_facts(conn, given, "api")
            result, changed = self._determine_household(conn, household_id, as_of, today=today,
                                                        operator_id=actor.operator_id, dry_run=dry_run,
                                                        override=override)
            if not dry_run:
                self.core.plumbing.audit(conn, operator_id=actor.operator_id, action="burden.determined",
                                         target_kind="household", target_id=household_id,
                                         detail=f"{result['determination_id']} ratio={result['ratio_percent']} "
                                                f"limit={result['limit_category']} pending={result['pending']} "
                                                f"changed={changed}")
                if actor.idempotency_key:
                    self.core.plumbing.remember_idempotent(conn, key=actor.idempotency_key,
                                                           operation="DetermineBurdenRatio", request=fingerprint,
                                                           response=json.dumps(result).encode())
        if not dry_run:
            self.core.after_commit()
        return result

    def _determine_household(self, conn, household_id: str, as_of: dt.date, *, today: dt.date, operator_id: str,
                             dry_run: bool = False, job_id: str | None = None,
                             override: dict[str, IncomeFacts] | None = None) -> tuple[dict[str, Any], bool]:
        """Decide one household on `as_of`; store it with its events unless dry_run. Returns (result, changed)."""
        facts = bs.household_facts(conn, as_of, household_id=household_id)
        members = facts.members.get(household_id, [])
        year = income_year_for(day=as_of).year
        incomes = bs.incomes_for(conn, [m.person_id for m in members], year)
        if override:
            incomes.update(override)
        decision = determine_burden(as_of=as_of, members=members, incomes=incomes)
        determination_id = "" if dry_run else str(uuid.uuid4())
        result = decision_dict(decision, household_id, determination_id, dry_run)
        if dry_run:
            return result, False
        previous = bs.latest_determinations(conn, household_id=household_id).get(household_id)
        row, events = self._stored(decision, result, household_id, previous, today, operator_id, job_id)
        bs.insert_determinations(conn, [row])
        bs.insert_events(conn, events)
        return result, bool(events)

    def _stored(self, decision: BurdenDecision, result: dict[str, Any], household_id: str,
                previous: tuple[int | None, str | None] | None, today: dt.date, operator_id: str,
                job_id: str | None, *, maker: bs.EventRows | None = None, now: dt.datetime | None = None,
                result_json: str | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The burden_determinations row and, when ratio or category changed, one changed event per 70–74 person."""
        row = {"determination_id": result["determination_id"], "household_id": household_id,
               "as_of": decision.as_of, "income_year": decision.income_year, "ratio_percent": decision.ratio_percent,
               "limit_category": decision.limit_category, "pending": decision.pending,
               "result": result_json or json.dumps(result, ensure_ascii=False, separators=(",", ":")),
               "business_date": today,
               "operator_id": operator_id, "job_id": job_id, "recorded_at": now or utcnow()}
        old_ratio, old_cat = previous if previous is not None else (None, None)
        if previous is not None and (old_ratio, old_cat) == (decision.ratio_percent, decision.limit_category):
            return row, []
        affected = [p for p in decision.persons if p.elder] or list(decision.persons)
        rule_ids = sorted({r.rule_id for r in decision.reasons if r.rule_id})
        change_id = str(uuid.uuid4())
        make = maker.row if maker is not None else functools.partial(bs.event_row, source=SOURCE)
        events = [make(nats_subject="nhi.v1.qualification.changed",
                       type="jp.nhi.qualification.changed.v1", subject=p.person_id, data={
            "change_id": change_id, "household_id": household_id, "person_id": p.person_id,
            "effective_date": decision.as_of.isoformat(), "change_kind": "burden",
            "determination_id": result["determination_id"],
            "ratio_percent_old": old_ratio, "ratio_percent_new": decision.ratio_percent,
            "limit_category_old": old_cat, "limit_category_new": decision.limit_category,
            "pending": decision.pending, "income_year": decision.income_year, "rule_ids": rule_ids,
            "business_date": today.isoformat(), "job_id": job_id or "",
        }) for p in affected]
        return row, events

    # ----- jobs -----

    def start_job(self, kind: str, parameters: dict[str, str], actor: Actor) -> dict[str, Any]:
        if kind not in JOB_KINDS:
            raise RuleViolation("kind", f"unknown job kind {kind!r}; one of {', '.join(JOB_KINDS)}",
                                code="UNKNOWN_JOB_KIND")
        today = self._today(actor)
        params = _job_parameters(kind, dict(parameters), today)
        with self.engine.begin() as conn:
            job_id = bs.create_job(conn, kind=kind, parameters=params, business_date=today,
                                   operator_id=actor.operator_id)
            self.core.plumbing.audit(conn, operator_id=actor.operator_id, action=f"job.started.{kind}",
                                     target_kind="job", target_id=job_id, detail=dumps(params))
        if self.dispatch is not None:
            try:
                self.dispatch([(JOB_SUBJECT_PREFIX + kind, Event(
                    id=f"{job_id}.plan", source=SOURCE, type=PLAN_TYPE, subject=job_id,
                    time=utcnow().isoformat(), data={"job_id": job_id, "kind": kind, "step": "plan"}))])
            except Exception as exc:  # noqa: BLE001 - NATS down: the job cannot run; say so
                with self.engine.begin() as conn:
                    bs.fail_job(conn, job_id, f"could not queue the job: {type(exc).__name__}: {exc}")
        else:
            thread = threading.Thread(target=self.run_in_process, args=(job_id,), name=f"job-{job_id[:8]}",
                                      daemon=True)
            self._threads.append(thread)
            thread.start()
        return self.get_job(job_id)

    def get_job(self, job_id: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = bs.get_job(conn, job_id)
        if row is None:
            raise NotFound("job", job_id)
        return job_dict(row)

    def wait(self, timeout: float | None = None) -> None:
        """Join the in-process job threads (tests, the CLI)."""
        for thread in list(self._threads):
            thread.join(timeout)

    def run_in_process(self, job_id: str) -> None:
        try:
            for _no, first, last in self.plan_job(job_id):
                self.run_chunk(job_id, _no)
        except Exception as exc:  # noqa: BLE001 - a background thread: record the failure on the job
            log.exception("job %s failed", job_id)
            with self.engine.begin() as conn:
                bs.fail_job(conn, job_id, f"{type(exc).__name__}: {exc}")

    def handle_message(self, data: dict[str, Any]) -> None:
        """One message of `nhi.jobs.v1.>`: a plan step (cut into chunks, publish them) or a chunk."""
        job_id = data["job_id"]
        if data.get("step") == "plan":
            chunks = self.plan_job(job_id)
            with self.engine.connect() as conn:
                kind = bs.get_job(conn, job_id).kind
            if chunks and self.dispatch is not None:
                self.dispatch([(JOB_SUBJECT_PREFIX + kind, Event(
                    id=f"{job_id}.{no}", source=SOURCE, type=CHUNK_TYPE, subject=job_id, time=utcnow().isoformat(),
                    data={"job_id": job_id, "kind": kind, "chunk_no": no, "first_key": first, "last_key": last}))
                    for no, first, last in chunks])
            return
        self.run_chunk(job_id, int(data["chunk_no"]))

    def plan_job(self, job_id: str) -> list[tuple[int, str, str]]:
        """Cut the job into key ranges (once); returns the chunks still to do (all of them, on a re-plan)."""
        with self.engine.begin() as conn:
            job = bs.get_job(conn, job_id)
            if job is None:
                raise NotFound("job", job_id)
            existing = conn.execute(sa.select(bs.job_chunks.c.chunk_no, bs.job_chunks.c.first_key,
                                              bs.job_chunks.c.last_key, bs.job_chunks.c.state)
                                    .where(bs.job_chunks.c.job_id == job_id)
                                    .order_by(bs.job_chunks.c.chunk_no)).all()
            if existing or job.state != "queued" or job.chunks:
                return [(r.chunk_no, r.first_key, r.last_key) for r in existing if r.state in ("queued", "running")]
            params = json.loads(job.parameters)
            keys = self._age75_keys(conn, params) if job.kind == AGE75 else self._burden_keys(conn, params)
            _total, chunks = bs.plan_chunks(conn, job_id, keys, self.chunk_size)
            if not chunks:
                bs.close_job_if_complete(conn, job_id)
            return chunks

    def run_chunk(self, job_id: str, chunk_no: int) -> None:
        with self.engine.begin() as conn:
            bs.mark_running(conn, job_id)
        try:
            with self.engine.begin() as conn:
                chunk = bs.claim_chunk(conn, job_id, chunk_no)
                if chunk is None:
                    return  # done already: a redelivery
                bs.tune_chunk_transaction(conn)
                job = bs.get_job(conn, job_id)
                params = json.loads(job.parameters)
                if job.kind == AGE75:
                    done, failed = self._age75_chunk(conn, job, params, chunk)
                else:
                    done, failed = self._burden_chunk(conn, job, params, chunk)
                bs.finish_chunk(conn, job_id, chunk_no, done=done, failed=failed)
        except Exception as exc:  # noqa: BLE001 - the chunk fails, the job goes on and ends failed
            log.exception("job %s chunk %d failed", job_id, chunk_no)
            with self.engine.begin() as conn:
                if bs.claim_chunk(conn, job_id, chunk_no) is not None:
                    bs.finish_chunk(conn, job_id, chunk_no, done=0, failed=0, state="failed",
                                    error=f"chunk {chunk_no}: {type(exc).__name__}: {exc}")
        self.core.after_commit()

    # ----- age75_loss (2.5.1) -----

    def _age75_query(self, params: dict[str, str]):
        """Persons born in the window with a current period that may still run on their 75th birthday."""
        lo, hi = _age75_window(params)
        birth_lo, birth_hi = _birth_window(lo, hi)
        insured = sa.exists().where(periods.c.person_id == persons.c.person_id, periods.c.superseded_at.is_(None),
                                    periods.c.void == sa.false(), periods.c.acquired_on < hi + ONE_DAY,
                                    sa.or_(periods.c.lost_on.is_(None), periods.c.lost_on >= lo))
        return persons.c.birth_date.between(birth_lo, birth_hi), insured

    def _age75_keys(self, conn, params: dict[str, str]) -> Iterator[str]:
        lo, hi = _age75_window(params)
        query = (sa.select(persons.c.person_id, persons.c.birth_date).where(*self._age75_query(params))
                 .order_by(persons.c.person_id))
        for pid, birth in conn.execute(query.execution_options(yield_per=5000)):
            if lo <= age75_lost_on(birth_date=birth).day <= hi:
                yield pid

    def _age75_chunk(self, conn, job, params: dict[str, str], chunk) -> tuple[int, int]:
        """Set-based: read the chunk's targets and everything their households need in a few statements
        (`Age75Chunk`), apply the losses in memory in the same order and with the same effects as one person after
        the other would, then write each table once (executemany, COPY on PostgreSQL)."""
        lo, hi = _age75_window(params)
        rows = conn.execute(sa.select(persons).where(persons.c.person_id.between(chunk.first_key, chunk.last_key),
                                                     *self._age75_query(params))
                            .order_by(persons.c.birth_date, persons.c.person_id)).all()
        targets = [(r, age75_lost_on(birth_date=r.birth_date)) for r in rows]
        targets = [(r, rule) for r, rule in targets if lo <= rule.day <= hi]
        seen = bs.results_seen(conn, job.job_id, [r.person_id for r, _ in targets])
        todo = [(r, rule) for r, rule in targets if r.person_id not in seen]
        current = bs.current_periods(conn, [r.person_id for r, _ in todo])
        years = {income_year_for(day=rule.day).year for _r, rule in todo}
        state = bs.Age75Chunk.load(conn, {p.household_id for p in current.values()},
                                   [r.person_id for r, _ in todo], years)
        writes = bs.Age75Writes(SOURCE)
        done = len(targets) - len(todo)
        failed = 0
        for row, rule in todo:
            try:
                outcome, detail = self._lose_at_75(state, writes, job, row, rule, current.get(row.person_id))
            except RuleViolation as exc:
                outcome, detail = "failed", {"error": f"{exc.field}: {exc.message}"}
                failed += 1
            else:
                done += 1
            writes.results.append({"job_id": job.job_id, "person_id": row.person_id,
                                   "household_id": row.household_id, "outcome": outcome,
                                   "detail": json.dumps(detail, ensure_ascii=False)})
        writes.flush(conn)
        return done, failed

    def _lose_at_75(self, state: bs.Age75Chunk, writes: bs.Age75Writes, job, person, rule,
                    current) -> tuple[str, dict[str, Any]]:
        lost_on = rule.day
        detail: dict[str, Any] = {"birth_date": person.birth_date.isoformat(),
                                  "age_75_birthday": birthday_of(birth_date=person.birth_date, age=75).isoformat(),
                                  "lost_on": lost_on.isoformat(), "rule_ids": ["LOSS-AGE75"]}
        if current is not None and current.lost_reason == "age75" and current.lost_on == lost_on:
            return "skipped_already_lost", {**detail, "period_id": current.period_id}
        if current is None or not current.covers(lost_on - ONE_DAY) or (current.lost_on and current.lost_on <= lost_on):
            return "skipped_not_insured", detail
        today = job.business_date
        operator = f"batch:{job.kind}:{job.operator_id}"
        now = writes.now
        change_id = str(uuid.uuid4())
        writes.supersede.append(current.period_id)
        new_version = {
            "period_id": current.period_id, "recorded_at": now, "change_id": change_id,
            "reasons": json.dumps([r.as_dict() for r in (*current.reasons, rule.reason)], ensure_ascii=False),
            "person_id": person.person_id, "household_id": current.household_id,
            "insurer_number": current.insurer_number, "symbol": current.symbol, "number": current.number,
            "branch_no": current.branch_no, "acquired_on": current.acquired_on,
            "acquired_reason": current.acquired_reason, "lost_on": lost_on, "lost_reason": "age75",
            "operator_id": operator}
        writes.periods.append(new_version)
        state.replace_period(person.person_id, current.period_id, new_version)
        ended = state.end_certificates(person.person_id, lost_on, writes)
        effects = self._household_effects(state, writes, job, person, current.household_id, lost_on, rule.reason,
                                          change_id, today, operator)
        effects["certificates_ended"] = ended
        detail.update({"period_id": current.period_id, "change_id": change_id, "household_effects": effects})
        writes.events.append(writes.maker.row(nats_subject="nhi.v1.qualification.lost",
                                              type="jp.nhi.qualification.lost.v1", subject=person.person_id, data={
            "change_id": change_id, "period_id": current.period_id, "person_id": person.person_id,
            "household_id": current.household_id, "insurer_number": current.insurer_number,
            "symbol": current.symbol, "number": current.number, "branch_no": current.branch_no,
            "acquired_on": current.acquired_on.isoformat(), "lost_on": lost_on.isoformat(), "reason": "age75",
            "rule_ids": ["LOSS-AGE75"], "birth_date": person.birth_date.isoformat(), "sex": person.sex,
            "business_date": today.isoformat(), "operator_id": operator, "job_id": job.job_id,
            "deemed_head": effects["deemed_head"],
            "specific_same_household": bool(effects["specific_same_household"]),
        }))
        writes.changes.append(dict(
            change_id=change_id, business_date=today, operator_id=operator, kind="leave", reason="age75",
            household_id=current.household_id, person_ids=json.dumps([person.person_id]), event_date=lost_on,
            notified_on=None, identity_check="{}", decision=dumps({"rule_ids": ["LOSS-AGE75"], "job_id": job.job_id,
                                                                  "household_effects": effects}),
            before=dumps({person.person_id: {"acquired_on": current.acquired_on.isoformat(), "lost_on": ""}}),
            after=dumps({person.person_id: {"lost_on": lost_on.isoformat(), "lost_reason": "age75"}}),
            recorded_at=now))
        return "lost", detail

    def _household_effects(self, state: bs.Age75Chunk, writes: bs.Age75Writes, job, person, household_id: str,
                           lost_on: dt.date, reason: Reason, change_id: str, today: dt.date,
                           operator: str) -> dict[str, Any]:
        """2.5.1 side effects: 特定同一世帯所属者, 擬制世帯主, and the re-determination of the remaining 70–74 members."""
        members = state.members.get(household_id, [])
        remaining = [m for m in members if m.person_id != person.person_id
                     and state.insured_as_of(m.person_id, lost_on)]
        effects: dict[str, Any] = {"remaining_insured": [m.person_id for m in remaining], "deemed_head": False,
                                   "specific_same_household": "", "burden": None}
        if not remaining:
            return effects
        # The one who moved to 後期高齢者医療 and stays in a household with NHI insured is the 特定同一世帯所属者.
        status_id = str(uuid.uuid4())
        writes.statuses.append(dict(
            status_id=status_id, person_id=person.person_id, kind=bs.SPECIFIC_SAME_HOUSEHOLD, start=lost_on, end=None,
            evidence=json.dumps(["age75_transition"]),
            reasons=json.dumps([reason.as_dict(), Reason(
                "SPECIAL-STATUS", "後期高齢者医療へ移行し、国保被保険者と同一世帯に属するため特定同一世帯所属者",
                "国民健康保険法施行令（保険料の軽減）",
                {"household_id": household_id, "remaining_insured": ",".join(effects["remaining_insured"])}).as_dict()],
                ensure_ascii=False),
            change_id=change_id, recorded_at=writes.now))
        state.add_specific(person.person_id, lost_on)
        effects["specific_same_household"] = person.person_id
        effects["specific_same_household_status_id"] = status_id
        effects["deemed_head"] = state.heads.get(household_id) == person.person_id
        if any(elder_period(birth_date=m.birth_date).covers(lost_on) for m in remaining):
            facts = state.household_facts(household_id, lost_on)
            year = income_year_for(day=lost_on).year
            decision = determine_burden(as_of=lost_on, members=facts,
                                        incomes=state.incomes_for([m.person_id for m in facts], year))
            result = decision_dict(decision, household_id, str(uuid.uuid4()), False)
            row, events = self._stored(decision, result, household_id, state.latest.get(household_id), today,
                                       operator, job.job_id, maker=writes.maker, now=writes.now)
            writes.determinations.append(row)
            writes.events.extend(events)
            state.latest[household_id] = (decision.ratio_percent, decision.limit_category)
            effects["burden"] = {"determination_id": result["determination_id"],
                                 "ratio_percent": result["ratio_percent"],
                                 "limit_category": result["limit_category"], "pending": result["pending"],
                                 "changed": bool(events)}
        return effects

    # ----- burden_redetermination (8/1, BURDEN-YEAR) -----

    def _burden_keys(self, conn, params: dict[str, str]) -> Iterator[str]:
        day = dt.date.fromisoformat(params["date"])
        # A superset of the 70–74 on `day` (born after the day 75 years back, up to 70 years back); the chunk decides.
        lo = _years_before(day, 75) - ONE_DAY
        hi = _years_before(day, 70) + ONE_DAY
        query = (sa.select(persons.c.household_id).distinct()
                 .join(periods, periods.c.person_id == persons.c.person_id)
                 .where(persons.c.birth_date.between(lo, hi), bs._covering(day))
                 .order_by(persons.c.household_id))
        for (hid,) in conn.execute(query.execution_options(yield_per=5000)):
            yield hid

    def _burden_chunk(self, conn, job, params: dict[str, str], chunk) -> tuple[int, int]:
        """Set-based: one read of the keys' households (members, periods, statuses, heads, incomes), one of the
        last stored outcomes, the rules in Python, then one COPY of the determinations and one of the events.

        Only determinations whose outcome (ratio, category, pending, income year) differs from the household's
        last stored one are stored; an unchanged household counts as done and writes nothing."""
        day = dt.date.fromisoformat(params["date"])
        first, last = chunk.first_key, chunk.last_key
        year = income_year_for(day=day).year
        facts, incomes = bs.burden_chunk_facts(conn, day, year, first, last, _years_before(day, 75) - ONE_DAY,
                                               _years_before(day, 70) + ONE_DAY)
        previous = bs.latest_outcomes(conn, first=first, last=last)
        operator = f"batch:{job.kind}:{job.operator_id}"
        maker = bs.EventRows(SOURCE)
        now = maker.created_at
        rows: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        fragments: dict[tuple[bool, dt.date], str] = {}
        done = failed = 0
        for hid, members in facts.members.items():
            if not any(m.insured and _is_elder_on(m.birth_date, day) for m in members):
                continue
            try:
                decision = determine_burden(as_of=day, members=members,
                                                  incomes={m.person_id: incomes[m.person_id] for m in members
                                                           if m.person_id in incomes})
            except RuleViolation:
                log.warning("job %s: household %s could not be decided", job.job_id, hid, exc_info=True)
                failed += 1
                continue
            done += 1
            before = previous.get(hid)
            if before is not None and before == (decision.ratio_percent, decision.limit_category, decision.pending,
                                                 decision.income_year):
                continue  # same outcome on the same income year: nothing to store, nothing to announce
            determination_id = str(uuid.uuid4())
            text = decision_json(decision, hid, determination_id, {m.person_id: m.birth_date for m in members},
                                 fragments)
            row, changed = self._stored(decision, {"determination_id": determination_id}, hid,
                                        before[:2] if before is not None else None, job.business_date, operator,
                                        job.job_id, maker=maker, now=now, result_json=text)
            rows.append(row)
            events.extend(changed)
        bs.insert_determinations(conn, rows)
        bs.insert_events(conn, events)
        # Every key of the range was examined; keys that could not be decided are the failed ones.
        return max(done, len(facts.members) - failed), failed

    # ----- 75歳到達 対象者一覧 (2.5.1 target list) -----

    def target_list(self, job_id: str, page_size: int = 100, cursor: str = "") -> dict[str, Any]:
        with self.engine.connect() as conn:
            job = bs.get_job(conn, job_id)
            if job is None:
                raise NotFound("job", job_id)
            query = sa.select(job_results).where(job_results.c.job_id == job_id)
            rows, next_cursor = store.page(conn, query, job_results.c.person_id, page_size, cursor)
            summary = dict(conn.execute(sa.select(job_results.c.outcome, sa.func.count())
                                        .where(job_results.c.job_id == job_id)
                                        .group_by(job_results.c.outcome)).all())
        out = []
        for r in rows:
            detail = json.loads(r.detail or "{}")
            effects = detail.get("household_effects") or {}
            burden = effects.get("burden") or {}
            out.append({
                "person_id": r.person_id, "household_id": r.household_id, "birth_date": detail.get("birth_date", ""),
                "age_75_birthday": detail.get("age_75_birthday", ""), "lost_on": detail.get("lost_on", ""),
                "outcome": r.outcome, "deemed_head": bool(effects.get("deemed_head")),
                "specific_same_household": bool(effects.get("specific_same_household")),
                "remaining_insured": effects.get("remaining_insured", []),
                "burden_redetermined": (f"{burden.get('ratio_percent')}割 {burden.get('limit_category')}"
                                        if burden else ""),
                "certificates_ended": int(effects.get("certificates_ended") or 0),
            })
        return {"job": job_dict(job), "title": "75歳到達 対象者一覧" if job.kind == AGE75 else f"{job.kind} 結果一覧",
                "rows": out, "summary": summary, "next_cursor": next_cursor}


def decision_dict(decision: BurdenDecision, household_id: str, determination_id: str, dry_run: bool) -> dict[str, Any]:
    return {"household_id": household_id, "ratio_percent": decision.ratio_percent or 0,
            "limit_category": decision.limit_category or "", "pending": decision.pending,
            "reasons": [r.as_dict() for r in decision.reasons], "income_year": decision.income_year,
            "as_of": decision.as_of.isoformat(),
            "persons": [{"person_id": p.person_id, "elder": p.elder, "ratio_percent": p.ratio_percent,
                         "limit_category": p.limit_category or "", "reasons": [r.as_dict() for r in p.reasons]}
                        for p in decision.persons],
            "determination_id": determination_id, "dry_run": dry_run}


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def decision_json(decision: BurdenDecision, household_id: str, determination_id: str,
                  births: dict[str, dt.date], fragments: dict[tuple[bool, dt.date], str]) -> str:
    """json.dumps(decision_dict(decision, household_id, determination_id, False)), compact, same keys in the same
    order, with each person's reasons encoded once per (elder, birth date) for the decision day: they depend on
    nothing else (ELDER-START/ELDER-END, or the under-70 share). `fragments` belongs to one as_of."""
    people = []
    for p in decision.persons:
        key = (p.elder, births[p.person_id])
        reasons = fragments.get(key)
        if reasons is None:
            reasons = fragments[key] = _JSON([r.as_dict() for r in p.reasons])
        people.append(f'{{"person_id":{_JSON(p.person_id)},"elder":{"true" if p.elder else "false"},'
                      f'"ratio_percent":{_JSON(p.ratio_percent)},"limit_category":{_JSON(p.limit_category or "")},'
                      f'"reasons":{reasons}}}')
    head = _JSON({"household_id": household_id, "ratio_percent": decision.ratio_percent or 0,
                  "limit_category": decision.limit_category or "", "pending": decision.pending,
                  "reasons": [r.as_dict() for r in decision.reasons], "income_year": decision.income_year,
                  "as_of": decision.as_of.isoformat()})
    return (f'{head[:-1]},"persons":[{",".join(people)}],"determination_id":{_JSON(determination_id)},'
            f'"dry_run":false}}')


def job_dict(row) -> dict[str, Any]:
    return {"job_id": row.job_id, "kind": row.kind, "state": row.state, "total": int(row.total),
            "done": int(row.done), "failed": int(row.failed), "business_date": row.business_date.isoformat(),
            "created_at": aware_iso(row.created_at), "finished_at": aware_iso(row.finished_at),
            "parameters": json.loads(row.parameters or "{}"), "error": row.error or ""}


def _parse_date(raw: str, field: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise RuleViolation(field, f"{raw!r} is not a date (YYYY-MM-DD)", code="INVALID_DATE") from None


def _job_parameters(kind: str, params: dict[str, str], today: dt.date) -> dict[str, str]:
    unknown = set(params) - ({"date", "month"} if kind == AGE75 else {"date"})
    if unknown:
        name = sorted(unknown)[0]
        raise RuleViolation(f"parameters.{name}", f"{kind} takes no parameter {name!r}", code="REQUIRED")
    if kind == AGE75 and params.get("month"):
        if params.get("date"):
            raise RuleViolation("parameters.month", "give either date or month, not both", code="REQUIRED")
        _month_bounds(params["month"])
        return {"month": params["month"]}
    day = _parse_date(params.get("date") or "", "parameters.date") or today
    return {"date": day.isoformat()}


def _month_bounds(month: str) -> tuple[dt.date, dt.date]:
    try:
        year, mon = (int(x) for x in month.split("-"))
        first = dt.date(year, mon, 1)
    except ValueError:
        raise RuleViolation("parameters.month", f"{month!r} is not a month (YYYY-MM)", code="INVALID_DATE") from None
    return first, dt.date(year, mon, calendar.monthrange(year, mon)[1])


def _age75_window(params: dict[str, str]) -> tuple[dt.date, dt.date]:
    """The lost_on days the run covers: one day, or one month."""
    if params.get("month"):
        return _month_bounds(params["month"])
    day = dt.date.fromisoformat(params["date"])
    return day, day


def _birth_window(lo: dt.date, hi: dt.date) -> tuple[dt.date, dt.date]:
    """A superset of the birth dates whose 75th birthday lies in [lo, hi] (29 Feb births turn 75 on 1 Mar)."""
    return _years_before(lo, 75) - dt.timedelta(days=2), _years_before(hi, 75) + ONE_DAY


def _years_before(day: dt.date, years: int) -> dt.date:
    year = day.year - years
    if (day.month, day.day) == (2, 29) and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return day.replace(year=year)


def _is_elder_on(birth_date: dt.date, day: dt.date) -> bool:
    return elder_period(birth_date=birth_date).covers(day)
