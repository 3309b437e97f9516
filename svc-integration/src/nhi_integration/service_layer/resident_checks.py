"""The 国保資格不整合一覧 kept up to date as resident changes arrive (2.4.1, incrementally): the persons of every applied
change that can alter what is compared (ResidentReason.compared) are compared again a moment later, in batches, so
the stream is not slowed by a read per change.

What is queued lives in memory only: a crash can lose the last moment's persons, which the whole-population job
(inconsistency_check) finds on its next run.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable

from .inconsistency import Inconsistencies

log = logging.getLogger(__name__)


class ResidentChecks:
    """Collects the persons of applied resident changes; a worker thread compares them every `interval` seconds."""

    def __init__(
        self,
        *,
        inconsistencies: Inconsistencies,
        today: Callable[[], dt.date],
        interval: float = 0.5,
        batch: int = 2000,
    ) -> None:
        self.inconsistencies = inconsistencies
        self.today = today
        self.interval = interval
        self.batch = batch
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, person_ids: Iterable[str]) -> None:
        with self._lock:
            self._pending.update(person_ids)

    def run_once(self) -> int | None:
        """Compare what is queued (at most `batch` persons): the new findings, or None when the comparison could not
        be made now (the persons go back in the queue)."""
        with self._lock:
            ids = sorted(self._pending)[: self.batch]
            self._pending.difference_update(ids)
        if not ids:
            return 0
        try:
            return self.inconsistencies.check_persons(ids, self.today(), source="resident")
        except Exception as exc:  # noqa: BLE001 - the stream goes on; the population job is the backstop
            log.warning("inconsistency check of %d persons postponed: %s", len(ids), type(exc).__name__)
            self.add(ids)
            return None

    def drain(self) -> int:
        """Compare everything queued now (a command that ends after its import); the new findings."""
        total = 0
        while self._pending:
            found = self.run_once()
            if found is None:
                break
            total += found
        return total

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="resident-checks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            while self._pending and not self._stop.is_set():
                if self.run_once() is None:
                    break  # svc-qualification is away: wait a turn
