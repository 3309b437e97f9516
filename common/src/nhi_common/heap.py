"""What the garbage collector walks in a long-running process.

A full collection walks every object the process tracks. A service holds over a hundred thousand of them from its
start to its end (modules, the OpenAPI document and its validators, table metadata and compiled statements, protobuf
descriptors, pools), and each full collection walked them all again: 50-80 ms of one thread holding the GIL on the
2-core machine, every 10-20 s at 200 confirmations a second, which every request in flight waited out (the
confirmation's p99 above 50 ms from 150/s on, while neither process used half a core). `settle()` sets aside the
objects alive once a process is ready to serve (gc.freeze), so later collections walk only what was made since.
Objects set aside are never collected: only what lives as long as the process should be alive when it is called.

It also makes the youngest generation larger (`YOUNG_THRESHOLD` allocations between its collections, 700 by
default). A service's objects live for a request or a batch: with 700, many of them were still alive at two young
collections and moved to the oldest generation, whose collections (one each time a quarter more objects had moved
there) then walked them again. Measured over an annual renewal of 20,000 persons, the collector's share of each
process's CPU went from 8.6 to 1.4 % in svc-qualification, from 7.3 to 3.6 % in svc-documents and from 2.1-2.4 to
1.0-1.7 % in a renewal worker. A young collection walks at most that many objects (about a millisecond), and cyclic
garbage waits that much longer to be freed.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

YOUNG_THRESHOLD = 20_000

_lock = threading.Lock()
_settled = False  # settle() was called: what was set aside then stays aside
_depth = 0  # open only_newer_objects() blocks, over every thread


def settle() -> None:
    """Collect once, then set aside every object alive now; call it when the process has finished starting."""
    global _settled
    with _lock:
        _young, middle, oldest = gc.get_threshold()
        gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)
        gc.collect()
        gc.freeze()
        _settled = True


@contextlib.contextmanager
def only_newer_objects() -> Iterator[None]:
    """While a large unit of work runs (a batch chunk holding tens of thousands of new objects until it commits), the
    collector walks only the objects made since it began. At the end of the last such block open in the process the
    objects set aside by it go back to the oldest generation, so garbage among them is still collected; in a settled
    process the objects alive then are collected once and set aside again, so that what settle() set aside stays
    aside (a collection per block: some 60 ms against the several seconds of a chunk)."""
    global _depth
    with _lock:
        _depth += 1
        gc.freeze()
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.unfreeze()
                if _settled:
                    gc.collect()
                    gc.freeze()
