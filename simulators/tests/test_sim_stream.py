"""The resident change stream: a person's first change is a 転入 (or a 出生) and each later one follows in sequence
order; a normal day has every kind of change, the peak is mostly moves."""

from __future__ import annotations

import collections
import datetime as dt

import pytest

from nhi_simulators import stream


@pytest.mark.parametrize("profile", sorted(stream.PROFILES))
def test_every_person_starts_with_a_move_in_and_counts_up_without_gaps(profile):
    changes = list(stream.generate(3000, profile=profile, event_date=dt.date(2026, 4, 1), seed=7))
    assert len({c["change_id"] for c in changes}) == 3000
    seen = collections.defaultdict(list)
    for change in changes:
        [person] = change["persons"]
        seen[person["person_id"]].append((change["change_kind"], person["sequence"]))
    for history in seen.values():
        assert history[0] in (("move_in", 1), ("birth", 1))
        assert [n for _kind, n in history] == list(range(1, len(history) + 1))
        assert not {"move_out", "death"} & {k for k, _n in history[:-1]}, "nobody changes after leaving"


def test_the_peak_is_mostly_moves_in_and_out():
    kinds = collections.Counter(
        c["change_kind"] for c in stream.generate(5000, profile="peak", event_date=dt.date(2026, 3, 31))
    )
    assert (kinds["move_in"] + kinds["move_out"]) / 5000 > 0.75


def test_a_normal_day_has_births_deaths_and_household_changes_too():
    kinds = collections.Counter(
        c["change_kind"] for c in stream.generate(5000, profile="normal", event_date=dt.date(2026, 11, 24))
    )
    assert set(kinds) == set(stream.PROFILES["normal"])
    assert (kinds["move_in"] + kinds["move_out"]) / 5000 < 0.6
    born = next(
        c
        for c in stream.generate(500, profile="normal", event_date=dt.date(2026, 11, 24))
        if c["change_kind"] == "birth"
    )
    assert born["persons"][0]["birth_date"] == "2026-11-24" and born["persons"][0]["relationship"] == "子"
