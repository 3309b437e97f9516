"""A job run in a thread of its service beats a heartbeat while it runs, and stops beating when it ends."""

from __future__ import annotations

import time

from nhi_common.offering import heartbeat
from nhi_devtools.testing import eventually


def test_a_heartbeat_beats_at_once_and_then_regularly_survives_a_failing_beat_and_stops_with_the_block():
    beats: list[float] = []

    def beat() -> None:
        beats.append(time.monotonic())
        if len(beats) == 2:
            raise ConnectionError("the database away a moment")  # logged; the next beat comes all the same

    with heartbeat(beat, every=0.05):
        eventually(lambda: beats, timeout=5, what="the first beat")
        eventually(lambda: len(beats) >= 4, timeout=5, what="beats after a failing one")
    ended = len(beats)
    time.sleep(0.3)
    assert len(beats) == ended  # the beat under way when the block ended was waited for; none after


def test_a_block_shorter_than_the_first_beat_is_left_with_that_beat_made():
    """A job that ends at once has still beaten (the block waits for the first beat under way), and nothing beats
    after the block: the job's row is not written again once its end is recorded."""
    beats: list[str] = []

    def slow_beat() -> None:
        time.sleep(0.2)  # the database slow to answer
        beats.append("beat")

    with heartbeat(slow_beat, every=60):
        pass
    assert beats == ["beat"]
    time.sleep(0.3)
    assert beats == ["beat"]
