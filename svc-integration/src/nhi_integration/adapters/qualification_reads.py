"""gRPC client of svc-qualification for the pension, income and inconsistency use cases, with a deadline each."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import grpc
from google.protobuf import json_format

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi.qualification.v1 import qualification_pb2_grpc
from nhi_common import dv_screen, rpc

from ..domain.income import IncomeRecord
from ..service_layer.ports import ApplyRejected, ApplyUnavailable
from .clients import OPERATOR_ID, TRANSIENT

# A page of the whole-population read: large enough that the per-call cost vanishes, small enough for 4 MiB.
COVERAGE_PAGE = 20000


class QualificationFeedClient:
    """IncomeSink and CoverageSource over QualificationService."""

    def __init__(
        self,
        channel: rpc.LazyChannel,
        *,
        deadline: float,
        business_date: dt.date | None = None,
        coverage_page: int = COVERAGE_PAGE,
    ) -> None:
        self.channel = channel
        self.deadline = deadline
        self.business_date = business_date
        self.coverage_page = coverage_page

    def _stub(self):
        return qualification_pb2_grpc.QualificationServiceStub(self.channel.get())

    def _context(self, idempotency_key: str = "") -> common_pb2.RequestContext:
        return common_pb2.RequestContext(
            operator_id=OPERATOR_ID,
            idempotency_key=idempotency_key,
            business_date=self.business_date.isoformat() if self.business_date else "",
        )

    def _call(self, method: str, request, *, timeout: float | None = None):
        try:
            return getattr(self._stub(), method)(request, timeout=timeout or self.deadline)
        except grpc.RpcError as error:
            raise _translated(error) from None

    # ----- income -----

    def record_incomes(self, records: list[IncomeRecord], *, idempotency_key: str) -> int:
        facts = [
            pb.IncomeFact(
                person_id=r.person_id,
                income_year=r.income_year,
                non_taxed=bool(r.non_taxed),
                **r.amounts(),
            )
            for r in records
        ]
        request = pb.RecordIncomeFactsRequest(context=self._context(idempotency_key), incomes=facts)
        return self._call("RecordIncomeFacts", request).recorded

    def households_of(self, person_ids: list[str]) -> dict[str, str]:
        """person id -> household id, for the persons svc-qualification knows."""
        found = {}
        for person_id in person_ids:
            try:
                found[person_id] = self._call("GetPerson", pb.GetPersonRequest(person_id=person_id)).household_id
            except ApplyRejected as exc:
                if getattr(exc, "code", "") != "NOT_FOUND":
                    raise
        return found

    def determine_burden(self, household_id: str, *, idempotency_key: str) -> dict[str, Any]:
        request = pb.DetermineBurdenRatioRequest(context=self._context(idempotency_key), household_id=household_id)
        answer = self._call("DetermineBurdenRatio", request)
        return {
            "household_id": household_id,
            "ratio_percent": answer.ratio_percent,
            "limit_category": answer.limit_category,
            "pending": answer.pending,
            "determination_id": answer.determination_id,
        }

    # ----- coverage facts and decisions -----

    def coverage_pages(
        self, day: dt.date, *, person_ids: list[str] | None = None, page_size: int | None = None
    ) -> Iterator[tuple[dict[str, int], list[list[str]]]]:
        """Every person's coverage facts on `day` a page at a time (`page_size`, else this client's page): (column ->
        position, rows)."""
        page_size = page_size or self.coverage_page
        after = ""
        while True:
            request = pb.ExportCoverageFactsRequest(
                context=self._context(),
                as_of=day.isoformat(),
                after_person_id=after,
                page_size=page_size,
                person_ids=person_ids or [],
            )
            answer = self._call("ExportCoverageFacts", request, timeout=max(self.deadline, 60))
            index = {name: i for i, name in enumerate(answer.columns)}
            yield index, list(csv.reader(io.StringIO(answer.rows.decode("utf-8"))))
            if not answer.next_after_person_id:
                return
            after = answer.next_after_person_id

    def hidden_persons(self, caller: common_pb2.RequestContext, person_ids: list[str], listing: str) -> set[str]:
        """Rule DV (ScreenListedPersons): which of a list's persons its caller may not see listed."""
        return dv_screen.hidden_persons(self._stub(), caller, person_ids, listing, timeout=self.deadline)

    def decision(self, change_id: str) -> dict[str, Any] | None:
        """The decision (change) `change_id` names: its kind and persons; None when svc-qualification has none."""
        try:
            found = self._call("GetDecision", pb.GetDecisionRequest(decision_id=change_id))
        except ApplyRejected as exc:
            if getattr(exc, "code", "") == "NOT_FOUND":
                return None
            raise
        return json_format.MessageToDict(found, preserving_proto_field_name=True)


def _translated(error: grpc.RpcError) -> Exception:
    code = error.code()
    if code in TRANSIENT:
        return ApplyUnavailable(f"svc-qualification: {code.name}")
    status = rpc.read_status(error)
    fields, _info = rpc.unpack_details(status) if status else ([], None)
    rejected = ApplyRejected(
        f"{fields[0].description if fields else (error.details() or code.name)} ({code.name})",
        fields[0].field if fields else "",
    )
    rejected.code = code.name
    return rejected
