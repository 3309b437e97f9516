"""A mutation fuzz of every subject svc-integration consumes, through the real runtime (embedded NATS, the database,
svc-qualification faked over gRPC): each mutated message is handled once (applied, dead-lettered or terminated,
never delivered again), the valid messages after it are processed, and no log line names a person.

MESSAGE_FUZZ_CASES (default 30 a consumer) and MESSAGE_FUZZ_SEED: see nhi_devtools.message_fuzz."""

from __future__ import annotations

import base64
import copy
import logging
import random
import threading

import grpc
import pytest
import sqlalchemy as sa

from nhi.qualification.v1 import qualification_pb2 as qpb
from nhi.qualification.v1 import qualification_pb2_grpc
from nhi_common import config
from nhi_devtools import message_fuzz, testing
from nhi_integration import bootstrap
from nhi_integration.adapters.tables import PLUMBING
from nhi_integration.domain.inconsistency import COLUMNS
from nhi_integration.entrypoints import feed_handlers, handlers, outbound_handlers
from nhi_integration.settings import Settings

PERSON = {
    "person_id": "900000001",
    "household_id": "H90000001",
    "head_person_id": "900000001",
    "name_kanji": message_fuzz.PERSONAL[0],
    "name_kana": "タカハシ　タロウ",
    "display_name": message_fuzz.PERSONAL[0],
    "birth_date": "1980-04-01",
    "sex": "1",
    "address": {"postal_code": "399-0101", "address_code": "99999001002", "address": message_fuzz.PERSONAL[1]},
    "dv_support": False,
}
ACQUIRED = {
    **PERSON,
    "change_id": "chg-1",
    "period_id": "per-1",
    "insurer_number": "999999",
    "symbol": "みどり",
    "number": "0000001",
    "branch_no": "01",
    "acquired_on": "2026-12-01",
    "lost_on": "",
    "reason": "move_in",
    "rule_ids": ["ACQ-MOVE-IN"],
    "feeds": ["resident"],
    "business_date": "2026-12-06",
    "operator_id": "clerk-01",
}
MOVE_IN = {
    "change_id": "chg-0001",
    "change_kind": "move_in",
    "event_date": "2026-11-20",
    "notified_on": "2026-11-24",
    "household_id": "H90000001",
    "head_person_id": "900000001",
    "address": {
        "postal_code": "399-0101",
        "address_code": "99999001002",
        "address": message_fuzz.PERSONAL[1],
        "building": "みどりハイツ201号室",
        "district_code": "03",
    },
    "persons": [
        {
            "person_id": "900000001",
            "name_kanji": message_fuzz.PERSONAL[0],
            "name_kana": "タカハシ　タロウ",
            "birth_date": "1980-04-01",
            "sex": "1",
            "relationship": "世帯主",
            "listing_order": 1,
            "my_number": message_fuzz.PERSONAL[2],
            "dv_support": False,
        }
    ],
}
# (subject, stream, durable, CloudEvents type, a valid body, the field to make each valid message's own)
CONSUMERS = {
    "resident": (
        handlers.RESIDENT_SUBJECT,
        handlers.RESIDENT_STREAM,
        handlers.RESIDENT_DURABLE,
        "jp.lg.resident.change.v1",
        MOVE_IN,
        "change_id",
    ),
    "pension": (
        feed_handlers.PENSION_SUBJECT,
        feed_handlers.PENSION_STREAM,
        feed_handlers.PENSION_DURABLE,
        feed_handlers.PENSION_TYPE,
        {
            "change_id": "pen-1",
            "person_id": "900000001",
            "event": "changed",
            "category": "1",
            "changed_on": "2026-11-01",
            "reason": "60歳到達",
        },
        "change_id",
    ),
    "welfare": (
        feed_handlers.WELFARE_SUBJECT,
        feed_handlers.WELFARE_STREAM,
        feed_handlers.WELFARE_DURABLE,
        feed_handlers.WELFARE_TYPE,
        {
            "change_id": "wel-1",
            "person_id": "900000001",
            "started_on": "2026-11-01",
            "ended_on": None,
            "reason": "保護開始",
        },
        "change_id",
    ),
    "income": (
        feed_handlers.TAX_SUBJECT,
        feed_handlers.TAX_STREAM,
        feed_handlers.TAX_DURABLE,
        feed_handlers.INCOME_TYPE,
        {
            "record_id": "tax-1",
            "person_id": "900000001",
            "income_year": 2025,
            "total_income": 1_200_000,
            "non_taxed": False,
        },
        "record_id",
    ),
    "outbound": (
        "nhi.v1.qualification.acquired",
        outbound_handlers.QUALIFICATION_STREAM,
        outbound_handlers.OUTBOUND_DURABLE,
        "jp.nhi.qualification.acquired.v1",
        ACQUIRED,
        "change_id",
    ),
}


class FakeQualification(qualification_pb2_grpc.QualificationServiceServicer):
    """What svc-integration's consumers ask svc-qualification: every change applied, every income recorded."""

    def __init__(self) -> None:
        self.applied: set[str] = set()
        self.lock = threading.Lock()

    def ApplyResidentChanges(self, request, context):
        with self.lock:
            self.applied.update(c.change_id for c in request.changes)
        return qpb.ApplyResidentChangesResponse(
            results=[
                qpb.AppliedChange(change_id=c.change_id, outcome="intake_item", intake_item_id=f"item-{c.change_id}")
                for c in request.changes
            ]
        )

    def RecordIncomeFacts(self, request, context):
        return qpb.RecordIncomeFactsResponse(recorded=len(request.incomes))

    def GetPerson(self, request, context):
        context.abort(grpc.StatusCode.NOT_FOUND, "no such person")

    def ExportCoverageFacts(self, request, context):
        return qpb.ExportCoverageFactsResponse(columns=list(COLUMNS), rows=b"")


@pytest.fixture
def fake():
    servicer = FakeQualification()
    with testing.grpc_server(servicer, qualification_pb2_grpc.add_QualificationServiceServicer_to_server) as address:
        yield servicer, address


@pytest.fixture
def runtime(tmp_path, database, nats_server, fake):
    url, schema = database
    env = {
        "INTEGRATION_DATABASE_URL": url,
        "QUALIFICATION_ADDR": fake[1],
        "GRPC_DEADLINE_SECONDS": "2",
        "NATS_URL": nats_server.url,
        "NHI_BUSINESS_DATE": "2026-12-07",
        "NHI_MYNUMBER_KEY": base64.b64encode(b"k" * 32).decode(),
        "INTEGRATION_OUTBOUND_DIR": str(tmp_path / "outbound"),
    }
    if schema:
        env["INTEGRATION_DATABASE_SCHEMA"] = schema
    runtime = bootstrap.build(config.load(Settings, env=env), port=0)
    yield runtime
    runtime.stop()


def claimed(runtime, consumer: str) -> set[str]:
    inbox = PLUMBING["inbox"]
    with runtime.engine.connect() as conn:
        return set(conn.scalars(sa.select(inbox.c.event_id).where(inbox.c.consumer == consumer)))


@pytest.mark.parametrize("name", list(CONSUMERS))
def test_one_hostile_message_holds_back_no_valid_one_and_names_no_person(name, runtime, nats_server, fake, caplog):
    subject, stream, durable, ce_type, valid, own = CONSUMERS[name]
    [consumer] = [c for c in runtime.consumers if c.durable == durable]
    deliveries = message_fuzz.Deliveries()
    deliveries.watch(consumer)
    rng = random.Random(f"{message_fuzz.SEED}-{name}")
    messages, cases, valid_ids = [], {}, []
    for n, mutation in enumerate(message_fuzz.mutations(valid, rng)):
        headers = message_fuzz.headers(type=ce_type, subject="900000001")
        cases[headers["ce-id"]] = mutation.label
        messages.append((subject, headers, mutation.body))
        good = copy.deepcopy(valid)
        good[own] = f"{good[own]}-{n}"
        good_headers = message_fuzz.headers(type=ce_type, subject="900000001")
        valid_ids.append((good_headers["ce-id"], good[own]))
        messages.append((subject, good_headers, message_fuzz.encode(good)))
    caplog.set_level(logging.DEBUG)
    runtime.start()
    message_fuzz.publish(nats_server.url, messages)

    def done() -> bool:
        if name == "resident":
            return {own_id for _i, own_id in valid_ids} <= fake[0].applied
        return {i for i, _own_id in valid_ids} <= claimed(runtime, durable)

    message_fuzz.check(
        url=nats_server.url,
        stream=stream,
        durable=durable,
        deliveries=deliveries,
        cases=cases,
        done=done,
        records=caplog.records,
    )
