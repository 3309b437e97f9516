"""Offering messages to the work queue until NATS takes them: how a job's plan step survives NATS being down.

Kept apart from nhi_common.bus (no NATS import) so that service layers can use it with the dispatcher they are given.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from .config import ConfigError

log = logging.getLogger(__name__)

MAX_DELAY = 30.0


def offer_until_taken(
    dispatch: Callable[[list[tuple[str, Any]]], None],
    messages: list[tuple[str, Any]],
    *,
    still_wanted: Callable[[], bool],
    what: str,
) -> threading.Thread | None:
    """Publish `messages` with `dispatch`; when NATS does not take them, keep offering them from a daemon thread
    (1 s doubling to MAX_DELAY) for as long as `still_wanted()` says so. The thread, or None when they went out.
    How a job's plan step reaches the work queue while NATS is down or restarting."""
    try:
        dispatch(messages)
        return None
    except Exception as exc:  # noqa: BLE001 - NATS down or slow: offered again below
        log.warning("%s could not be queued (%s); retrying until NATS takes it", what, type(exc).__name__)

    def retry() -> None:
        delay = 1.0
        while True:
            time.sleep(delay)
            try:
                if not still_wanted():
                    return
                dispatch(messages)
            except Exception:  # noqa: BLE001 - still down: wait longer
                delay = min(MAX_DELAY, delay * 2)
                continue
            log.info("%s was queued after a retry", what)
            return

    thread = threading.Thread(target=retry, name="offer-until-taken", daemon=True)
    thread.start()
    return thread


# How long a job may show no progress, while the work queue holds nothing of its kind, before its work not done is
# offered again (NHI_JOB_STALL_SECONDS): far longer than a chunk takes, so that only lost messages are offered again.
STALL_SECONDS = 300.0


class StallSweeper:
    """Calls `sweep()` every `every` seconds from a daemon thread until stopped: how a service finds the jobs whose
    work-queue messages were lost (a NATS server that came back without its stream) and offers their work again.
    A sweep that fails (NATS or the database away) is logged and tried again at the next tick."""

    def __init__(self, sweep: Callable[[], Any], *, every: float, what: str) -> None:
        self.sweep = sweep
        self.every = every
        self.what = what
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stall-sweeper", daemon=True)

    def start(self) -> StallSweeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.sweep()
            except Exception as exc:  # noqa: BLE001 - NATS or the database away: the next tick tries again
                log.warning("%s: sweep failed (%s); trying again in %.0f s", self.what, type(exc).__name__, self.every)


def sweep_interval(stall_seconds: float) -> float:
    """How often to look for stalled jobs: a fifth of the stall time, between 1 s and a minute."""
    return max(1.0, min(60.0, stall_seconds / 5))


# A job run in a thread of its service is taken as abandoned when silent for ABANDONED_AFTER seconds (the services'
# NHI_JOB_ABANDONED_SECONDS); it beats four times in that span.
ABANDONED_AFTER = 120.0
BEATS_PER_SPAN = 4
HEARTBEAT_SECONDS = ABANDONED_AFTER / BEATS_PER_SPAN
JOIN_SECONDS = 10.0  # how long leaving a heartbeat's block waits for a beat under way (the database slow)


@dataclasses.dataclass(frozen=True)
class Abandonment:
    """When a job run in a thread of a service counts as abandoned (its process killed or redeployed): no heartbeat
    for `after` seconds. The running job beats every `every` seconds, and the service's sweeper looks as often."""

    after: float = ABANDONED_AFTER

    @property
    def every(self) -> float:
        return self.after / BEATS_PER_SPAN

    def silent_since(self, now: dt.datetime) -> dt.datetime:
        """The last heartbeat a job still taken as alive at `now` may have made."""
        return now - dt.timedelta(seconds=self.after)

    @property
    def span(self) -> str:
        """The silence, in words for the job's error and the log: "two minutes", "90 s"."""
        if self.after >= 60 and self.after % 60 == 0:
            minutes = int(self.after // 60)
            return "a minute" if minutes == 1 else f"{minutes} minutes"
        return f"{self.after:g} s"

    @property
    def error(self) -> str:
        """What a job ended this way says."""
        return f"interrupted: the process running it stopped (no heartbeat for {self.span}); start the job again"


ABANDONED_RANGE = (2.0, 86_400.0)  # a beat at least every half second; taken as abandoned within a day


def abandonment_setting(seconds: float) -> Abandonment:
    """NHI_JOB_ABANDONED_SECONDS as read by a service: its Abandonment, or a ConfigError that stops the start."""
    low, high = ABANDONED_RANGE
    if not low <= seconds <= high:
        raise ConfigError(f"NHI_JOB_ABANDONED_SECONDS={seconds:g} is not between {low:g} and {high:g}")
    return Abandonment(after=seconds)


@contextlib.contextmanager
def heartbeat(beat: Callable[[], None], *, every: float = HEARTBEAT_SECONDS) -> Iterator[None]:
    """While the block runs, `beat()` at once and then every `every` seconds from a daemon thread (a beat that fails
    is logged and tried at the next): how a job run in a thread tells the service's sweeper it is alive."""
    stop = threading.Event()

    def run() -> None:
        while True:
            try:
                beat()
            except Exception as exc:  # noqa: BLE001 - the database away a moment: the next beat tries again
                log.warning("job heartbeat failed (%s)", type(exc).__name__)
            if stop.wait(every):
                return

    thread = threading.Thread(target=run, name="job-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        # The first beat is made even when the block was shorter than the thread's start, and none comes after the
        # block: a job that ended has beaten at least once, and its row is not written again once it is left.
        thread.join(timeout=JOIN_SECONDS)
