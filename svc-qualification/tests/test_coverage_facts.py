"""ExportCoverageFacts over gRPC: every person's coverage facts as CSV pages, for the 国保資格不整合一覧 (2.4.1)."""

from __future__ import annotations

import csv
import io

import grpc
import pytest
import sqlalchemy as sa
from test_batches_rpc import CTX, add_household, stub, violation  # noqa: F401 - the stub fixture

from nhi.qualification.v1 import qualification_pb2 as pb
from nhi_qualification.adapters.tables import persons


def _rows(response) -> list[dict[str, str]]:
    return [dict(zip(response.columns, r, strict=True)) for r in csv.reader(io.StringIO(response.rows.decode("utf-8")))]


def test_every_person_with_coverage_resident_status_and_residence(stub, engine):
    grpc_stub, _channel, _batches = stub
    add_household(engine, "H9000001", [("900001", "1950-05-01", True), ("900002", "1980-01-01", False)])
    add_household(engine, "H9000002", [("900003", "1990-03-03", True)])
    with engine.begin() as conn:
        conn.execute(sa.update(persons).where(persons.c.person_id == "900001").values(resident_status="dead"))
        conn.execute(
            sa.update(persons)
            .where(persons.c.person_id == "900003")
            .values(nationality="米国", residence_status="temporary_visitor", dv_support=True)
        )
    first = grpc_stub.ExportCoverageFacts(
        pb.ExportCoverageFactsRequest(context=CTX, as_of="2026-12-01", page_size=2), timeout=10
    )
    assert first.count == 2 and first.next_after_person_id == "900002"
    rest = grpc_stub.ExportCoverageFacts(
        pb.ExportCoverageFactsRequest(context=CTX, as_of="2026-12-01", page_size=2, after_person_id="900002"),
        timeout=10,
    )
    assert rest.count == 1 and rest.next_after_person_id == ""
    rows = {r["person_id"]: r for r in _rows(first) + _rows(rest)}
    assert rows["900001"]["resident_status"] == "dead" and rows["900001"]["insured"] == "1"
    assert rows["900001"]["acquired_on"] == "2020-04-01" and rows["900001"]["birth_date"] == "1950-05-01"
    assert rows["900002"]["insured"] == "0" and rows["900002"]["acquired_on"] == ""
    assert rows["900003"]["residence_excluded"] == "1" and rows["900003"]["dv_support"] == "1"
    only = grpc_stub.ExportCoverageFacts(
        pb.ExportCoverageFactsRequest(context=CTX, as_of="2026-12-01", person_ids=["900002"]), timeout=10
    )
    assert [r["person_id"] for r in _rows(only)] == ["900002"]


def test_a_page_size_out_of_range_is_refused_naming_it(stub):
    grpc_stub, _channel, _batches = stub
    with pytest.raises(grpc.RpcError) as caught:
        grpc_stub.ExportCoverageFacts(pb.ExportCoverageFactsRequest(context=CTX, page_size=100001), timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT and violation(caught.value) == ["page_size"]
