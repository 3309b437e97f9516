"""A job run in a thread of its service beats a heartbeat while it runs, and stops beating when it ends."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from nhi_common.config import ConfigError
from nhi_common.offering import Abandonment, abandonment_setting, heartbeat
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


@pytest.mark.parametrize(
    ("after", "span"),
    [(120.0, "2 minutes"), (60.0, "a minute"), (90.0, "90 s"), (4.0, "4 s"), (2.5, "2.5 s"), (3600.0, "60 minutes")],
)
def test_a_job_silent_for_the_span_is_abandoned_and_its_error_says_how_long(after, span):
    abandonment = Abandonment(after=after)
    now = dt.datetime(2026, 12, 8, 3, 0, tzinfo=dt.UTC)
    assert abandonment.every == after / 4  # four beats in the span: one lost beat never ends a live job
    assert abandonment.silent_since(now) == now - dt.timedelta(seconds=after)
    assert abandonment.error == (
        f"interrupted: the process running it stopped (no heartbeat for {span}); start the job again"
    )


def test_the_default_span_is_two_minutes_with_a_beat_every_thirty_seconds():
    assert (Abandonment().after, Abandonment().every) == (120.0, 30.0)
    assert abandonment_setting(120.0) == Abandonment()


@pytest.mark.parametrize("seconds", [0.0, 1.5, 86_401.0])
def test_a_span_too_short_to_beat_in_or_longer_than_a_day_is_refused_naming_the_variable(seconds):
    with pytest.raises(ConfigError, match=f"NHI_JOB_ABANDONED_SECONDS={seconds:g} is not between 2 and 86400"):
        abandonment_setting(seconds)
