"""gRPC client of svc-qualification: resident changes go to ApplyResidentChanges with a deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import grpc

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi.qualification.v1 import qualification_pb2_grpc
from nhi_common import rpc

from ..domain.resident import ResidentChange
from ..service_layer.ports import ApplyRejected, ApplyUnavailable

OPERATOR_ID = "integration"
PER_CHANGE_SECONDS = 0.25  # added to the deadline for each change of a batch after the first
# Worth another delivery: the receiver may come back or catch up.
TRANSIENT = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.CANCELLED,
    }
)


def to_message(change: ResidentChange) -> pb.ResidentChange:
    """The change as svc-qualification applies it (its kind `applies_as`, no sequence numbers), built field by
    field: a batch of hundreds went through ParseDict at a tenth of svc-integration's time."""
    address = change.address
    return pb.ResidentChange(
        change_id=change.change_id,
        change_kind=change.applies_as,
        event_date=change.event_date.isoformat(),
        notified_on=change.notified_on.isoformat(),
        household_id=change.household_id,
        head_person_id=change.head_person_id,
        address=pb.Address(
            postal_code=address.postal_code,
            address_code=address.address_code,
            address=address.address,
            building=address.building,
            district_code=address.district_code,
        ),
        previous_municipality=change.previous_municipality,
        persons=[
            pb.ResidentPerson(
                person_id=p.person_id,
                name_kanji=p.name_kanji,
                name_kana=p.name_kana,
                birth_date=p.birth_date.isoformat(),
                sex=p.sex,
                relationship=p.relationship,
                listing_order=p.listing_order,
                my_number=p.my_number,
                nationality=p.nationality,
                residence_status=p.residence_status,
                residence_expires_on=p.residence_expires_on.isoformat() if p.residence_expires_on else "",
                dv_support=p.dv_support,
            )
            for p in change.persons
        ],
    )


def outcome(result: pb.AppliedChange) -> dict[str, Any]:
    """What svc-qualification did with one change, as the JSON mapping would give it (fields left empty are left
    out), read field by field: MessageToDict cost as much as the request's building for a batch of hundreds."""
    found: dict[str, Any] = {}
    if result.change_id:
        found["change_id"] = result.change_id
    if result.outcome:
        found["outcome"] = result.outcome
    if result.person_ids:
        found["person_ids"] = list(result.person_ids)
    if result.intake_item_id:
        found["intake_item_id"] = result.intake_item_id
    return found


class QualificationClient:
    """ResidentSink over gRPC (QualificationService.ApplyResidentChanges)."""

    def __init__(self, channel: rpc.LazyChannel, *, deadline: float, business_date: dt.date | None = None) -> None:
        self.channel = channel
        self.deadline = deadline
        self.business_date = business_date

    def apply(self, change: ResidentChange, *, idempotency_key: str) -> list[dict[str, Any]]:
        return self.apply_many([change], idempotency_key=idempotency_key)

    def apply_many(self, changes: list[ResidentChange], *, idempotency_key: str) -> list[dict[str, Any]]:
        """Several changes in one call, applied by svc-qualification in one unit of work (each claimed by its
        change id there): the outcomes in order; one refusal refuses them all."""
        stub = qualification_pb2_grpc.QualificationServiceStub(self.channel.get())
        context = common_pb2.RequestContext(
            operator_id=OPERATOR_ID,
            idempotency_key=idempotency_key,
            business_date=self.business_date.isoformat() if self.business_date else "",
        )
        request = pb.ApplyResidentChangesRequest(context=context, changes=[to_message(c) for c in changes])
        try:
            # The deadline grows with the batch: svc-qualification applies the changes one after another.
            timeout = self.deadline + PER_CHANGE_SECONDS * (len(changes) - 1)
            response = stub.ApplyResidentChanges(request, timeout=timeout)
        except grpc.RpcError as error:
            code = error.code()
            if code in TRANSIENT:
                raise ApplyUnavailable(f"svc-qualification: {code.name}") from None
            fields, _info = rpc.unpack_details(rpc.read_status(error)) if rpc.read_status(error) else ([], None)
            field = fields[0].field if fields else ""
            message = fields[0].description if fields else (error.details() or code.name)
            raise ApplyRejected(f"{message} ({code.name})", field) from None
        return [outcome(r) for r in response.results]
