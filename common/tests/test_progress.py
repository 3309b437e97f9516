from __future__ import annotations

import datetime as dt

from nhi_common.progress import eta_seconds

NOW = dt.datetime(2026, 12, 6, 6, 0, 0, tzinfo=dt.timezone.utc)


def job(**fields) -> dict:
    base = {"state": "running", "total": 100, "done": 0, "failed": 0, "created_at": "2026-12-06T05:59:00+00:00"}
    return {**base, **fields}


def test_the_time_left_follows_the_pace_so_far():
    # 25 of 100 in 60 s: 75 more at the same pace take 180 s.
    assert eta_seconds(job(done=20, failed=5), NOW) == 180


def test_no_estimate_before_there_is_a_pace_or_once_the_job_ended():
    assert eta_seconds(job(), NOW) is None
    assert eta_seconds(job(total=0), NOW) is None
    assert eta_seconds(job(state="queued", done=10), NOW) is None
    assert eta_seconds(job(state="succeeded", done=100), NOW) is None
    assert eta_seconds(job(done=100), NOW) == 0


def test_no_estimate_while_the_total_still_grows():
    # A documents job whose plan is still being cut: 25 of the 100 listed so far are done, more are coming.
    assert eta_seconds(job(done=25, planning=True), NOW) is None
    assert eta_seconds(job(done=100, planning=True), NOW) is None
    assert eta_seconds(job(done=25, planning=False), NOW) == 180


def test_a_naive_or_z_time_is_read_as_utc():
    assert eta_seconds(job(done=50, created_at="2026-12-06T05:59:00"), NOW) == 60
    assert eta_seconds(job(done=50, created_at="2026-12-06T05:59:00Z"), NOW) == 60
