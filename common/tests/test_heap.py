"""nhi_common.heap: what a settled process sets aside stays aside, and garbage made later is still collected."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from nhi_common import heap


class Node:
    """An object in a reference cycle: only the cycle collector frees it."""

    def __init__(self) -> None:
        self.me = self


def _is_tracked(obj: object) -> bool:
    """Whether the collector still walks obj (objects set aside are in none of its generations)."""
    target = id(obj)
    return any(id(o) == target for o in gc.get_objects())


@pytest.fixture(autouse=True)
def unsettled(monkeypatch):
    """Each test starts from, and leaves, a process with nothing set aside (the test runner's objects included)."""
    gc.unfreeze()
    thresholds = gc.get_threshold()
    monkeypatch.setattr(heap, "_settled", False)
    monkeypatch.setattr(heap, "_depth", 0)
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settle_sets_aside_what_is_alive_and_later_garbage_is_still_collected():
    alive = Node()
    heap.settle()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
    assert not _is_tracked(alive)
    later = Node()
    gone = weakref.ref(later)
    assert _is_tracked(later)
    del later
    gc.collect()
    assert gone() is None


def test_a_block_sets_aside_the_older_objects_and_gives_them_back_at_its_end():
    older = Node()
    older_ref = weakref.ref(older)
    with heap.only_newer_objects():
        assert not _is_tracked(older)
        del older  # becomes garbage while set aside: not collected inside the block
        gc.collect()
        assert older_ref() is not None
    assert gc.get_freeze_count() == 0  # not settled: nothing stays aside
    gc.collect()
    assert older_ref() is None


def test_in_a_settled_process_the_block_collects_its_garbage_and_sets_aside_again_what_settle_did():
    startup = Node()
    heap.settle()
    with heap.only_newer_objects():
        made_in_block = Node()
        block_ref = weakref.ref(made_in_block)
        del made_in_block
    # Collected at the block's end (not set aside with the rest), and the startup objects are aside again.
    assert block_ref() is None
    assert gc.get_freeze_count() > 0
    assert not _is_tracked(startup)


def test_blocks_of_two_threads_give_back_only_when_the_last_one_ends():
    first_inside, second_inside, first_may_end = threading.Event(), threading.Event(), threading.Event()
    counts: dict[str, int] = {}

    def first() -> None:
        with heap.only_newer_objects():
            first_inside.set()
            first_may_end.wait(10)
        counts["after first"] = gc.get_freeze_count()
        second_inside.set()

    worker = threading.Thread(target=first)
    with heap.only_newer_objects():
        worker.start()
        assert first_inside.wait(10)
        first_may_end.set()
        assert second_inside.wait(10)
        counts["inside second"] = gc.get_freeze_count()
    worker.join(10)
    assert counts["after first"] > 0  # the other block was still open
    assert counts["inside second"] > 0
    assert gc.get_freeze_count() == 0
