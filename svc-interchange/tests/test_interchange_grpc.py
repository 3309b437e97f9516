"""The gRPC edge of svc-interchange: pages asked for by cursor, and cursors no list gave out refused."""

from __future__ import annotations

import socket

import grpc
import pytest

from nhi.common.v1 import common_pb2
from nhi.interchange.v1 import interchange_pb2 as pb
from nhi.interchange.v1 import interchange_pb2_grpc
from nhi_common import db, rpc
from nhi_common.events import Event
from nhi_interchange import bootstrap
from nhi_interchange.adapters.store import SqlStore
from nhi_interchange.entrypoints.grpc_api import InterchangeServicer
from nhi_interchange.service_layer.ports import PersonFacts
from nhi_interchange.service_layer.services import InterchangeService


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


DV_READER = common_pb2.RequestContext(operator_id="clerk-01", scopes=["dv:read"], purpose="check")


class FakePeople:
    """svc-qualification at its port: person 000000002 is under a DV support measure."""

    def person(self, person_id):
        return PersonFacts(person_id, "H1", "", person_id == "000000002")

    def hidden_persons(self, caller, person_ids, listing):
        return set() if "dv:read" in caller.scopes else {p for p in person_ids if p == "000000002"}


@pytest.fixture
def service(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'interchange.db'}")
    db.migrate(engine, bootstrap.MIGRATIONS)
    yield InterchangeService(SqlStore(engine), people=FakePeople())
    engine.dispose()


@pytest.fixture
def stub(service):
    server = rpc.Server(port=free_port(), service_names=[bootstrap.SERVICE_NAME], host="127.0.0.1", max_workers=2)
    interchange_pb2_grpc.add_InterchangeServiceServicer_to_server(InterchangeServicer(service), server.server)
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    yield interchange_pb2_grpc.InterchangeServiceStub(channel)
    channel.close()
    server.stop(grace=0)


def pending(stub, cursor="", page_size=0):
    return stub.ListPendingAggregation(
        pb.ListPendingAggregationRequest(page=common_pb2.PageRequest(page_size=page_size, cursor=cursor)), timeout=10
    )


def test_the_next_page_follows_the_cursor_in_arrival_order(service, stub):
    for n in range(3):
        service.record_qualification_event(
            Event.new(
                source="urn:nhi:svc-qualification",
                type="jp.nhi.qualification.acquired.v1",
                subject=f"{n:09d}",
                data={"person_id": f"{n:09d}", "household_id": "H1", "change_id": f"c{n}", "acquired_on": "2026-11-01"},
            )
        )
    first = pending(stub, page_size=2)
    rest = pending(stub, cursor=first.page.next_cursor, page_size=2)
    assert [r.person_id for r in [*first.records, *rest.records]] == ["000000000", "000000001", "000000002"]
    assert first.total == 3 and rest.page.next_cursor == ""


@pytest.mark.parametrize("cursor", ["abc", "1" * 30, "-1", "１２"])
def test_a_cursor_no_list_gave_out_is_invalid_argument_naming_the_cursor(stub, cursor):
    with pytest.raises(grpc.RpcError) as caught:
        pending(stub, cursor=cursor)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields, info = rpc.unpack_details(rpc.read_status(caught.value))
    assert [f.field for f in fields] == ["cursor"] and info.reason == "INVALID_CURSOR"


def test_every_contract_method_answers_and_none_is_unimplemented(stub):
    files = stub.ListAggregationFiles(pb.ListAggregationFilesRequest(), timeout=10)
    transfers = stub.ListSubCopyTransfers(pb.ListSubCopyTransfersRequest(), timeout=10)
    assert list(files.files) == [] and list(transfers.transfers) == []
    query = stub.QuerySubCopy(pb.QuerySubCopyRequest(person_id="000000001", item="income"), timeout=10)
    assert query.query_id and query.state == "queued"
    rows = stub.ListInterchangeRows(pb.ListInterchangeRowsRequest(kind="interchange_import_list"), timeout=10)
    assert list(rows.rows) == []
    job = stub.StartJob(common_pb2.StartJobRequest(kind="aggregation_import"), timeout=10)
    assert job.job_id.startswith("interchange-") and job.kind == "aggregation_import"
    assert stub.GetJob(common_pb2.GetJobRequest(job_id=job.job_id), timeout=10).job_id == job.job_id
    queries = stub.ListSubCopyQueries(pb.ListSubCopyQueriesRequest(person_id="000000001"), timeout=10)
    assert [q.query_id for q in queries.queries] == [query.query_id]
    found = stub.GetSubCopyQuery(pb.GetSubCopyQueryRequest(query_id=query.query_id), timeout=10)
    assert (found.state, found.HasField("taxable_income"), found.income_year) == ("queued", False, 0)
    requests = stub.ListManualRequests(pb.ListManualRequestsRequest(state="waiting", context=DV_READER), timeout=10)
    assert list(requests.requests) == []
    with pytest.raises(grpc.RpcError) as unknown:
        stub.DecideManualRequest(
            pb.DecideManualRequestRequest(request_id="r-1", decision="refuse", context=DV_READER), timeout=10
        )
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    "call",
    [
        lambda s, context: s.ListManualRequests(pb.ListManualRequestsRequest(context=context), timeout=10),
        lambda s, context: s.DecideManualRequest(
            pb.DecideManualRequestRequest(request_id="r-1", decision="refuse", context=context), timeout=10
        ),
    ],
)
def test_the_requests_for_a_manual_answer_need_the_dv_read_scope(stub, call):
    with pytest.raises(grpc.RpcError) as caught:
        call(stub, common_pb2.RequestContext(operator_id="clerk-01", scopes=["mynumber:read"]))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "dv:read" in caught.value.details()


def test_a_dv_persons_subcopy_query_is_listed_only_to_the_dv_read_scope(stub):
    for person_id in ("000000001", "000000002"):
        stub.QuerySubCopy(pb.QuerySubCopyRequest(person_id=person_id, item="income"), timeout=10)

    def listed(context) -> list[str]:
        found = stub.ListSubCopyQueries(pb.ListSubCopyQueriesRequest(context=context), timeout=10)
        return [q.person_id for q in found.queries]

    assert listed(common_pb2.RequestContext(operator_id="clerk-01")) == ["000000001"]
    assert listed(DV_READER) == ["000000001", "000000002"]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s: s.QuerySubCopy(pb.QuerySubCopyRequest(person_id="1", item="pension"), timeout=10), "item"),
        (lambda s: s.StartJob(common_pb2.StartJobRequest(kind="nightly"), timeout=10), "kind"),
        (lambda s: s.ListInterchangeRows(pb.ListInterchangeRowsRequest(kind="x"), timeout=10), "kind"),
        (
            lambda s: s.ListManualRequests(pb.ListManualRequestsRequest(state="x", context=DV_READER), timeout=10),
            "state",
        ),
        (
            lambda s: s.DecideManualRequest(
                pb.DecideManualRequestRequest(request_id="r", decision="x", context=DV_READER), timeout=10
            ),
            "decision",
        ),
        (
            lambda s: s.StartJob(
                common_pb2.StartJobRequest(kind="subcopy_registration", parameters={"date": "2026-11-24"}), timeout=10
            ),
            "parameters.date",
        ),
        (
            lambda s: s.StartJob(
                common_pb2.StartJobRequest(kind="daily_aggregation", parameters={"date": "2026-13-01"}), timeout=10
            ),
            "parameters.date",
        ),
        (  # a day far out of reach: a typing error, refused before anything is queued
            lambda s: s.StartJob(
                common_pb2.StartJobRequest(kind="daily_aggregation", parameters={"date": "1967-09-12"}), timeout=10
            ),
            "parameters.date",
        ),
        (
            lambda s: s.StartJob(
                common_pb2.StartJobRequest(kind="aggregation_import", parameters={"date": "2026-11-24"}), timeout=10
            ),
            "parameters.date",
        ),
    ],
)
def test_a_refusal_names_its_field(stub, call, field):
    with pytest.raises(grpc.RpcError) as caught:
        call(stub)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields, _info = rpc.unpack_details(rpc.read_status(caught.value))
    assert [f.field for f in fields] == [field]


def test_an_unknown_job_is_not_found(stub):
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetJob(common_pb2.GetJobRequest(job_id="interchange-nope"), timeout=10)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
