"""Fixtures of svc-integration tests: databases, sample changes, a fake svc-qualification over real gRPC."""

from __future__ import annotations

import copy
import threading

import grpc
import pytest

from nhi.qualification.v1 import qualification_pb2 as qpb
from nhi.qualification.v1 import qualification_pb2_grpc
from nhi_common import db
from nhi_devtools import testing
from nhi_integration.bootstrap import MIGRATIONS

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
        "address": "みどり市若葉町2丁目3番5号",
        "building": "みどりハイツ201号室",
        "district_code": "03",
    },
    "previous_municipality": "横浜市",
    "persons": [
        {
            "person_id": "900000001",
            "name_kanji": "髙橋　太郎",
            "name_kana": "タカハシ　タロウ",
            "birth_date": "1980-04-01",
            "sex": "1",
            "relationship": "世帯主",
            "listing_order": 1,
            "my_number": "123456789018",
            "nationality": "",
            "residence_status": "",
            "residence_expires_on": "",
            "dv_support": False,
        },
        {
            "person_id": "900000002",
            "name_kanji": "髙橋　花子",
            "name_kana": "タカハシ　ハナコ",
            "birth_date": "1982-09-15",
            "sex": "2",
            "relationship": "妻",
            "listing_order": 2,
            "dv_support": False,
        },
    ],
}


@pytest.fixture
def move_in():
    """A valid 転入 of a two-person household, fresh for each test."""
    return copy.deepcopy(MOVE_IN)


@pytest.fixture(params=testing.backends())
def database(request, tmp_path):
    """(url, schema) of an empty database: SQLite in tmp_path, or a unique PostgreSQL schema dropped afterwards."""
    with testing.database(request.param, tmp_path, "integration") as found:
        yield found


@pytest.fixture
def engine(database):
    url, schema = database
    engine = db.make_engine(url, schema=schema)
    db.migrate(engine, MIGRATIONS)
    yield engine
    engine.dispose()


class FakeQualification(qualification_pb2_grpc.QualificationServiceServicer):
    """Records ApplyResidentChanges calls; answers with the queued failure codes first, then OK."""

    def __init__(self) -> None:
        self.calls: list[tuple[qpb.ApplyResidentChangesRequest, dict[str, str]]] = []
        self.failures: list[grpc.StatusCode] = []
        self.applied: set[str] = set()
        self.lock = threading.Lock()
        self.called = threading.Condition(self.lock)

    def ApplyResidentChanges(self, request, context):
        with self.lock:
            self.calls.append((request, dict(context.invocation_metadata())))
            self.called.notify_all()
            failure = self.failures.pop(0) if self.failures else None
            if failure is None:
                for change in request.changes:
                    self.applied.add(change.change_id)
        if failure is not None:
            context.abort(failure, f"fake says {failure.name}")
        return qpb.ApplyResidentChangesResponse(
            results=[
                qpb.AppliedChange(
                    change_id=c.change_id,
                    outcome="intake_item",
                    person_ids=[p.person_id for p in c.persons],
                    intake_item_id=f"item-{c.change_id}",
                )
                for c in request.changes
            ]
        )

    def wait_for_calls(self, count: int, timeout: float = 15) -> list:
        with self.called:
            self.called.wait_for(lambda: len(self.calls) >= count, timeout)
            return list(self.calls)


@pytest.fixture
def fake_qualification():
    """A real gRPC server on a free port running FakeQualification; yields (servicer, address)."""
    servicer = FakeQualification()
    with testing.grpc_server(servicer, qualification_pb2_grpc.add_QualificationServiceServicer_to_server) as address:
        yield servicer, address
