"""The use cases on the in-memory unit of work (tests/fakes.py): milliseconds, no database.

The same use cases run on SQLite and PostgreSQL in the other tests; here the point is the seam itself —
what a use case commits, what it announces, and what it leaves untouched when it refuses.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from fakes import FakeUnitOfWork, FakeVault, Store

from nhi_qualification.domain.commands import NotificationPerson, ResidentChange, ResidentPerson, SubmitNotification
from nhi_qualification.domain.errors import IdempotencyReuse, RuleViolation, StaleVersion
from nhi_qualification.domain.events import QualificationAcquired, QualificationLost
from nhi_qualification.service_layer import losses, notifications, resident_reflection
from nhi_qualification.service_layer.app import App
from nhi_qualification.service_layer.context import Actor

CLERK = Actor("clerk-01")
TODAY = dt.date(2026, 11, 24)


@pytest.fixture
def store() -> Store:
    store = Store()
    store.add_household("H1", "P1")
    store.add_person("P1", "H1", "1980-05-05", relationship="世帯主", listing_order=1)
    store.add_person("P2", "H1", "2010-05-05", relationship="子", listing_order=2)
    return store


@pytest.fixture
def app(store) -> App:
    return App(
        uow=lambda read_only=False, reading=False: FakeUnitOfWork(store, read_only or reading),
        vault=FakeVault(),
        insurer_number="139998",
        insured_symbol="みどり",
        fixed_business_date=TODAY,
    )


def notification(kind="join", reason="move_in", people=("P1", "P2"), event_date="2026-11-01", **extra):
    return SubmitNotification(
        kind=kind,
        reason=reason,
        household_id="H1",
        persons=tuple(NotificationPerson(p) for p in people),
        event_date=dt.date.fromisoformat(event_date),
        notified_on=TODAY,
        identity_check={"document_kind": "driver_license"},
        **extra,
    )


def test_a_join_numbers_the_household_and_announces_each_acquisition_once_it_commits(app, store):
    answer = notifications.submit_notification(app, notification(), CLERK)
    assert [(p["person_id"], p["symbol"], p["number"], p["branch_no"]) for p in answer["decision"]["persons"]] == [
        ("P1", "みどり", "0000001", "01"),
        ("P2", "みどり", "0000001", "02"),
    ]
    assert [type(e) for e in store.published] == [QualificationAcquired, QualificationAcquired]
    assert {p.person_id for p in store.periods if p.covers(dt.date(2026, 11, 1))} == {"P1", "P2"}
    assert store.households["H1"]["version"] == answer["household_version"] == 2


def test_a_dry_run_decides_but_stores_and_announces_nothing(app, store):
    answer = notifications.submit_notification(app, notification(dry_run=True), CLERK)
    assert answer["decision"]["dry_run"] is True and answer["decision"]["persons"]
    assert store.periods == [] and store.published == [] and store.changes == []


def test_a_refused_notification_leaves_every_record_as_it_was(app, store):
    store.add_person("P9", "H2", "1990-01-01")
    notifications.submit_notification(app, notification(people=("P1",)), CLERK)
    before = (list(store.periods), dict(store.households["H1"]), list(store.published))
    with pytest.raises(RuleViolation) as refused:
        notifications.submit_notification(app, notification(people=("P2", "P9")), CLERK)
    assert (refused.value.code, refused.value.field) == ("NOT_A_MEMBER", "persons[1].person_id")
    assert (store.periods, store.households["H1"], store.published) == before


def test_a_household_changed_since_the_clerk_looked_is_refused(app, store):
    with pytest.raises(StaleVersion) as stale:
        notifications.submit_notification(app, notification(expected_household_version=7), CLERK)
    assert stale.value.current_version == 1 and store.periods == []


def test_an_idempotency_key_replays_its_answer_and_refuses_another_request(app, store):
    keyed = dataclasses.replace(CLERK, idempotency_key="k-1")
    first = notifications.submit_notification(app, notification(), keyed)
    again = notifications.submit_notification(app, notification(), keyed)
    assert again == first and len(store.published) == 2
    with pytest.raises(IdempotencyReuse):
        notifications.submit_notification(app, notification(people=("P1",)), keyed)


def test_the_counter_and_the_batch_lose_a_qualification_into_one_event_shape(app, store):
    notifications.submit_notification(app, notification(), CLERK)
    notifications.submit_notification(
        app, notification(kind="leave", reason="death", people=("P2",), event_date="2026-11-20"), CLERK
    )
    counter = store.published[-1]
    assert isinstance(counter, QualificationLost) and counter.lost_on == dt.date(2026, 11, 21)
    held = store.periods[0]  # P1's current version, ended by a batch through the deferred writer
    deferred = losses.DeferredPeriods()
    version = losses.lose(
        deferred,
        held,
        lost_on=dt.date(2026, 12, 1),
        reason_code="age75",
        reasons=(),
        change_id="c-batch",
        at=dt.datetime.now(dt.timezone.utc),
        operator_id="batch",
    )
    batch = losses.lost_event(
        counter.person,
        version,
        reason_code="age75",
        rule_ids=("LOSS-AGE75",),
        business_date=TODAY,
        operator_id="batch",
        job_id="job-1",
        deemed_head=False,
        specific_same_household=False,
    )
    assert deferred.pairs == [(held, version)] and version.lost_reason == "age75"
    assert list(batch.data()) == list(counter.data())
    assert counter.data()["name_kanji"] == batch.data()["name_kanji"] and counter.data()["feeds"]


def test_an_automatic_reflection_the_rules_refuse_keeps_the_registry_change_and_leaves_it_to_a_clerk(app, store):
    notifications.submit_notification(app, notification(), CLERK)
    published = len(store.published)
    death = ResidentChange(
        change_id="rc-9",
        change_kind="death",
        event_date=dt.date(2026, 12, 24),
        household_id="H1",
        persons=(ResidentPerson("P2", "試験 P2", "シケン P2", dt.date(2010, 5, 5)),),
    )
    [outcome] = resident_reflection.apply_resident_changes(app, [death], Actor("integration"))
    assert outcome["outcome"] == "intake_item"  # a death after the business date is not decided by itself
    assert store.persons["P2"]["resident_status"] == "dead"
    assert all(p.lost_on is None for p in store.periods) and len(store.published) == published
    assert [i["kind"] for i in store.intake_items] == ["death"]


def test_no_event_of_a_household_with_a_dv_support_person_carries_its_address(app, store):
    store.households["H1"]["address"] = '{"postal_code": "399-0132", "address": "みどり市北野3丁目19番19号"}'
    store.persons["P2"]["dv_support"] = True  # the child; the address is the household's, so the head's too

    notifications.submit_notification(app, notification(), CLERK)

    published = {e.person.person_id: e.data() for e in store.published}
    assert set(published) == {"P1", "P2"}
    assert all(data["address"] == {} for data in published.values()), published


def test_a_household_without_a_dv_support_person_is_announced_with_its_address(app, store):
    store.households["H1"]["address"] = '{"postal_code": "399-0132", "address": "みどり市北野3丁目19番19号"}'
    notifications.submit_notification(app, notification(), CLERK)
    assert {e.data()["address"]["postal_code"] for e in store.published} == {"399-0132"}


def dv_status(store, person_id: str, start: str, end: str | None = None) -> None:
    """A DV support-measure status registered at the counter (no flag from the registry)."""
    store.statuses.append(
        {
            "status_id": f"S-{person_id}",
            "person_id": person_id,
            "kind": "dv_support",
            "start": dt.date.fromisoformat(start),
            "end": dt.date.fromisoformat(end) if end else None,
            "evidence": '["resident_record_support_measure"]',
            "separation_date": None,
            "separation_code": "",
            "superseded_at": None,
        }
    )


def test_a_dv_support_status_withholds_the_household_address_from_every_member_event_while_it_holds(app, store):
    store.households["H1"]["address"] = '{"postal_code": "399-0132", "address": "みどり市北野3丁目19番19号"}'
    dv_status(store, "P2", "2026-11-01")

    notifications.submit_notification(app, notification(), CLERK)

    assert {e.person.person_id: e.data()["address"] for e in store.published} == {"P1": {}, "P2": {}}


def test_a_dv_support_status_that_ended_before_the_business_date_no_longer_withholds_the_address(app, store):
    store.households["H1"]["address"] = '{"postal_code": "399-0132", "address": "みどり市北野3丁目19番19号"}'
    dv_status(store, "P2", "2026-01-01", end="2026-11-10")

    notifications.submit_notification(app, notification(), CLERK)

    assert {e.data()["address"]["postal_code"] for e in store.published} == {"399-0132"}
