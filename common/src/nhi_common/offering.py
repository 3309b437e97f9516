"""Offering messages to the work queue until NATS takes them: how a job's plan step survives NATS being down.

Kept apart from nhi_common.bus (no NATS import) so that service layers can use it with the dispatcher they are given.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

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
