"""資格異動内容確認一覧 (2.3.1) and the gRPC surface of the records side."""

from __future__ import annotations

import datetime as dt
import json
import socket

import grpc
import pytest
from clients import Batches, Records
from records_steps import BACKOFFICE, correction, current, notify, resident_move_in

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi.qualification.v1 import qualification_pb2_grpc as pb_grpc
from nhi_common import rpc
from nhi_common.errors import DomainError
from nhi_qualification.entrypoints.grpc_api import QualificationServicer
from nhi_qualification.service_layer.context import Actor


@pytest.fixture
def records(service):
    return Records(service.app)


@pytest.fixture
def history(service, records, engine):
    """A join on 11-05 by clerk-01, a death on 11-21 by clerk-02, a correction on 11-24 by back-07."""
    resident_move_in(service)
    notify(service, ["000000001", "000000002"], actor=Actor("clerk-01", business_date=dt.date(2026, 11, 5)))
    notify(
        service,
        ["000000002"],
        kind="leave",
        reason="death",
        event_date="2026-11-20",
        notified_on="2026-11-21",
        actor=Actor("clerk-02", business_date=dt.date(2026, 11, 21)),
    )
    records.correct_qualification(correction(current(engine, "000000001")[-1], acquired_on="2026-10-30"), BACKOFFICE)


def listed(records, **filters):
    query = {
        "from_date": "",
        "to_date": "",
        "operator_id": "",
        "reason": "",
        "kind": "",
        "page_size": 50,
        "cursor": "",
        **filters,
    }
    return records.list_changes(**query)


def test_the_change_list_is_oldest_first_with_before_and_after_as_stored(records, history):
    changes, cursor = listed(records)
    assert [(c["kind"], c["reason"], c["operator_id"], c["business_date"]) for c in changes] == [
        ("join", "move_in", "clerk-01", "2026-11-05"),
        ("leave", "death", "clerk-02", "2026-11-21"),
        ("correction", "correction", "back-07", "2026-11-24"),
    ]
    assert cursor == ""
    join, leave, fix = changes
    assert join["person_ids"] == ["000000001", "000000002"] and join["household_id"] == "H00000001"
    assert (leave["event_date"], leave["notified_on"]) == ("2026-11-20", "2026-11-21")
    assert json.loads(fix["before_json"]) == {"acquired_on": "2026-11-01"}
    assert json.loads(fix["after_json"]) == {"acquired_on": "2026-10-30"}
    assert fix["event_date"] == "2026-10-30" and fix["notified_on"] == ""
    assert isinstance(leave["before_json"], str) and json.loads(leave["before_json"])
    assert fix["recorded_at"].endswith("+00:00")


def test_the_change_list_reads_as_a_clerk_reads_it_names_numbers_labels_and_no_internal_ids(records, history):
    join, leave, fix = listed(records)[0]
    assert (join["kind_label"], join["reason_label"]) == ("加入", "転入")
    assert (leave["kind_label"], leave["reason_label"]) == ("脱退", "死亡")
    assert (fix["kind_label"], fix["reason_label"]) == ("訂正", "資格異動訂正")
    assert [(p["person_id"], p["name_kanji"], p["symbol"], p["branch_no"]) for p in join["persons"]] == [
        ("000000001", "山田 0", "みどり", "01"),
        ("000000002", "山田 1", "みどり", "02"),
    ]
    assert join["after"]["000000001"] == {"symbol": "みどり", "number": "0000001", "branch_no": "01"}
    assert "period_id" in json.loads(join["after_json"])["000000001"]
    assert leave["after"]["000000002"]["branch_no"] == "02"
    assert fix["after"] == {"000000001": {"acquired_on": "2026-10-30"}}  # by person, as every change


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"from_date": "2026-11-21"}, ["death", "correction"]),
        ({"to_date": "2026-11-21"}, ["move_in", "death"]),
        ({"from_date": "2026-11-21", "to_date": "2026-11-21"}, ["death"]),
        ({"operator_id": "clerk-01"}, ["move_in"]),
        ({"reason": "death"}, ["death"]),
        ({"kind": "correction"}, ["correction"]),
        ({"kind": "join", "operator_id": "back-07"}, []),
    ],
)
def test_the_change_list_filters(records, history, filters, expected):
    assert [c["reason"] for c in listed(records, **filters)[0]] == expected


def test_the_change_list_pages_with_a_cursor(records, history):
    first, cursor = listed(records, page_size=2)
    second, last = listed(records, page_size=2, cursor=cursor)
    assert [c["reason"] for c in first] == ["move_in", "death"] and cursor
    assert [c["reason"] for c in second] == ["correction"] and last == ""


@pytest.mark.parametrize(
    "filters, code",
    [
        ({"from_date": "2026-11-31"}, "INVALID_DATE"),
        ({"from_date": "2026-11-24", "to_date": "2026-11-01"}, "INVALID_RANGE"),
        ({"cursor": "abc"}, "INVALID_CURSOR"),
    ],
)
def test_the_change_list_refuses_bad_filters(records, filters, code):
    with pytest.raises(DomainError) as error:
        listed(records, **filters)
    assert error.value.code == code


# ----- the gRPC methods, through a real in-process server -----


@pytest.fixture
def stub(service, records):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = rpc.Server(
        port=port, service_names=["nhi.qualification.v1.QualificationService"], host="127.0.0.1", max_workers=2
    )
    pb_grpc.add_QualificationServiceServicer_to_server(
        QualificationServicer(service.app, Batches(service.app).jobs), server.server
    )
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield pb_grpc.QualificationServiceStub(channel)
    channel.close()
    server.stop(grace=0)


def context(**extra):
    return common_pb2.RequestContext(operator_id="back-07", **extra)


def status_of(error):
    fields, info = rpc.unpack_details(rpc.read_status(error.value))
    return error.value.code(), fields, info


def test_grpc_correction_and_stale_version(service, engine, stub):
    resident_move_in(service)
    notify(service, ["000000001"])
    old = current(engine, "000000001")[-1]
    request = pb.CorrectQualificationRequest(
        context=context(idempotency_key="k1"),
        period_id=old.period_id,
        version_id=old.version_id,
        acquired_on="2026-10-28",
        correction_reason="入力誤り",
    )
    response = stub.CorrectQualification(request)
    assert response.period.acquired_on == "2026-10-28" and response.period.version_id > old.version_id
    assert stub.CorrectQualification(request) == response  # replayed
    request.context.idempotency_key = ""
    request.acquired_on = "2026-10-27"
    with pytest.raises(grpc.RpcError) as error:
        stub.CorrectQualification(request)
    code, _, info = status_of(error)
    assert code == grpc.StatusCode.ABORTED and info.reason == "STALE_VERSION"
    assert info.metadata["current_version_id"] == str(response.period.version_id)


def test_grpc_errors_of_the_records_side(service, engine, stub):
    resident_move_in(service)
    notify(service, ["000000001"])
    old = current(engine, "000000001")[-1]
    with pytest.raises(grpc.RpcError) as error:
        stub.CorrectQualification(
            pb.CorrectQualificationRequest(
                context=context(),
                period_id=old.period_id,
                version_id=old.version_id,
                lost_on="2026-10-01",
                lost_reason="death",
                correction_reason="x",
            )
        )
    code, fields, info = status_of(error)
    assert code == grpc.StatusCode.FAILED_PRECONDITION and info.reason == "LOSS_BEFORE_ACQUISITION"
    assert fields[0].field == "lost_on"
    with pytest.raises(grpc.RpcError) as error:
        stub.CorrectQualification(
            pb.CorrectQualificationRequest(
                context=context(), period_id=old.period_id, version_id=old.version_id, acquired_on="2026-10-01"
            )
        )
    code, fields, _ = status_of(error)
    assert code == grpc.StatusCode.INVALID_ARGUMENT and fields[0].field == "correction_reason"
    with pytest.raises(grpc.RpcError) as error:
        stub.RegisterCertificateReturn(
            pb.RegisterCertificateReturnRequest(context=context(), certificate_id="c", outcome="burnt")
        )
    code, fields, _ = status_of(error)
    assert code == grpc.StatusCode.INVALID_ARGUMENT and fields[0].field == "outcome"
    with pytest.raises(grpc.RpcError) as error:
        stub.RegisterCertificateReturn(
            pb.RegisterCertificateReturnRequest(context=context(), certificate_id="c", outcome="returned")
        )
    assert error.value.code() == grpc.StatusCode.NOT_FOUND


def test_grpc_ledger_and_change_list(service, engine, stub):
    resident_move_in(service)
    notify(service, ["000000001"])
    cert = stub.RecordCertificateIssued(
        pb.RecordCertificateIssuedRequest(
            context=context(),
            certificate=pb.Certificate(
                kind="eligibility_certificate",
                person_id="000000001",
                issued_on="2026-11-05",
                valid_until="2027-07-31",
                document_id="D1",
            ),
        )
    )
    assert cert.state == "issued" and cert.certificate_id
    returned = stub.RegisterCertificateReturn(
        pb.RegisterCertificateReturnRequest(
            context=context(), certificate_id=cert.certificate_id, outcome="returned", returned_on="2026-11-24"
        )
    )
    assert returned.certificate.state == "returned"
    with pytest.raises(grpc.RpcError) as error:
        stub.RegisterCertificateReturn(
            pb.RegisterCertificateReturnRequest(context=context(), certificate_id=cert.certificate_id, outcome="lost")
        )
    code, _, info = status_of(error)
    assert code == grpc.StatusCode.FAILED_PRECONDITION and info.reason == "ALREADY_COLLECTED"
    listed_certs = stub.ListCertificates(
        pb.ListCertificatesRequest(person_id="000000001", page=common_pb2.PageRequest(page_size=10))
    )
    assert [c.state for c in listed_certs.certificates] == ["returned"] and listed_certs.page.next_cursor == ""
    changes = stub.ListChanges(
        pb.ListChangesRequest(from_date="2026-11-24", kind="join", page=common_pb2.PageRequest(page_size=1))
    )
    assert [(c.reason, list(c.person_ids)) for c in changes.changes] == [("move_in", ["000000001"])]
    assert json.loads(changes.changes[0].after_json)["000000001"]["branch_no"] == "01"
