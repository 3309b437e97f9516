"""svc-qualification as the sub-copy link needs it: a person's household, My Number and DV flag (each My Number
read is audited there as svc-interchange's), the burden-ratio re-determination a query answer feeds, and the
prefecture acquisition date the aggregation system returns (ACQ-MOVE-IN-PREF)."""

from __future__ import annotations

from typing import Any

import grpc

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as qpb
from nhi.qualification.v1 import qualification_pb2_grpc
from nhi_common import dv_screen, rpc
from nhi_common.errors import InvalidInput

from ..service_layer.ports import PersonFacts, WriteBackRefused

OPERATOR = "svc-interchange"
# The write-back is the aggregation_import batch's: its decision record is an automatic one (origin batch).
WRITE_BACK_OPERATOR = f"batch:aggregation_import:{OPERATOR}"
DEADLINE = 10.0
TRANSIENT = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.RESOURCE_EXHAUSTED}


class QualificationLink:
    """PersonDirectory, BurdenDecisions and PrefectureAcquisitions over QualificationService."""

    def __init__(self, address: str) -> None:
        self.channel = rpc.LazyChannel(address)

    def _stub(self):
        return qualification_pb2_grpc.QualificationServiceStub(self.channel.get())

    def person(self, person_id: str) -> PersonFacts | None:
        context = common_pb2.RequestContext(operator_id=OPERATOR, scopes=["mynumber:read"])
        try:
            found = self._stub().GetPerson(qpb.GetPersonRequest(person_id=person_id, context=context), timeout=DEADLINE)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return PersonFacts(found.person_id, found.household_id, found.my_number, found.dv_support)

    def hidden_persons(self, caller: common_pb2.RequestContext, person_ids: list[str], listing: str) -> set[str]:
        """Rule DV (ScreenListedPersons): which of a list's persons its caller may not see listed."""
        return dv_screen.hidden_persons(self._stub(), caller, person_ids, listing, timeout=DEADLINE)

    def income_year(self, household_id: str) -> int:
        request = qpb.DetermineBurdenRatioRequest(
            context=common_pb2.RequestContext(operator_id=OPERATOR), household_id=household_id, dry_run=True
        )
        return self._determine(request).income_year

    def redetermine(self, household_id: str, income: dict[str, Any], *, key: str) -> dict[str, Any]:
        fact = qpb.IncomeFact(
            person_id=income["person_id"],
            income_year=income["income_year"],
            non_taxed=bool(income.get("non_taxed")),
            **{k: v for k, v in income.items() if k.endswith("_income") and v is not None},
        )
        request = qpb.DetermineBurdenRatioRequest(
            context=common_pb2.RequestContext(operator_id=OPERATOR, idempotency_key=key),
            household_id=household_id,
            incomes=[fact],
        )
        answer = self._determine(request)
        return {
            "determination_id": answer.determination_id,
            "ratio_percent": answer.ratio_percent,
            "pending": answer.pending,
        }

    def record_prefecture_acquisition(
        self, *, person_id: str, period_id: str, prefecture_acquired_on: str, source_change_id: str
    ) -> str:
        """ACQ-MOVE-IN-PREF into svc-qualification, once per period, date and answered change (Idempotency-Key)."""
        request = qpb.RecordPrefectureAcquisitionRequest(
            context=common_pb2.RequestContext(
                operator_id=WRITE_BACK_OPERATOR,
                idempotency_key=f"prefecture-acquisition/{period_id}/{prefecture_acquired_on}/{source_change_id}",
            ),
            person_id=person_id,
            period_id=period_id,
            prefecture_acquired_on=prefecture_acquired_on,
            source_change_id=source_change_id,
        )
        try:
            answer = self._stub().RecordPrefectureAcquisition(request, timeout=DEADLINE)
        except grpc.RpcError as exc:
            if exc.code() in TRANSIENT:
                raise
            raise WriteBackRefused(exc.details() or str(exc.code())) from None
        return answer.outcome

    def _determine(self, request) -> qpb.DetermineBurdenRatioResponse:
        try:
            return self._stub().DetermineBurdenRatio(request, timeout=DEADLINE)
        except grpc.RpcError as exc:
            if exc.code() in TRANSIENT:
                raise
            # svc-qualification refused the determination the answer was to feed (2.9.3's result check)
            raise InvalidInput(
                "household_id", exc.details() or str(exc.code()), code="INVALID_ARGUMENT", rule="BURDEN-PENDING"
            ) from None
