"""A mutation fuzz of svc-qualification's events as svc-interchange consumes them (nhi.v1.qualification.>), through
the real runtime, embedded NATS and the database: each mutated event is handled once (recorded or terminated, never
delivered again), the valid events after it are recorded, and no log line names a person.

MESSAGE_FUZZ_CASES (default 30) and MESSAGE_FUZZ_SEED: see nhi_devtools.message_fuzz."""

from __future__ import annotations

import logging
import random

import pytest

from nhi_common import config
from nhi_common.paging import Page
from nhi_devtools import message_fuzz, testing
from nhi_interchange import bootstrap
from nhi_interchange.entrypoints.handlers import QUALIFICATION_DURABLE, QUALIFICATION_STREAM
from nhi_interchange.settings import Settings

ACQUIRED = {
    "person_id": "900000001",
    "household_id": "H90000001",
    "head_person_id": "900000001",
    "change_id": "chg-1",
    "name_kanji": message_fuzz.PERSONAL[0],
    "name_kana": "タカハシ　タロウ",
    "birth_date": "1980-04-01",
    "sex": "1",
    "dv_support": False,
    "insurer_number": "139998",
    "symbol": "みどり",
    "number": "0000001",
    "branch_no": "01",
    "acquired_on": "2026-12-01",
    "reason": "move_in",
    "address": {"postal_code": "1000001", "address_code": "13101001001", "district_code": "0101"},
    "business_date": "2026-12-05",
}
TYPES = ("acquired", "lost", "changed")


@pytest.fixture(params=testing.backends())
def database(request, tmp_path):
    with testing.database(request.param, tmp_path, "interchange") as found:
        yield found


@pytest.fixture
def runtime(tmp_path, database, nats_server):
    url, schema = database
    env = {
        "INTERCHANGE_DATABASE_URL": url,
        "INTERCHANGE_FILE_DIR": str(tmp_path / "files"),
        "NATS_URL": nats_server.url,
        "QUALIFICATION_ADDR": "127.0.0.1:1",
        "NHI_BUSINESS_DATE": "2026-12-05",
    }
    if schema:
        env["INTERCHANGE_DATABASE_SCHEMA"] = schema
    runtime = bootstrap.build(config.load(Settings, env=env), port=0)
    yield runtime
    runtime.stop()


def test_a_hostile_qualification_event_holds_back_no_pending_record(runtime, nats_server, caplog):
    [consumer] = [c for c in runtime.consumers if c.durable == QUALIFICATION_DURABLE]
    deliveries = message_fuzz.Deliveries()
    deliveries.watch(consumer)
    rng = random.Random(f"{message_fuzz.SEED}-interchange")
    messages, cases = [], {}
    for n, mutation in enumerate(message_fuzz.mutations(ACQUIRED, rng)):
        kind = TYPES[n % len(TYPES)]
        headers = message_fuzz.headers(type=f"jp.nhi.qualification.{kind}.v1", subject="900000001")
        cases[headers["ce-id"]] = f"{kind}: {mutation.label}"
        messages.append((f"nhi.v1.qualification.{kind}", headers, mutation.body))
    valid = 5
    for n in range(valid):
        body = message_fuzz.encode({**ACQUIRED, "person_id": f"80000000{n}", "change_id": f"ok-{n}"})
        headers = message_fuzz.headers(type="jp.nhi.qualification.acquired.v1", subject=f"80000000{n}")
        messages.append(("nhi.v1.qualification.acquired", headers, body))
    caplog.set_level(logging.DEBUG)
    runtime.start()
    message_fuzz.publish(nats_server.url, messages)

    def done() -> bool:
        return all(runtime.service.list_pending(person_id=f"80000000{n}", page=Page(10))[2] == 1 for n in range(valid))

    message_fuzz.check(
        url=nats_server.url,
        stream=QUALIFICATION_STREAM,
        durable=QUALIFICATION_DURABLE,
        deliveries=deliveries,
        cases=cases,
        done=done,
        records=caplog.records,
    )
