"""svc-qualification's events taken a fetch at a time: stored exactly as one at a time would store them, in a number
of statements that does not grow with the fetch."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid

import nats
import pytest
import sqlalchemy as sa

from nhi_common import config
from nhi_common.bus import PermanentError
from nhi_common.events import Event
from nhi_common.paging import Page
from nhi_devtools import testing
from nhi_devtools.natsserver import EmbeddedNats
from nhi_interchange import bootstrap
from nhi_interchange.adapters.store import SqlPendingRecords, SqlStore
from nhi_interchange.adapters.tables import AGGREGATION, PLUMBING, pending
from nhi_interchange.entrypoints.handlers import QualificationConsumer, qualification_batch_handler
from nhi_interchange.service_layer.services import InterchangeService
from nhi_interchange.settings import Settings

RECEIVED = dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC)
ADDRESS = {"postal_code": "1000001", "address_code": "13101001001", "district_code": "0101"}
SOURCE = "urn:nhi:svc-qualification"


def event(kind: str, person_id: str, **data) -> Event:
    data = {"person_id": person_id, "household_id": "H1", "change_id": f"c-{uuid.uuid4().hex[:8]}", **data}
    return Event.new(source=SOURCE, type=f"jp.nhi.qualification.{kind}.v1", subject=person_id, data=data)


def acquired(person_id: str, **data) -> Event:
    facts = {"name_kanji": "山田 太郎", "symbol": "みどり", "number": "0000001", "branch_no": "01"}
    facts |= {"acquired_on": "2026-12-01", "reason": "move_in", "address": ADDRESS}
    return event("acquired", person_id, **(facts | data))


def burden_pending(person_id: str) -> Event:
    return event(
        "changed", person_id, effective_date="2026-12-05", change_kind="burden", pending=True, income_year=2025
    )


def withheld(*person_ids: str) -> Event:
    data = {"household_id": "H1", "person_ids": list(person_ids), "dv_person_id": person_ids[0]}
    return Event.new(source=SOURCE, type="jp.nhi.qualification.address_withheld.v1", subject="H1", data=data)


def malformed(person_id: str) -> Event:
    return Event.new(
        source=SOURCE, type="jp.nhi.qualification.lost.v1", subject=person_id, data={"person_id": person_id}
    )


def issued(person_id: str) -> Event:
    return Event.new(source=SOURCE, type="jp.nhi.document.issued.v1", subject=person_id, data={"person_id": person_id})


@pytest.fixture(params=testing.backends())
def services(request, tmp_path):
    """Two empty databases on one backend: one hears the events one at a time, the other a fetch at a time."""
    with (
        testing.migrated_engine(request.param, tmp_path, "single", bootstrap.MIGRATIONS) as single,
        testing.migrated_engine(request.param, tmp_path, "batched", bootstrap.MIGRATIONS) as batched,
    ):
        yield (
            InterchangeService(SqlStore(single), clock=lambda: RECEIVED),
            InterchangeService(SqlStore(batched), clock=lambda: RECEIVED),
        )


@pytest.fixture
def service(services):
    return services[1]


def one_at_a_time(service: InterchangeService, events: list[Event]) -> list:
    """What the per-event consumer made of each event: recorded or not, or terminated."""
    outcomes = []
    for e in events:
        try:
            outcomes.append(service.record_qualification_event(e))
        except ValueError as exc:
            outcomes.append(PermanentError(str(exc)))
    return outcomes


def stored(service: InterchangeService) -> dict:
    """Everything the events leave behind, but the random record ids and the inbox's clock."""
    inbox, queries = PLUMBING["inbox"], AGGREGATION["subcopy_queries"]
    with service.store.engine.connect() as conn:
        rows = conn.execute(sa.select(pending).order_by(pending.c.seq)).mappings().all()
        return {
            "pending": [
                {**{k: v for k, v in r.items() if k != "record_id"}, "snapshot": json.loads(r["snapshot"])}
                for r in rows
            ],
            "inbox": sorted(conn.execute(sa.select(inbox.c.event_id, inbox.c.consumer)).all()),
            "queries": [dict(r) for r in conn.execute(sa.select(queries).order_by(queries.c.seq)).mappings()],
        }


def kinds(outcomes: list) -> list:
    return [type(o).__name__ if isinstance(o, Exception) else o for o in outcomes]


def snapshots(service: InterchangeService, person_id: str) -> list[dict]:
    return [r["snapshot"] for r in stored(service)["pending"] if r["person_id"] == person_id]


def test_a_fetch_is_stored_exactly_as_its_events_one_at_a_time(services):
    single, batched = services
    earlier = [acquired("000000001"), acquired("000000002")]
    first = acquired("000000003")
    fetch = [
        first,
        burden_pending("000000001"),  # a mover's pending burden: an income query
        event("changed", "000000001", effective_date="2026-12-06", limit_category_new="ウ"),
        earlier[1],  # heard before
        issued("000000003"),  # not aggregated
        event("lost", "000000002", lost_on="2026-12-10", coverage_ends_on="2026-12-09"),
        malformed("000000004"),
        first,  # again in the same fetch
        burden_pending("000000001"),  # the same year's query is queued already
        acquired("000000005", household_id="H5", dv_support=True),
    ]
    for service in services:
        one_at_a_time(service, earlier)
    expected = one_at_a_time(single, fetch)
    outcomes = qualification_batch_handler(batched)(fetch)
    assert (
        kinds(outcomes)
        == kinds(expected)
        == [True, True, True, False, False, True, "PermanentError"]
        + [
            False,
            True,
            True,
        ]
    )
    assert stored(batched) == stored(single)
    assert len(stored(batched)["queries"]) == 1


def test_an_event_repeated_in_a_fetch_or_in_a_later_one_is_kept_once(service):
    repeated, other = acquired("000000001"), acquired("000000002")
    assert service.record_qualification_events([repeated, other, repeated]) == [True, True, False]
    assert service.record_qualification_events([other, repeated]) == [False, False]
    assert [r["event_id"] for r in stored(service)["pending"]] == [repeated.id, other.id]
    assert len(stored(service)["inbox"]) == 2


def test_two_events_of_a_person_in_one_fetch_chain_their_snapshots(services):
    single, batched = services
    fetch = [
        acquired("000000001"),
        event("changed", "000000001", effective_date="2026-12-06", limit_category_new="ウ"),
        event("lost", "000000001", lost_on="2026-12-10", coverage_ends_on="2026-12-09"),
    ]
    one_at_a_time(single, fetch)
    batched.record_qualification_events(fetch)
    joined, changed, lost = snapshots(batched, "000000001")
    assert changed["name_kanji"] == "山田 太郎" and changed["limit_category"] == "ウ"
    assert (lost["symbol"], lost["limit_category"], lost["lost_on"]) == ("みどり", "ウ", "2026-12-10")
    assert [joined, changed, lost] == snapshots(single, "000000001")


def test_an_address_withheld_in_a_fetch_applies_to_the_events_before_it_only(services):
    single, batched = services
    fetch = [
        acquired("000000001"),
        acquired("000000002"),
        withheld("000000001", "000000002"),
        event("changed", "000000001", effective_date="2026-12-06", limit_category_new="ウ"),
        acquired("000000003"),
    ]
    expected = one_at_a_time(single, fetch)
    assert batched.record_qualification_events(fetch) == expected == [True] * 5
    assert stored(batched) == stored(single)
    before = [r for r in stored(batched)["pending"] if r["event_id"] in (fetch[0].id, fetch[1].id)]
    assert [(r["snapshot"]["address"], json.loads(r["payload"])["address"]) for r in before] == [({}, {})] * 2
    [later] = snapshots(batched, "000000003")
    assert later["address"] == ADDRESS


def test_a_malformed_event_is_terminated_and_the_others_of_its_fetch_are_kept(service):
    good, bad, also_good = acquired("000000001"), malformed("000000002"), acquired("000000003")
    outcomes = qualification_batch_handler(service)([good, bad, also_good])
    assert outcomes[0] is True and outcomes[2] is True
    assert isinstance(outcomes[1], PermanentError) and "lacks" in str(outcomes[1])
    assert [r["event_id"] for r in stored(service)["pending"]] == [good.id, also_good.id]


def test_a_fetch_whose_transaction_fails_is_taken_one_event_at_a_time(service, monkeypatch):
    def refuse(self, records):
        raise sa.exc.OperationalError("INSERT", None, Exception("the batch insert failed"))

    monkeypatch.setattr(SqlPendingRecords, "add_pending_many", refuse)
    fetch = [acquired("000000001"), malformed("000000002"), acquired("000000001")]
    outcomes = service.record_qualification_events(fetch)
    assert outcomes[0] is True and outcomes[2] is True and isinstance(outcomes[1], ValueError)
    assert [r["event_id"] for r in stored(service)["pending"]] == [fetch[0].id, fetch[2].id]


def statements(service: InterchangeService, events: list[Event]) -> int:
    count = 0

    def counted(*_args):
        nonlocal count
        count += 1

    engine = service.store.engine
    sa.event.listen(engine, "before_cursor_execute", counted)
    try:
        assert all(service.record_qualification_events(events))
    finally:
        sa.event.remove(engine, "before_cursor_execute", counted)
    return count


def test_a_fetch_costs_the_same_statements_whatever_its_size(service):
    one_at_a_time(service, [acquired(f"{n:09d}") for n in range(50)])  # persons with a snapshot to build on
    small = statements(service, [acquired(f"{n:09d}", change_id=f"s{n}") for n in range(5)])
    large = statements(service, [acquired(f"{n:09d}", change_id=f"l{n}") for n in range(50)])
    assert small == large
    assert service.list_pending(person_id="", page=Page(1))[2] == 105


def publish(url: str, events: list[Event]) -> None:
    async def _go():
        nc = await nats.connect(url)
        try:
            js = nc.jetstream()
            for e in events:
                # A fresh Nats-Msg-Id: a republished event reaches the consumer, as after a lost ack.
                headers = {**e.headers(), "Nats-Msg-Id": str(uuid.uuid4())}
                await js.publish(f"nhi.v1.qualification.{e.type.split('.')[-2]}", e.body(), headers=headers)
        finally:
            await nc.close()

    asyncio.run(_go())


def test_the_consumer_takes_a_burst_from_nats_once_each_and_terminates_a_malformed_event(tmp_path):
    server = EmbeddedNats(tmp_path / "nats").start()
    settings = config.load(
        Settings,
        env={
            "INTERCHANGE_DATABASE_URL": f"sqlite:///{tmp_path / 'interchange.db'}",
            "INTERCHANGE_FILE_DIR": str(tmp_path / "files"),
            "NATS_URL": server.url,
            "QUALIFICATION_ADDR": "127.0.0.1:1",
            "NHI_BUSINESS_DATE": "2026-12-05",
        },
    )
    runtime = bootstrap.build(settings, port=0)
    [consumer] = [c for c in runtime.consumers if c.durable == "interchange-qualification"]
    assert isinstance(consumer, QualificationConsumer) and consumer.batch == 200
    runtime.start()
    try:
        births = [acquired(f"{n:09d}", reason="birth") for n in range(300)]
        publish(server.url, [*births[:150], malformed("999999999"), *births[150:], births[0]])
        testing.eventually(lambda: consumer.processed == 301, what="every readable event acked")
        _, _, total = runtime.service.list_pending(person_id="", page=Page(1))
        assert total == 300
        time.sleep(1.5)  # a malformed event retried would come back within a second
        assert consumer.processed == 301
    finally:
        runtime.stop()
        server.stop()


@pytest.mark.parametrize(
    "change",
    [
        {"change_id": 2**63},
        {"household_id": ["H1"]},
        {"person_id": {"id": "000000001"}},
        {"change_id": "c" * 10_000},
        {"acquired_on": "2026-02-30"},
        {"acquired_on": 20261201},
    ],
)
def test_an_event_with_a_field_no_pending_record_takes_is_terminated_and_its_fetch_kept(service, change):
    """A number of 2^63 as the change id raised OverflowError out of SQLite and the event came again forever; a list
    as the household id, text past its column, a date that does not exist went into the pending record as they were.
    Refused up front (a ValueError naming the field), the rest of the fetch kept."""
    bad = acquired("000000002")
    bad = Event(**{**bad.__dict__, "data": {**bad.data, **change}})
    outcomes = qualification_batch_handler(service)([acquired("000000001"), bad, acquired("000000003")])
    assert outcomes[0] is True and outcomes[2] is True
    assert isinstance(outcomes[1], PermanentError) and str(outcomes[1]).startswith("field ")
    _, _, total = service.list_pending(person_id="", page=Page(10))
    assert total == 2
