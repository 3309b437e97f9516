"""Documents jobs, cut into chunks on `nhi.jobs.v1.documents`: the annual renewal (一斉更新) and the monthly
高齢受給者証 (業務フロー 5.9).

A job is planned once into chunks of person ids (the persons insured on its day, from svc-qualification). A chunk
reads each person's facts and the certificates due, takes its certificate numbers and renders outside any
transaction, then stores every document, its (job, person, kind) item and the chunk's close in one transaction; the
message is acked only after that commit.
A worker killed mid-chunk leaves at most orphan blobs (swept) and burned numbers: the redelivered chunk renders
again and commits once. The worker that closes the last chunk writes the merged print files and the manifest;
if it dies first, the redelivery of that chunk finds the job complete and writes them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from nhi_common import job_listing
from nhi_common.errors import DATE_OUT_OF_RANGE, InvalidInput, NotFound
from nhi_common.events import Event
from nhi_common.offering import offer_until_taken
from nhi_common.paging import Page
from nhi_common.plumbing import dumps, utcnow

from ..domain import certificate, elderly
from . import renewal
from .job_ports import Dispatcher, InsuredList, JobStore, PrintFiles
from .services import ISSUED_SUBJECT, ISSUED_TYPE, DocumentService

log = logging.getLogger(__name__)

ELDERLY_KIND = "elderly_certificates"
JOB_KINDS = (renewal.KIND, ELDERLY_KIND)
JOB_PREFIX = "documents-"  # the gateway routes GET /jobs/{id} by it
SUBJECT = "nhi.jobs.v1.documents"
SOURCE = "urn:nhi:svc-documents"
CHUNK_SIZE = 200
REACH = dt.timedelta(days=366)


def planning(job: dict[str, Any]) -> bool:
    """The job is still being cut into chunks: its chunk count is set only once the plan is complete (and stays 0
    for a plan that found nobody, which ends the job)."""
    return not job["chunks"] and job["state"] not in ("succeeded", "failed")


@dataclasses.dataclass(frozen=True)
class Run:
    """What a job issues: to the persons insured on `listed_on` (born in `births`), the kinds among `kinds` that
    CERT-KIND names as due on `facts_on`, issued on `issued_on`."""

    listed_on: dt.date
    facts_on: dt.date
    issued_on: dt.date
    kinds: tuple[str, ...]
    births: tuple[dt.date | None, dt.date | None] = (None, None)

    @classmethod
    def of(cls, job: dict[str, Any]) -> Run:
        parameters = job["parameters"]
        if job["kind"] == ELDERLY_KIND:
            # The 高齢受給者証 of those whose ELDER-START is the 1st of the month, due on that day, issued now.
            start = _month(parameters["month"])
            issued_on = dt.date.fromisoformat(job["business_date"])
            kinds = (certificate.ELDERLY_RECIPIENT_CERTIFICATE,)
            return cls(start, start, issued_on, kinds, elderly.births_starting_in(start))
        day = dt.date.fromisoformat(parameters["date"])
        return cls(day, day, day, renewal.RENEWAL_KINDS)


@dataclasses.dataclass(frozen=True)
class PrintSettings:
    max_sheets: int = 1000
    mailing: str = "household"
    mail_class: str = "registered_simple"


class DocumentJobs:
    """Starts documents jobs, plans them, runs their chunks and assembles the print run."""

    def __init__(
        self,
        *,
        service: DocumentService,
        insured: InsuredList,
        store: JobStore,
        print_files: PrintFiles,
        settings: PrintSettings = PrintSettings(),
        dispatch: Dispatcher | None = None,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self.service = service
        self.insured = insured
        self.store = store
        self.print_files = print_files
        self.settings = settings
        self.dispatch = dispatch
        self.chunk_size = chunk_size

    def start(
        self,
        *,
        kind: str,
        parameters: dict[str, str],
        operator_id: str = "",
        business_date: dt.date | None = None,
        idempotency_key: str = "",
        fingerprint: bytes = b"",
    ) -> dict[str, Any]:
        """Queue a job (once per operator and Idempotency-Key) and its plan step."""
        today = self.service.business_date(business_date)
        params = _parameters(kind, parameters, today)
        operator = operator_id or "system"
        with self.store.transaction() as tx:
            if idempotency_key:
                stored = tx.replayed_job(operator, idempotency_key, fingerprint)
                if stored is not None:
                    # Read in this transaction: a second one (self.get) opened while this one holds SQLite's write
                    # lock waited for it, i.e. for itself, until busy_timeout (30 s) and every other writer behind.
                    job = tx.get_job(stored)
                    if job is None:  # cannot happen: jobs are never deleted
                        raise NotFound("job", stored)
                    return job
            job_id = JOB_PREFIX + str(uuid.uuid4())
            tx.add_job(job_id=job_id, kind=kind, parameters=params, business_date=today, operator_id=operator)
            if idempotency_key:
                tx.remember_job(operator, idempotency_key, fingerprint, job_id)
        if self.dispatch is None:
            raise RuntimeError("documents jobs need the work queue (NATS_URL)")
        self._publish_plan(job_id)
        return self.get(job_id)

    def _publish_plan(self, job_id: str) -> None:
        """Hand the plan step to the work queue; while NATS does not take it, keep offering it in the background
        and leave the job queued meanwhile."""
        offer_until_taken(
            self.dispatch,
            [(SUBJECT, _message(job_id, job_id, {"job_id": job_id, "step": "plan"}))],
            still_wanted=lambda: self.get(job_id)["state"] == "queued",
            what=f"the plan of job {job_id}",
        )

    def reoffer_stalled(self, held: Callable[[str], int], *, idle: dt.timedelta) -> list[str]:
        """Offer again the work of each job that has shown no progress for `idle` while the work queue holds no
        message of the documents subject: its messages were lost (a NATS server that came back without its stream).
        A job being cut or run gets its plan step again, which sends every chunk not done; a job being assembled
        gets an assemble step, which sends every print file not written (or writes the manifest). What was done is
        not done twice. The ids of the jobs offered again."""
        if self.dispatch is None:
            return []
        with self.store.transaction() as tx:
            stalled = tx.stalled_jobs(utcnow() - idle)
        if not stalled or held(SUBJECT):
            return []  # nothing stalled, or documents messages queued or being worked on: slow, not lost
        for job_id, state in stalled:
            step = "assemble" if state == "assembling" else "plan"
            log.warning("job %s: no progress and nothing queued for it; its %s step is offered again", job_id, step)
            # A new message id: the step's own could still be inside the work queue's duplicate window.
            again = f"{job_id}.{step}.{uuid.uuid4().hex[:8]}"
            self.dispatch([(SUBJECT, _message(again, job_id, {"job_id": job_id, "step": step}))])
        return [job_id for job_id, _state in stalled]

    def give_up(self, data: dict[str, Any], reason: str) -> None:
        """The work queue's last delivery of a plan or chunk failed: the job ends failed, saying which and why."""
        step = "could not be planned" if data.get("step") == "plan" else f"chunk {data.get('chunk_no')} failed"
        self._fail(data["job_id"], f"{step}: {reason}")

    def list(self, *, kind: str, state: str, page: Page) -> tuple[list[dict[str, Any]], bool]:
        """A page of this service's jobs, newest first (GET /jobs); and whether more follow. A job being assembled
        into print files shows as running, and is listed as running."""
        kinds = job_listing.kinds(kind, JOB_KINDS)
        states = job_listing.states(state, running=("running", "assembling"))
        with self.store.transaction() as tx:
            return tx.list_jobs(kinds, states, page)

    def get(self, job_id: str) -> dict[str, Any]:
        with self.store.transaction() as tx:
            job = tx.get_job(job_id)
        if job is None:
            raise NotFound("job", job_id)
        return job

    def handle_message(self, data: dict[str, Any]) -> None:
        """One message of `nhi.jobs.v1.documents`: the plan step, or a chunk."""
        job_id = data["job_id"]
        if data.get("step") == "print":
            self.write_print_file(job_id, int(data["file_no"]))
            return
        if data.get("step") == "assemble":  # offered again by reoffer_stalled
            if self.get(job_id)["state"] == "assembling":
                self.assemble(job_id)
            return
        if data.get("step") == "plan":
            for no in self.plan(job_id):  # each chunk handed on as soon as it is stored
                if self.dispatch is not None:
                    self.dispatch([(SUBJECT, _message(f"{job_id}.{no}", job_id, {"job_id": job_id, "chunk_no": no}))])
            return
        self.run_chunk(job_id, int(data["chunk_no"]))

    def plan(self, job_id: str) -> Iterator[int]:
        """Cut the job into chunks of the persons insured on its date and yield the chunks to do, each as soon as
        it is stored, so that workers start on the first ones while the rest is listed (listing a city's insured
        from svc-qualification takes a while).

        Each chunk goes in a short transaction of its own, its persons counted into the job's total; the job's chunk
        count stays 0 until the last one is cut, and the job is not assembled before that. A plan cut short (its
        worker died, a publish failed, and the message came again) yields the chunks stored and not done and goes
        on after the last person of the last of them; a plan already complete yields its chunks not done."""
        job = self.get(job_id)
        with self.store.transaction() as tx:
            existing = tx.chunks_to_do(job_id)
            number, after = tx.stored_chunks(job_id)
        yield from existing
        if not planning(job):
            return
        run = Run.of(job)
        current: list[list[str]] = []
        after = after or ""
        while True:
            page, after = self.insured.list_insured(
                as_of=run.listed_on,
                after=after,
                operator_id=job["operator_id"],
                business_date=run.listed_on,
                births=run.births,
            )
            for person in page:
                current.append([person.person_id, person.household_id, person.postal_code])
                if len(current) == self.chunk_size:
                    yield self._add_chunk(job_id, number, current)
                    number, current = number + 1, []
            if not after:
                break
        if current:
            yield self._add_chunk(job_id, number, current)
            number += 1
        with self.store.transaction() as tx:
            complete = tx.planned(job_id, number)
            if not number:
                tx.set_manifest(job_id, {"files": [], "totals": {}}, state="succeeded")
        log.info("job %s planned: %d chunks", job_id, number)
        if complete:  # every chunk was closed while the plan was still being cut
            self.assemble(job_id)

    def _add_chunk(self, job_id: str, chunk_no: int, persons: list[list[str]]) -> int:
        with self.store.transaction() as tx:
            tx.add_chunk(job_id, chunk_no, persons)
        return chunk_no

    def run_chunk(self, job_id: str, chunk_no: int) -> None:
        job = self.get(job_id)
        run = Run.of(job)
        with self.store.transaction() as tx:
            again = tx.chunk_claimed_before(job_id, chunk_no)
            persons = tx.claim_chunk(job_id, chunk_no)
            if persons is None:
                complete = job["state"] == "assembling"
            elif again:  # delivered again (its worker died, or was slow to ack): what it did is not done twice
                done = {person_id for person_id, _kind in tx.items_done(job_id, [p[0] for p in persons])}
            else:  # a chunk's items are committed only with its end, in one transaction: a first claim has none
                done = set()
            # The same run started again (after a job that failed, or to print it again): what an earlier job issued
            # is printed again as it was issued, never issued a second time (a second certificate, another number).
            before = tx.issued_before(job_id, [p[0] for p in persons]) if persons is not None else {}
        if persons is None:
            if complete:  # the worker that closed the last chunk died before the print run: write it now
                self.assemble(job_id)
            return
        operator = f"batch:{job['kind']}:{job['operator_id']}"
        items, work, outcomes = [], [], {}
        todo = [p for p in persons if p[0] not in done]
        gathered = renewal.gather_chunk(self.service, [p[0] for p in todo], day=run.facts_on, operator=operator)
        for person_id, household_id, postal_code in todo:
            facts = gathered[person_id]
            due = renewal.kinds_due(facts, run.kinds) if not isinstance(facts, str) else []
            if not due:
                outcome = facts if isinstance(facts, str) else "not_due"
                outcomes[person_id] = outcome
                items.append(_item(job_id, chunk_no, person_id, household_id, postal_code, run.kinds[0], outcome))
                continue
            for kind in due:
                if (person_id, kind) not in before:
                    work.append((facts, postal_code, kind))
                    continue
                document_id, sheets = before[(person_id, kind)]
                outcomes.setdefault(person_id, "issued")
                items.append(
                    _item(job_id, chunk_no, person_id, household_id, postal_code, kind, "issued", document_id, sheets)
                )
        issued = self._issue(work, run, operator, job_id, chunk_no, items, outcomes)
        # One blob file for the chunk's documents (one write and fsync, not one per document), each row its range.
        path, offsets = self.store.put_blobs([d.content for d in issued]) if issued else ("", [])
        blobs = {d.document_id: (path, offset) for d, offset in zip(issued, offsets, strict=True)}
        now = utcnow()
        failed = sum(1 for outcome in outcomes.values() if outcome not in ("issued", "not_due"))
        with self.store.transaction() as tx:
            if tx.claim_chunk(job_id, chunk_no) is None:
                return  # another delivery committed it meanwhile; its blobs are the ones named
            tx.add_documents(
                [_document_row(doc, *blobs[doc.document_id], run.issued_on, operator, job_id, now) for doc in issued]
            )
            tx.add_items(items)
            tx.add_events([_issued_event(doc, run.issued_on) for doc in issued])
            complete = tx.finish_chunk(job_id, chunk_no, done=len(persons) - failed, failed=failed)
        self.service.after_commit()
        for doc in issued:  # on the clerk's list of characters as the counter lists them (outcome substituted)
            if doc.substituted:
                self.service.record_substitutions(doc.person_id, doc.kind, doc.substituted)
        if complete:
            self.assemble(job_id)

    def _issue(
        self,
        work: list[tuple[Any, str, str]],
        run: Run,
        operator: str,
        job_id: str,
        chunk_no: int,
        items: list[dict[str, Any]],
        outcomes: dict[str, str],
    ) -> list[renewal.Issued]:
        """Number and render each (facts, postal code, kind) due; its item into `items`, the person's outcome (the
        first refusal, else 'issued') into `outcomes`."""
        if not work:
            return []
        with self.store.transaction() as tx:
            first = tx.reserve_numbers(certificate.sequence_key(run.issued_on), len(work))
        issued = []
        for offset, (facts, postal_code, kind) in enumerate(work):
            person_id = facts.person.person_id
            result = renewal.issue(
                self.service,
                facts,
                kind=kind,
                day=run.issued_on,
                number=certificate.certificate_number(run.issued_on, first + offset),
                document_id=str(uuid.uuid4()),
            )
            household_id = facts.household.household_id or facts.person.household_id
            if isinstance(result, str):
                outcomes[person_id] = result
                items.append(_item(job_id, chunk_no, person_id, household_id, postal_code, kind, result))
                continue
            outcomes.setdefault(person_id, "issued")
            issued.append(result)
            sheets = self.print_files.sheets(result.content)  # counted here, in parallel, not in the print planning
            items.append(
                _item(
                    job_id,
                    chunk_no,
                    person_id,
                    result.household_id,
                    postal_code,
                    kind,
                    "issued",
                    result.document_id,
                    sheets,
                )
            )
        return issued

    def assemble(self, job_id: str) -> None:
        """After the job's last chunk: cut the print run into print files of at most N sheets (once, whoever comes
        first), then have them written: one message per file on the jobs subject, so that every worker writes some
        (the print run of a city is long work; one worker alone would leave the others idle), or here when there is
        no dispatcher. The worker that writes the last file writes the manifest. Idempotent: a redelivery writes
        what is not written yet."""
        to_do = self._plan_print(job_id)
        if to_do and self.dispatch is not None:
            self.dispatch(
                [
                    (
                        SUBJECT,
                        _message(f"{job_id}.print.{no}", job_id, {"job_id": job_id, "step": "print", "file_no": no}),
                    )
                    for no in to_do
                ]
            )
            return
        for no in to_do:
            self.write_print_file(job_id, no)
        if not to_do:
            self._finish_print(job_id)

    def _plan_print(self, job_id: str) -> list[int]:
        with self.store.transaction() as tx:
            to_do = tx.print_files_to_do(job_id)
            if to_do is not None:
                return to_do
            run = tx.print_run(job_id)
        # The sheets were counted as each document was drawn; an item recorded before that (migration 0008) has its
        # document counted here. Never the whole run in memory (a renewal of a city is many GB of PDF): one chunk's
        # blob file at a time; each print file's documents are read by their byte ranges as it is written.
        by_blob: dict[str, list[dict[str, Any]]] = {}
        for item in run:
            if item["sheets"] is None:
                by_blob.setdefault(item["blob_path"], []).append(item)
        for path, members in by_blob.items():
            whole = self.store.read_blob(path)
            for item in members:
                start = item["blob_offset"]
                content = whole if start is None else whole[start : start + item["size"]]
                item["sheets"] = self.print_files.sheets(content)
            del whole
        by_blob.clear()
        groups = renewal.print_files(run, max_sheets=self.settings.max_sheets, mailing=self.settings.mailing)
        with self.store.transaction() as tx:
            planned = tx.plan_print(job_id, [[i["document_id"] for i in group] for group in groups])
            if planned is None:  # another worker recorded them meanwhile
                planned = tx.print_files_to_do(job_id) or []
        log.info("job %s: %d print files to write", job_id, len(planned))
        return planned

    def write_print_file(self, job_id: str, file_no: int) -> None:
        """Write one print file of the job (its documents read by their byte ranges) and record it."""
        with self.store.transaction() as tx:
            group = tx.print_file_items(job_id, file_no)
        if group is None:  # written already (a redelivery); the manifest too unless its writer died first
            with self.store.transaction() as tx:
                left = tx.print_files_to_do(job_id)
                state = tx.get_job(job_id)["state"]
            if left == [] and state == "assembling":
                self._finish_print(job_id)
            return
        contents = [self.store.read_blob(i["blob_path"], i["blob_offset"], i["size"]) for i in group]
        meta = self.print_files.write_one(job_id, file_no + 1, contents)
        del contents
        meta.update(
            persons=len({i["person_id"] for i in group}),
            first_postal_code=group[0]["postal_code"],
            last_postal_code=group[-1]["postal_code"],
        )
        with self.store.transaction() as tx:
            last = tx.finish_print_file(job_id, file_no, meta)
        if last:
            self._finish_print(job_id)

    def _finish_print(self, job_id: str) -> dict[str, Any]:
        """The manifest of the written print files; the job succeeded (or failed, when a chunk did)."""
        job = self.get(job_id)
        with self.store.transaction() as tx:
            run = tx.print_run(job_id)
            outcomes = tx.outcomes(job_id)
            substituted = tx.substituted(job_id)
            files = tx.print_file_metas(job_id)
        doc = renewal.manifest(
            job=job,
            files=files,
            items=run,
            outcomes=outcomes,
            substituted=substituted,
            mailing=self.settings.mailing,
            mail_class=self.settings.mail_class,
        )
        self.print_files.write_manifest(job_id, doc)
        with self.store.transaction() as tx:
            tx.set_manifest(job_id, doc, state="failed" if job["error"] else "succeeded")
        log.info("job %s: %d print files, %d documents", job_id, len(files), len(run))
        return doc

    def manifest(self, job_id: str) -> dict[str, Any]:
        job = self.get(job_id)
        return job.get("manifest") or {}

    def _fail(self, job_id: str, error: str) -> None:
        with self.store.transaction() as tx:
            tx.fail_job(job_id, error)


def _parameters(kind: str, parameters: dict[str, str], today: dt.date) -> dict[str, str]:
    """A renewal takes `date` (the renewal date, default the business date); the 高齢受給者証 job takes `month`
    (YYYY-MM, default the month after the business date's). Either within a year of the business date."""
    if kind not in JOB_KINDS:
        raise InvalidInput(
            "kind", f"unknown job kind {kind!r}; expected one of " + ", ".join(JOB_KINDS), code="UNKNOWN_JOB_KIND"
        )
    name = "month" if kind == ELDERLY_KIND else "date"
    unknown = sorted(set(parameters) - {name})
    if unknown:
        raise InvalidInput(f"parameters.{unknown[0]}", f"{kind} takes only {name}", code="UNKNOWN_PARAMETER")
    value = parameters.get(name, "")
    if name == "month":
        try:
            day = _month(value) if value else elderly.next_month(today)
        except ValueError:
            raise InvalidInput("parameters.month", "must be a month (YYYY-MM)", code="INVALID_DATE") from None
    else:
        try:
            day = dt.date.fromisoformat(value) if value else today
        except ValueError:
            raise InvalidInput("parameters.date", "must be an ISO date (YYYY-MM-DD)", code="INVALID_DATE") from None
    if not today - REACH <= day <= today + REACH:
        raise InvalidInput(
            f"parameters.{name}",
            f"must lie within a year of the business date {today}",
            code=DATE_OUT_OF_RANGE,
        )
    return {name: day.isoformat()[:7] if name == "month" else day.isoformat()}


def _month(text: str) -> dt.date:
    """The 1st of a YYYY-MM month; ValueError otherwise."""
    if len(text) != 7 or text[4] != "-":
        raise ValueError(text)
    return dt.date.fromisoformat(text + "-01")


def _item(
    job_id: str,
    chunk_no: int,
    person_id: str,
    household_id: str,
    postal: str,
    kind: str,
    outcome: str,
    document_id: str | None = None,
    sheets: int | None = None,
) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "person_id": person_id,
        "kind": kind,
        "household_id": household_id,
        "postal_code": postal,
        "document_id": document_id,
        "outcome": outcome,
        "chunk_no": chunk_no,
        "sheets": sheets,
    }


def _document_row(
    doc: renewal.Issued, blob_path: str, blob_offset: int, day: dt.date, operator: str, job_id: str, now: dt.datetime
):
    return {
        "id": doc.document_id,
        "kind": doc.kind,
        "title": doc.title,
        "person_id": doc.person_id,
        "household_id": doc.household_id,
        "media_type": certificate.MEDIA_TYPE,
        "content": None,
        "blob_path": blob_path,
        "blob_offset": blob_offset,
        "sha256": doc.sha256,
        "size": len(doc.content),
        "issued_on": day,
        "valid_until": doc.valid_until,
        "certificate_number": doc.certificate_number,
        "reasons": dumps(doc.reasons),
        "created_at": now,
        "operator_id": operator,
        "template_version": renewal.template_version(doc.kind),
        "subject_kind": "person",
        "reissue_of": None,
        "reissue_count": 0,
        "job_id": job_id,
    }


def _issued_event(doc: renewal.Issued, day: dt.date) -> dict[str, Any]:
    return {
        "nats_subject": ISSUED_SUBJECT,
        "type": ISSUED_TYPE,
        "subject": doc.document_id,
        "data": {
            "document_id": doc.document_id,
            "kind": doc.kind,
            "person_id": doc.person_id,
            "household_id": doc.household_id,
            "issued_on": day.isoformat(),
            "valid_until": doc.valid_until.isoformat() if doc.valid_until else None,
            "certificate_number": doc.certificate_number,
            "sha256": doc.sha256,
        },
    }


def _message(event_id: str, job_id: str, data: dict[str, Any]) -> Event:
    return Event(
        id=event_id, source=SOURCE, type="jp.nhi.jobs.chunk.v1", subject=job_id, time=utcnow().isoformat(), data=data
    )
