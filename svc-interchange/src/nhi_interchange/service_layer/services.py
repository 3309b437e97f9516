"""Use cases of svc-interchange: collect qualification changes, run the daily aggregation link and its jobs."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from nhi_common import job_listing, logs, offering
from nhi_common.errors import DATE_OUT_OF_RANGE, IdempotencyReuse, InvalidInput, NotFound, PermissionDenied
from nhi_common.events import Event
from nhi_common.paging import Page

from ..domain.aggregation import NotForAggregation, PendingRecord, merge_snapshot, pending_record
from ..domain.subcopy import asks_income
from . import daily, returns, subcopy
from .ports import (
    LISTED_PERSONS,
    AddressTables,
    BurdenDecisions,
    FileDrop,
    PersonDirectory,
    PersonNumbers,
    PrefectureAcquisitions,
    Store,
)

log = logging.getLogger(__name__)
CONSUMER = "interchange-qualification"
AUTOMATIC = "svc-interchange"  # the operator of what the service does by itself
JOB_PREFIX = "interchange-"
JOB_KINDS = (
    "daily_aggregation",
    "aggregation_import",
    "subcopy_registration",
    "subcopy_query_send",
    "intermediate_receipt",
)
REPORT_KINDS = (
    "qualification_data_error_list",
    "interchange_import_list",
    "interchange_registration_result_list",
    "subcopy_target_list",
)
# The lists of persons among them (rule DV), with their names in svc-qualification's audit row.
SCREENED_REPORTS = {
    "qualification_data_error_list": "interchange.qualification_data_error_list",
    "interchange_registration_result_list": "interchange.registration_result_list",
    "subcopy_target_list": "interchange.subcopy_target_list",
}
QUERIES_LISTING = "interchange.subcopy_queries"
# The queue of requests the intermediate server could not answer (2.8.2): DV support-measure persons (and defective
# copies), read only with the dv:read scope; each read and decision is audited in svc-interchange's own chain.
MANUAL_LISTING = "interchange.subcopy_manual_requests"
DV_READ = "dv:read"
SUBCOPY_ITEMS = ("income",)  # what a 副本照会 asks for today: the income of a mover for BURDEN-PENDING (2.1.5)
MANUAL_STATES = ("waiting", "provided", "refused")


IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1d3c2a-9b4e-4f7a-8c5d-2e1f0a9b8c7d")  # query ids made from an Idempotency-Key
REACH = dt.timedelta(days=366)  # a job's day lies within a year of the business date, as every job's


ADDRESS_WITHHELD = "jp.nhi.qualification.address_withheld.v1"  # rule DV: drop the household's address


def _next_snapshot(previous: dict[str, Any] | None, record: PendingRecord, event: Event) -> dict[str, Any]:
    """The person's facts after `event`, dated by its record."""
    snapshot = merge_snapshot(previous, event.type, event.data)
    snapshot["effective_date"] = record.effective_date
    return snapshot


class _NoNumbers:
    def my_number(self, person_id: str) -> str:
        return ""


class InterchangeService:
    def __init__(
        self,
        store: Store,
        *,
        numbers: PersonNumbers | None = None,
        drop: FileDrop | None = None,
        intermediate: FileDrop | None = None,
        addresses: AddressTables | None = None,
        people: PersonDirectory | None = None,
        burden: BurdenDecisions | None = None,
        register: PrefectureAcquisitions | None = None,
        insurer_number: str = "139998",
        business_date: Callable[[], dt.date] = dt.date.today,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        abandonment: offering.Abandonment = offering.Abandonment(),
    ) -> None:
        self.store = store
        self.abandonment = abandonment
        self.numbers = numbers or _NoNumbers()
        self.drop = drop
        self.intermediate = intermediate
        self.addresses = addresses
        self.people = people
        self.burden = burden
        self.register = register
        self.insurer_number = insurer_number
        self.business_date = business_date
        self.clock = clock
        # The jobs this process has queued to run or is running (the servicer's queue runs one at a time): alive.
        self.held: set[str] = set()

    def record_qualification_event(self, event: Event) -> bool:
        """Keep the change as pending for the aggregation link; False when it was seen before or is not aggregated."""
        if event.type == ADDRESS_WITHHELD:
            return self._withhold_address(event)
        try:
            record = pending_record(event.id, event.type, event.data)
        except NotForAggregation:
            return False
        with self.store.transaction() as records:
            if not records.claim(event.id, CONSUMER):
                log.info("event already recorded", extra={"event_id": event.id})
                return False
            snapshot = _next_snapshot(records.latest_snapshot(record.person_id), record, event)
            records.add_pending(record, event.data, snapshot, self.clock())
            if asks_income(event.type, event.data, snapshot):
                self._queue_income_query(records, record.person_id, event.data.get("income_year"))
        return True

    def record_qualification_events(self, events: list[Event]) -> list[bool | Exception]:
        """A fetch of events kept exactly as `record_qualification_event` one at a time would keep them, in a few
        statements instead of four round trips an event: each run of ordinary events in one transaction, an address
        withheld on its own between runs (it applies to what came before it, not to what comes after). Per event, in
        order: whether it was recorded, or what it raised (a ValueError: malformed, it never will be). When a run's
        transaction fails, its events are taken one at a time, so one event that cannot be processed holds back no
        other."""
        outcomes: list[bool | Exception] = []
        run: list[Event] = []
        for event in [*events, None]:
            if event is not None and event.type != ADDRESS_WITHHELD:
                run.append(event)
                continue
            if run:
                outcomes += self._record_run(run)
                run = []
            if event is not None:
                outcomes.append(self._record_alone(event))
        return outcomes

    def _record_run(self, run: list[Event]) -> list[bool | Exception]:
        """Ordinary events in one transaction: claims, the persons' last snapshots and the pending records a
        statement each; a second event of a person builds on the first one's snapshot, as it would after its
        commit."""
        outcomes: list[bool | Exception] = [False] * len(run)
        found: list[tuple[int, PendingRecord]] = []
        for i, event in enumerate(run):
            try:
                found.append((i, pending_record(event.id, event.type, event.data)))
            except NotForAggregation:
                continue
            except Exception as exc:  # noqa: BLE001 - a malformed event: this one only
                outcomes[i] = exc
        if not found:
            return outcomes
        try:
            with self.store.transaction() as records:
                claimed = records.claim_many([r.event_id for _, r in found], CONSUMER)
                snapshots = records.latest_snapshots([r.person_id for _, r in found])
                rows = []
                for (i, record), new in zip(found, claimed, strict=True):
                    if not new:
                        log.info("event already recorded", extra={"event_id": record.event_id})
                        continue
                    event = run[i]
                    snapshot = _next_snapshot(snapshots.get(record.person_id), record, event)
                    snapshots[record.person_id] = snapshot
                    rows.append((record, event.data, snapshot, self.clock()))
                    if asks_income(event.type, event.data, snapshot):
                        self._queue_income_query(records, record.person_id, event.data.get("income_year"))
                    outcomes[i] = True
                records.add_pending_many(rows)
        except Exception as exc:  # noqa: BLE001 - found out below, event by event
            log.warning("batch of %d events failed (%s); each on its own", len(run), type(exc).__name__)
            return [self._record_alone(event) for event in run]
        return outcomes

    def _record_alone(self, event: Event) -> bool | Exception:
        try:
            return self.record_qualification_event(event)
        except Exception as exc:  # noqa: BLE001 - this event only
            return exc

    def _withhold_address(self, event: Event) -> bool:
        """Rule DV for payloads already stored: the household's address leaves every pending record and snapshot
        of its members (a sub-copy or aggregation record built later finds none)."""
        data = event.data if isinstance(event.data, dict) else {}
        if not data.get("household_id"):
            return False
        with self.store.transaction() as records:
            if not records.claim(event.id, CONSUMER):
                return False
            changed = records.withhold_address(
                str(data["household_id"]), [str(p) for p in data.get("person_ids") or []]
            )
        log.info("address withheld from stored payloads (DV)", extra={"records": changed})
        return True

    def _queue_income_query(self, records, person_id: str, income_year) -> None:
        """The 副本照会 a pending burden decision of a mover asks (2.1.5), once per person and income year."""
        query_id = str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"burden-pending\n{person_id}\n{income_year}"))
        if records.get_query(query_id) is None:
            records.add_subcopy_query(
                {
                    "query_id": query_id,
                    "person_id": person_id,
                    "item": "income",
                    "state": "queued",
                    "operator_id": AUTOMATIC,
                    "created_at": self.clock(),
                }
            )
            log.info("income query queued for a pending burden decision", extra={"query_id": query_id})

    def list_pending(self, *, person_id: str, page: Page) -> tuple[list[dict[str, Any]], str, int]:
        """A page of the records still pending, oldest first, the cursor of the next page and how many there are."""
        with self.store.transaction() as records:
            return records.list_pending(person_id=person_id, page=page)

    def run_daily_aggregation(self, business_date: dt.date, progress=lambda done, total: None) -> daily.RunResult:
        """2.6.1–2.6.5 for one business day (see daily.run_daily_aggregation)."""
        return daily.run_daily_aggregation(
            store=self.store,
            numbers=self.numbers,
            drop=self._drop(),
            insurer_number=self.insurer_number,
            business_date=business_date,
            now=self.clock(),
            addresses=self.addresses.load() if self.addresses is not None else None,
            progress=progress,
        )

    def import_returned(self) -> returns.ImportResult:
        """2.6.6–2.6.7: import and reflect what the aggregation system returned."""
        return returns.import_returned(store=self.store, drop=self._drop(), register=self.register)

    def list_files(self, *, page: Page) -> tuple[list[dict[str, Any]], str]:
        with self.store.transaction() as records:
            return records.list_files(page=page)

    def list_report(self, kind: str, *, page: Page, caller: Any = None) -> tuple[list[dict[str, Any]], str]:
        """A page of one of the lists; in a list of persons, without the DV support-measure persons `caller` may not
        see listed (rule DV; no caller: the service's own read; no directory to ask: nobody)."""
        if kind not in REPORT_KINDS:
            raise InvalidInput("kind", f"{kind!r} is not a list svc-interchange fills", code="UNKNOWN_KIND")
        with self.store.transaction() as records:
            rows, cursor = records.list_report(kind, page=page)
        persons = [tuple(r.pop(LISTED_PERSONS, ())) for r in rows]
        if caller is None or kind not in SCREENED_REPORTS:
            return rows, cursor
        return self._screened(caller, rows, persons, SCREENED_REPORTS[kind]), cursor

    def _screened(
        self, caller: Any, rows: list[dict[str, Any]], persons: list[tuple[str, ...]], listing: str
    ) -> list[dict[str, Any]]:
        """Rule DV: the rows naming none of the persons `caller` may not see listed, as svc-qualification says (a row
        of no person stays; with no directory to ask, every row naming a person goes)."""
        named = sorted({p for ps in persons for p in ps})
        if not named:
            return rows
        hidden = set(named) if self.people is None else self.people.hidden_persons(caller, named, listing)
        return [r for r, ps in zip(rows, persons, strict=True) if hidden.isdisjoint(ps)]

    def list_transfers(self, *, page: Page) -> tuple[list[dict[str, Any]], str]:
        with self.store.transaction() as records:
            return records.list_transfers(page=page)

    def query_subcopy(
        self, *, person_id: str, item: str, operator_id: str, idempotency_key: str = ""
    ) -> dict[str, Any]:
        """Record a 副本照会 request (2.9.1); it waits in state `queued` until subcopy_query_send sends it. A retry
        with the same Idempotency-Key (per operator) answers the query it queued."""
        if not person_id:
            raise InvalidInput("person_id", "name the person whose sub-copy is queried", code="REQUIRED")
        if item not in SUBCOPY_ITEMS:
            raise InvalidInput("item", f"item is one of {', '.join(SUBCOPY_ITEMS)}", code="UNKNOWN_KIND")
        query_id = str(uuid.uuid4())
        if idempotency_key:
            query_id = str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{operator_id}\n{idempotency_key}"))
            with self.store.transaction() as records:
                earlier = records.get_query(query_id)
            if earlier is not None:
                if (earlier["person_id"], earlier["item"]) != (person_id, item):
                    raise IdempotencyReuse()
                return earlier
        if self.people is not None and self.people.person(person_id) is None:
            raise NotFound("person", person_id)
        query = {
            "query_id": query_id,
            "person_id": person_id,
            "item": item,
            "state": "queued",
            "operator_id": operator_id,
            "created_at": self.clock(),
        }
        with self.store.transaction() as records:
            records.add_subcopy_query(query)
        return query

    def register_subcopies(self, business_date: dt.date, progress=lambda done, total: None) -> subcopy.TransferResult:
        """2.8.1–2.8.2: the 副本 of the persons changed since the last transfer, to the intermediate server."""
        return subcopy.register_subcopies(
            store=self.store,
            people=self._link("people"),
            drop=self._link("intermediate"),
            insurer_number=self.insurer_number,
            business_date=business_date,
            now=self.clock(),
            progress=progress,
        )

    def send_queries(self, business_date: dt.date) -> subcopy.SendResult:
        """2.9.1: the queued 副本照会 requests, to the intermediate server."""
        return subcopy.send_queries(
            store=self.store,
            people=self._link("people"),
            burden=self._link("burden"),
            drop=self._link("intermediate"),
            insurer_number=self.insurer_number,
            business_date=business_date,
            now=self.clock(),
        )

    def receive_intermediate(self) -> subcopy.ReceiptResult:
        """2.8.2, 2.9.3: transfer results, requests for a manual answer and query answers from the server."""
        return subcopy.receive(
            store=self.store, drop=self._link("intermediate"), burden=self._link("burden"), now=self.clock()
        )

    def list_queries(self, *, person_id: str, page: Page, caller: Any = None) -> tuple[list[dict[str, Any]], str]:
        """A page of the 副本照会 requests; without those of DV support-measure persons `caller` may not see listed
        (rule DV; no caller: the service's own read)."""
        with self.store.transaction() as records:
            found, cursor = records.list_queries(person_id=person_id, page=page)
        if caller is not None:
            found = self._screened(caller, found, [(q["person_id"],) for q in found], QUERIES_LISTING)
        return [_query(q) for q in found], cursor

    def get_query(self, query_id: str) -> dict[str, Any]:
        if not query_id:
            raise InvalidInput("query_id", "name the query", code="REQUIRED")
        with self.store.transaction() as records:
            found = records.get_query(query_id)
        if found is None:
            raise NotFound("subcopy_query", query_id)
        return _query(found)

    def list_manual_requests(self, *, state: str, page: Page, caller: Any = None) -> tuple[list[dict[str, Any]], str]:
        """A page of the requests waiting for (or holding) a clerk's answer: only to a caller with dv:read (rule DV),
        the persons listed audited as dv.person_listed (no caller: the service's own read)."""
        _require_dv_read(caller, "the requests for a manual answer")
        if state and state not in MANUAL_STATES:
            raise InvalidInput("state", f"state is one of {', '.join(MANUAL_STATES)}", code="UNKNOWN_KIND")
        with self.store.transaction() as records:
            found, cursor = records.list_manual_requests(state=state, page=page)
            if caller is not None and found:
                for person_id in sorted({r["person_id"] for r in found}):  # one row a person: a page's ids exceed one
                    records.audit(
                        operator_id=caller.operator_id,
                        action="dv.person_listed",
                        target_kind="person",
                        target_id=person_id,
                        detail=MANUAL_LISTING,
                    )
        return found, cursor

    def decide_manual_request(
        self, *, request_id: str, decision: str, note: str, operator_id: str, caller: Any = None
    ) -> dict[str, Any]:
        """The clerk's answer to a request the intermediate server could not answer automatically (DV): only with
        dv:read, audited (no caller: the service's own)."""
        _require_dv_read(caller, "a request for a manual answer")
        if not request_id:
            raise InvalidInput("request_id", "name the request", code="REQUIRED")
        return subcopy.decide_manual_request(
            store=self.store,
            drop=self.intermediate,
            insurer_number=self.insurer_number,
            request_id=request_id,
            decision=decision,
            note=note,
            operator_id=operator_id,
            now=self.clock(),
        )

    def start_job(self, *, kind: str, parameters: dict[str, str], business_date: dt.date | None) -> dict[str, Any]:
        """A queued job of `kind`; run it with run_job."""
        return self.start_job_once(kind=kind, parameters=parameters, business_date=business_date)[0]

    def start_job_once(
        self,
        *,
        kind: str,
        parameters: dict[str, str],
        business_date: dt.date | None,
        operator_id: str = "",
        idempotency_key: str = "",
        fingerprint: bytes = b"",
    ) -> tuple[dict[str, Any], bool]:
        """A queued job of `kind`, and whether it was queued now: once per operator and Idempotency-Key, a replay
        answers the job the key queued (as it is now; False: nothing to run)."""
        if kind not in JOB_KINDS:
            raise InvalidInput("kind", f"svc-interchange runs {', '.join(JOB_KINDS)}", code="UNKNOWN_JOB_KIND")
        day = business_date or self.business_date()
        unknown = sorted(set(parameters) - ({"date"} if kind == "daily_aggregation" else set()))
        if unknown:
            raise InvalidInput(
                f"parameters.{unknown[0]}", f"{kind} takes no parameter {unknown[0]!r}", code="UNKNOWN_PARAMETER"
            )
        if kind == "daily_aggregation":
            day = self._run_day(_date_parameter(parameters, default=day - dt.timedelta(days=1)), today=day)
        job = {
            "job_id": f"{JOB_PREFIX}{uuid.uuid4()}",
            "kind": kind,
            "state": "queued",
            "business_date": day.isoformat(),
            "parameters": json.dumps(parameters, sort_keys=True),
            "created_at": self.clock(),
        }
        operator = operator_id or AUTOMATIC
        with self.store.transaction() as records:
            if idempotency_key:
                replayed = records.replayed_job(operator, idempotency_key, fingerprint)
                if replayed is not None:
                    return records.get_job(replayed), False
            records.add_job(job)
            if idempotency_key:
                records.remember_job(operator, idempotency_key, fingerprint, job["job_id"])
        return self.get_job(job["job_id"]), True

    def _run_day(self, day: dt.date, *, today: dt.date) -> dt.date:
        """The business day a daily run writes: within a year of the business date, as every job's, and not before
        the latest day already run (2.6.1: the files of a prefecture go forward in date order)."""
        if not today - REACH <= day <= today + REACH:
            raise InvalidInput(
                "parameters.date",
                f"{day} is not within a year of the business date {today}",
                rule="STD-2.6.1",
                code=DATE_OUT_OF_RANGE,
            )
        with self.store.transaction() as records:
            latest = records.latest_run()
        if latest and latest["business_date"] > day.isoformat():
            raise InvalidInput(
                "parameters.date",
                f"the files of {latest['business_date']} are written already; a run goes forward in date order",
                rule="STD-2.6.1",
                code=DATE_OUT_OF_RANGE,
            )
        return day

    def run_job(self, job_id: str) -> dict[str, Any]:
        """Run a queued job to its end, beating its heartbeat; its state says how it went."""
        with offering.heartbeat(lambda: self._update(job_id, heartbeat_at=self.clock()), every=self.abandonment.every):
            return self._run_job(job_id)

    def fail_abandoned_jobs(self) -> list[str]:
        """Beat the heartbeat of the jobs this process holds (a job waits in its queue behind a long one), then end
        failed the jobs whose process is gone (no heartbeat for `abandonment.after` seconds, two minutes by default):
        run by the service's sweeper."""
        now = self.clock()
        silent_since = self.abandonment.silent_since(now)
        with self.store.transaction() as records:
            for job_id in list(self.held):
                records.update_job(job_id, heartbeat_at=now)
            ended = records.fail_abandoned_jobs(silent_since, self.abandonment.error)
        for job_id in ended:
            log.warning("job %s: no heartbeat for %s; ended failed (interrupted)", job_id, self.abandonment.span)
        return ended

    def _run_job(self, job_id: str) -> dict[str, Any]:
        job = self.get_job(job_id)
        self._update(job_id, state="running")
        try:
            if job["kind"] == "daily_aggregation":
                result = self.run_daily_aggregation(
                    dt.date.fromisoformat(job["business_date"]),
                    progress=lambda done, total: self._progress(job_id, done, total),
                )
                self._update(job_id, total=result.sent + result.errors, done=result.sent, failed=result.errors)
            elif job["kind"] == "aggregation_import":
                imported = self.import_returned()
                # failed: prefecture acquisition dates svc-qualification did not take yet (tried at the next import)
                self._update(job_id, total=imported.files, done=imported.files, failed=imported.write_back_waiting)
            elif job["kind"] == "subcopy_registration":
                transfer = self.register_subcopies(
                    dt.date.fromisoformat(job["business_date"]),
                    progress=lambda done, total: self._progress(job_id, done, total),
                )
                total = transfer.records + transfer.errors
                self._update(job_id, total=total, done=transfer.records, failed=transfer.errors)
            elif job["kind"] == "subcopy_query_send":
                sent = self.send_queries(dt.date.fromisoformat(job["business_date"]))
                self._update(job_id, total=sent.sent + sent.refused, done=sent.sent, failed=sent.refused)
            else:
                received = self.receive_intermediate()
                self._update(job_id, total=received.files, done=received.files)
        except Exception as exc:
            log.exception("interchange job failed", extra={"job_id": job_id})
            self._update(job_id, state="failed", error=logs.describe(exc), finished_at=self.clock())
            return self.get_job(job_id)
        self._update(job_id, state="succeeded", finished_at=self.clock())
        return self.get_job(job_id)

    def list_jobs(self, *, kind: str, state: str, page: Page) -> tuple[list[dict[str, Any]], bool]:
        """A page of this service's jobs, newest first (GET /jobs); and whether more follow."""
        kinds, states = job_listing.kinds(kind, JOB_KINDS), job_listing.states(state)
        with self.store.transaction() as records:
            return records.list_jobs(kinds, states, page)

    def get_job(self, job_id: str) -> dict[str, Any]:
        with self.store.transaction() as records:
            job = records.get_job(job_id)
        if job is None:
            raise NotFound("job", job_id)
        return job

    def _progress(self, job_id: str, done: int, total: int) -> None:
        if done == total or done % 500 == 0:
            self._update(job_id, total=total, done=done)

    def _update(self, job_id: str, **values: Any) -> None:
        with self.store.transaction() as records:
            records.update_job(job_id, **values)

    def _link(self, name: str):
        found = getattr(self, name)
        if found is None:
            raise RuntimeError(f"svc-interchange was built without its {name} link")
        return found

    def _drop(self) -> FileDrop:
        if self.drop is None:
            raise RuntimeError("no INTERCHANGE_FILE_DIR was configured")
        return self.drop


def _date_parameter(parameters: dict[str, str], *, default: dt.date) -> dt.date:
    text = parameters.get("date")
    if not text:
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("parameters.date", f"{text!r} is not a date as YYYY-MM-DD", code="INVALID_DATE") from None


QUERY_FIELDS = (
    "query_id",
    "person_id",
    "item",
    "state",
    "operator_id",
    "household_id",
    "income_year",
    "result_code",
    "result_note",
    "determination_id",
    "ratio_percent",
    "pending",
    "non_taxed",
    "taxable_income",
    "gross_income",
    "kyu_tadashigaki_income",
    "public_pension_income",
    "total_income",
)


def _require_dv_read(caller: Any, what: str) -> None:
    """Rule DV: `what` is about persons under a DV support measure, for the dv:read scope only."""
    if caller is not None and DV_READ not in caller.scopes:
        raise PermissionDenied(f"{what} needs the {DV_READ} scope (rule DV)")


def _query(row: dict[str, Any]) -> dict[str, Any]:
    """A query as the contract answers it: absent values stay None, timestamps in ISO 8601 with their zone."""
    found = {k: row.get(k) for k in QUERY_FIELDS}
    for key in ("created_at", "sent_at", "answered_at"):
        value = row.get(key)
        found[key] = (value.isoformat() if value.tzinfo else value.isoformat() + "+00:00") if value else None
    return found
