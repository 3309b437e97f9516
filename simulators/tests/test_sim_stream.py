"""The resident change stream: a person's first change is a 転入 and each later one follows in sequence order."""

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
        assert history[0] == ("move_in", 1)
        assert [n for _kind, n in history] == list(range(1, len(history) + 1))
        assert "move_out" not in [k for k, _n in history[:-1]], "nobody changes after moving out"


def test_the_peak_is_mostly_moves_in_and_out():
    kinds = collections.Counter(
        c["change_kind"] for c in stream.generate(5000, profile="peak", event_date=dt.date(2026, 3, 31))
    )
    assert (kinds["move_in"] + kinds["move_out"]) / 5000 > 0.75
