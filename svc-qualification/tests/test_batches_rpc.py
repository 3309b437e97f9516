"""The batch RPCs through a real gRPC server: translation of requests, answers and errors."""

from __future__ import annotations

import socket

import grpc
import pytest
from clients import Batches

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi.qualification.v1 import qualification_pb2_grpc
from nhi_common import rpc
from nhi_qualification.entrypoints.grpc_api import QualificationServicer


def _helpers():
    import importlib.util
    import pathlib

    spec = importlib.util.spec_from_file_location(
        "_batches_helpers", pathlib.Path(__file__).parent / "test_batches_service.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_h = _helpers()
ELDER_HOUSEHOLD, add_household = _h.ELDER_HOUSEHOLD, _h.add_household

CTX = common_pb2.RequestContext(operator_id="clerk-01")


@pytest.fixture
def stub(service):
    batches = Batches(service.app)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = rpc.Server(
        port=port, service_names=["nhi.qualification.v1.QualificationService"], host="127.0.0.1", max_workers=4
    )
    qualification_pb2_grpc.add_QualificationServiceServicer_to_server(
        QualificationServicer(service.app, batches.jobs), server.server
    )
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield qualification_pb2_grpc.QualificationServiceStub(channel), channel, batches
    channel.close()
    server.stop(grace=0)


def violation(error: grpc.RpcError) -> list[str]:
    fields, _info = rpc.unpack_details(rpc.read_status(error))
    return [f.field for f in fields]


def test_burden_ratio_income_facts_and_jobs_over_grpc(stub, engine):
    client, channel, batches = stub
    add_household(engine, "H0000001", ELDER_HOUSEHOLD)
    recorded = client.RecordIncomeFacts(
        pb.RecordIncomeFactsRequest(
            context=CTX,
            incomes=[
                pb.IncomeFact(
                    person_id=pid, income_year=2025, taxable_income=0, gross_income=1_000_000, kyu_tadashigaki_income=0
                )
                for pid, _b, _i in ELDER_HOUSEHOLD
            ],
        )
    )
    assert recorded.recorded == 3
    answer = client.DetermineBurdenRatio(pb.DetermineBurdenRatioRequest(context=CTX, household_id="H0000001"))
    assert answer.ratio_percent == 20 and answer.limit_category and not answer.pending and answer.determination_id
    assert answer.income_year == 2025 and {p.person_id for p in answer.persons if p.elder} == {"100000001", "100000002"}
    assert any(r.rule_id == "BURDEN-3" for r in answer.reasons)

    with pytest.raises(grpc.RpcError) as error:
        client.DetermineBurdenRatio(
            pb.DetermineBurdenRatioRequest(context=CTX, household_id="H0000001", as_of="2026-02-30")
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and violation(error.value) == ["as_of"]
    with pytest.raises(grpc.RpcError) as error:
        client.DetermineBurdenRatio(pb.DetermineBurdenRatioRequest(context=CTX, household_id="H404"))
    assert error.value.code() == grpc.StatusCode.NOT_FOUND

    job = client.StartJob(common_pb2.StartJobRequest(context=CTX, kind="age75_loss", parameters={"month": "2027-05"}))
    assert job.job_id and job.parameters["month"] == "2027-05"
    batches.wait(30)
    done = client.GetJob(common_pb2.GetJobRequest(job_id=job.job_id))
    assert done.state == "succeeded" and done.total == 0 and done.finished_at
    for kind, params, field in [("age75_loss", {"month": "May"}, "parameters.month"), ("renewal", {}, "kind")]:
        with pytest.raises(grpc.RpcError) as error:
            client.StartJob(common_pb2.StartJobRequest(context=CTX, kind=kind, parameters=params))
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and violation(error.value) == [field]
    with pytest.raises(grpc.RpcError) as error:
        client.GetJob(common_pb2.GetJobRequest(job_id="nope"))
    assert error.value.code() == grpc.StatusCode.NOT_FOUND

    listing = client.ListJobResults(pb.ListJobResultsRequest(job_id=job.job_id), timeout=5)
    assert list(listing.rows) == [] and listing.job.job_id == job.job_id and listing.title
    with pytest.raises(grpc.RpcError) as error:
        client.ListJobResults(pb.ListJobResultsRequest(job_id="nope"), timeout=5)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_nul_character_in_an_income_fact_is_invalid_argument_naming_it_and_nothing_is_recorded(stub, engine):
    """PostgreSQL refuses a NUL in text; the call answers the caller's error (SQLite stores it: no person by that id)."""
    client, _channel, _batches = stub
    add_household(engine, "H0000001", ELDER_HOUSEHOLD)
    pid = ELDER_HOUSEHOLD[0][0]
    request = pb.RecordIncomeFactsRequest(
        context=CTX,
        incomes=[pb.IncomeFact(person_id=pid, income_year=2025), pb.IncomeFact(person_id="00\x001", income_year=2025)],
    )
    with pytest.raises(grpc.RpcError) as caught:
        client.RecordIncomeFacts(request)
    assert caught.value.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND)
    if engine.dialect.name == "postgresql":
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "incomes[1].person_id" in caught.value.details()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM income_facts").scalar() == 0
