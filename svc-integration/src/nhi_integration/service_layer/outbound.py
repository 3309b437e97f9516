"""The outbound feeds (2.7.1): records from svc-qualification's events, published through the outbox, read by
polling systems after a sequence, and written as daily files."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol

from nhi_common import event_fields as fields
from nhi_common.errors import InvalidInput
from nhi_common.event_fields import BadField
from nhi_common.paging import Page

from ..domain import outbound
from ..domain.outbound import FEEDS, KnownPerson, OutboundRecord

log = logging.getLogger(__name__)
OUTBOUND_CONSUMER = "integration-outbound"
EVENT_TYPES = {f"jp.nhi.qualification.{kind}.v1": kind for kind in ("acquired", "lost", "changed", "corrected")}
ADDRESS_WITHHELD = "jp.nhi.qualification.address_withheld.v1"
ADDRESS_RELEASED = "jp.nhi.qualification.address_released.v1"
ID_LIMIT = 20  # a person's or a household's id, as outbound_records and outbound_persons keep it


class OutboundRecords(Protocol):
    def claim(self, receipt_key: str, consumer: str) -> bool: ...

    def claim_many(self, receipt_keys: list[str], consumer: str) -> list[bool]:
        """`claim` of each key in order (a repeated key is claimed by its first)."""

    def read_ahead(self, person_ids: list[str], household_ids: list[str]) -> None:
        """Read at once what `known_person` and `dv_in_household` will be asked of these."""

    def known_person(self, person_id: str) -> KnownPerson | None: ...

    def dv_in_household(self, household_id: str) -> bool: ...

    def withhold_address(self, household_id: str, person_ids: list[str], dv_person_id: str) -> int:
        """Drop the household's address from what is kept (known persons, records); how many records changed."""

    def release_address(self, household_id: str, person_ids: list[str]) -> int:
        """The household is no longer under DV: later records may carry its address; how many persons changed."""

    def remember(self, person: KnownPerson) -> None: ...

    def add_record(self, record: OutboundRecord, *, source_event_id: str) -> None:
        """Keep the record and its outbox event in this transaction (written by the time it commits)."""

    def list_records(self, feed: str, page: Page) -> tuple[list[dict[str, Any]], bool]: ...

    def records_of_day(self, feed: str, day: dt.date) -> Iterator[dict[str, Any]]: ...


class OutboundStore(Protocol):
    def transaction(self) -> AbstractContextManager[OutboundRecords]: ...


class DailyFiles(Protocol):
    """Where the daily files go; `write` is atomic (the file is whole under its name or not there at all)."""

    def write(self, feed: str, day: dt.date, records: Iterator[dict[str, Any]]) -> tuple[str, int]: ...


class OutboundFeeds:
    def __init__(
        self,
        *,
        store: OutboundStore,
        files: DailyFiles,
        today: Callable[[], dt.date] = dt.date.today,
        committed: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.files = files
        self.today = today
        self.committed = committed

    def receive(self, *, event_id: str, ce_type: str, data: dict[str, Any]) -> int:
        """Turn one qualification event into its feed records, once per event id; how many records. BadField when
        an id the records are kept and looked up by is no id (not text, longer than its column, a control character)."""
        _check_ids(ce_type, data)
        if ce_type == ADDRESS_WITHHELD:
            self._withhold(event_id, data)
            return 0
        if ce_type == ADDRESS_RELEASED:
            self._release(event_id, data)
            return 0
        if not _is_record_event(ce_type, data):
            return 0
        with self.store.transaction() as tx:
            count = self._keep(tx, event_id, ce_type, data)
        if count:
            self.committed()
        return count

    def receive_many(self, events: list[tuple[str, str, Any]]) -> list[int | Exception]:
        """(event id, type, data) in their order, the events that make records together in one transaction (one
        commit and one write lock, not one per event); how many records each, or what an event raised. When
        anything fails, each event is taken again on its own, so one event that cannot be processed holds back no
        other."""
        refused: dict[int, Exception] = {}
        for index, (_event_id, ce_type, data) in enumerate(events):
            try:
                _check_ids(ce_type, data)
            except BadField as exc:
                refused[index] = exc
        if refused:
            rest = iter(self.receive_many([e for i, e in enumerate(events) if i not in refused]))
            return [refused[i] if i in refused else next(rest) for i in range(len(events))]
        try:
            return self._receive_together(events)
        except Exception as exc:  # noqa: BLE001 - found out below, event by event
            log.warning("outbound batch of %d failed (%s); each event on its own", len(events), type(exc).__name__)
        results: list[int | Exception] = []
        for event_id, ce_type, data in events:
            try:
                results.append(self.receive(event_id=event_id, ce_type=ce_type, data=data))
            except Exception as exc:  # noqa: BLE001 - this event only: delivered again
                results.append(exc)
        return results

    def _receive_together(self, events: list[tuple[str, str, Any]]) -> list[int | Exception]:
        """Runs of record events in one transaction each; any other event (a DV address withheld or released) on its own,
        between them, so what it changes holds for the events after it."""
        results: list[int | Exception] = []
        run: list[tuple[str, str, Any]] = []
        for event in [*events, None]:
            if event is not None and _is_record_event(event[1], event[2]):
                run.append(event)
                continue
            if run:
                with self.store.transaction() as tx:
                    # The run's claims in two statements, its known persons and DV marks read at once.
                    claimed = tx.claim_many([e[0] for e in run], OUTBOUND_CONSUMER)
                    tx.read_ahead(
                        [str(e[2]["person_id"]) for e in run], [str(e[2].get("household_id") or "") for e in run]
                    )
                    counts = [self._keep(tx, *e, claimed=c) for e, c in zip(run, claimed, strict=True)]
                results += counts
                run = []
                if any(counts):
                    self.committed()
            if event is not None:
                results.append(self.receive(event_id=event[0], ce_type=event[1], data=event[2]))
        return results

    def _keep(
        self, tx: OutboundRecords, event_id: str, ce_type: str, data: dict[str, Any], *, claimed: bool | None = None
    ) -> int:
        """One qualification event's feed records, kept in `tx` once per event id (`claimed` when the caller
        claimed it already); how many."""
        if not (tx.claim(event_id, OUTBOUND_CONSUMER) if claimed is None else claimed):
            return 0
        known = tx.known_person(str(data["person_id"]))
        household_id = str(data.get("household_id") or (known.household_id if known else ""))
        outcome = outbound.build(
            EVENT_TYPES[ce_type],
            data,
            known,
            dv_household=bool(household_id) and tx.dv_in_household(household_id),
            business_date=_day(data.get("business_date")) or self.today(),
        )
        if outcome.person is not None:
            tx.remember(outcome.person)
        for record in outcome.records:
            tx.add_record(record, source_event_id=event_id)
        return len(outcome.records)

    def _withhold(self, event_id: str, data: Any) -> None:
        """Rule DV for what was kept before the status: the household's address leaves the stored records (read
        again through the API and the daily files) and the known persons; later records carry none either."""
        if not isinstance(data, dict) or not data.get("household_id"):
            return
        with self.store.transaction() as tx:
            if not tx.claim(event_id, OUTBOUND_CONSUMER):
                return
            changed = tx.withhold_address(
                str(data["household_id"]),
                [str(p) for p in data.get("person_ids") or []],
                str(data.get("dv_person_id") or ""),
            )
        log.info("address withheld from stored outbound records (DV): %d records", changed)

    def _release(self, event_id: str, data: Any) -> None:
        """Rule DV, the end: the household's mark goes, so the records of its later events carry the address the
        event carries; the records kept while it was withheld stay without it."""
        if not isinstance(data, dict) or not data.get("household_id"):
            return
        with self.store.transaction() as tx:
            if not tx.claim(event_id, OUTBOUND_CONSUMER):
                return
            changed = tx.release_address(str(data["household_id"]), [str(p) for p in data.get("person_ids") or []])
        log.info("address no longer withheld from later outbound records (DV ended): %d persons", changed)

    def list(self, feed: str, *, after: int, size: int) -> dict[str, Any]:
        """The records of `feed` after sequence `after`, oldest first; `last_sequence` is where to go on from."""
        _check_feed(feed)
        if after < 0:
            raise InvalidInput("after", "must be a sequence (0 or more)", code="INVALID_RANGE")
        with self.store.transaction() as tx:
            rows, more = tx.list_records(feed, Page(size, after or None))
        last = rows[-1]["sequence"] if rows else after
        return {"feed": feed, "records": rows, "last_sequence": last, "more": more}

    def write_daily_files(self, day: dt.date, *, progress: Callable[[int], None] = lambda done: None) -> dict:
        """One file per feed with the records of business date `day`; the counts and file names."""
        written: dict[str, Any] = {"records": 0, "files": {}}
        for feed in FEEDS:
            with self.store.transaction() as tx:
                name, count = self.files.write(feed, day, tx.records_of_day(feed, day))
            written["files"][feed] = name
            written["records"] += count
            progress(written["records"])
            log.info("outbound file of %s for %s: %d records", feed, day.isoformat(), count)
        return written


def _check_ids(ce_type: str, data: Any) -> None:
    """The ids of a record event or a DV mark as the outbound tables take them, else BadField naming the field."""
    if ce_type not in (*EVENT_TYPES, ADDRESS_WITHHELD, ADDRESS_RELEASED) or not isinstance(data, dict):
        return
    for field in ("person_id", "household_id", "dv_person_id"):
        fields.text(data, field, limit=ID_LIMIT)
    person_ids = data.get("person_ids") or []
    if not isinstance(person_ids, list):
        raise BadField("person_ids", "is not a list")
    for person_id in person_ids:
        fields.text({"person_ids": person_id}, "person_ids", limit=ID_LIMIT, required=True)


def _is_record_event(ce_type: str, data: Any) -> bool:
    """A qualification event that makes feed records: acquired, lost, changed or corrected, naming a person."""
    return ce_type in EVENT_TYPES and isinstance(data, dict) and bool(data.get("person_id"))


def _check_feed(feed: str) -> None:
    if feed not in FEEDS:
        raise InvalidInput("feed", "must be one of " + ", ".join(FEEDS), code="UNKNOWN_KIND")


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None
