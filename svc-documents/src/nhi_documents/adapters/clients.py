"""gRPC client of svc-qualification: GetPerson, GetQualification, GetHousehold, GetCertificatesDue with deadlines,
as domain values and domain errors."""

from __future__ import annotations

import datetime as dt

import grpc

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi.qualification.v1 import qualification_pb2_grpc
from nhi_common import dv_screen, rpc
from nhi_common.errors import DomainError, NotFound

from ..domain.certificate import NotInsured
from ..domain.documents import PersonFacts
from ..domain.model import (
    Address,
    CertificateDue,
    CertificatesDue,
    HouseholdInfo,
    PersonInfo,
    QualificationInfo,
    Reason,
    ShareInfo,
    StatusInfo,
)
from ..service_layer.job_ports import InsuredPerson

UNAVAILABLE_CODES = frozenset(
    {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.RESOURCE_EXHAUSTED}
)

# Persons per GetRenewalFacts call: a chunk of the default size (200) in one call, since svc-qualification commits the
# call's audit row, one WAL flush (tens of ms on a busy disk), per call. Its deadline grows with the persons asked:
# GRPC_DEADLINE_SECONDS per RENEWAL_FACTS_PER_DEADLINE of them.
RENEWAL_FACTS_BATCH = 250
RENEWAL_FACTS_PER_DEADLINE = 50

# svc-qualification's refusals of GetCertificatesDue for a person its rules give no certificate (CERT-KIND, LOSS-AGE75,
# CERT-EXPIRY): 75 or over, the residence period ended, not yet born on the day.
NO_CERTIFICATE_REASONS = frozenset({"AGED_75", "RESIDENCE_PERIOD_ENDED", "BEFORE_BIRTH"})


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def to_address(message: pb.Address) -> Address:
    return Address(postal_code=message.postal_code, address=message.address, building=message.building)


def to_person(message: pb.Person) -> PersonInfo:
    return PersonInfo(
        person_id=message.person_id,
        household_id=message.household_id,
        name_kanji=message.name_kanji,
        name_kana=message.name_kana,
        birth_date=dt.date.fromisoformat(message.birth_date),
        sex=message.sex,
        address=to_address(message.address),
        nationality=message.nationality,
        residence_status=message.residence_status,
        residence_expires_on=_date(message.residence_expires_on),
        display_name=message.display_name,
        dv_support=message.dv_support,
        statuses=tuple(
            StatusInfo(
                kind=s.kind,
                start=_date(s.start),
                end=_date(s.end),
                display_name=s.display_name,
                separation_date=_date(s.separation_date),
                separation_code=s.separation_code,
            )
            for s in message.statuses
        ),
    )


def to_qualification(message: pb.QualificationView, as_of: dt.date) -> QualificationInfo:
    period = message.period if message.HasField("period") else None
    return QualificationInfo(
        person_id=message.person_id,
        as_of=_date(message.as_of) or as_of,
        insured=message.insured,
        insurer_number=period.insurer_number if period else "",
        symbol=period.symbol if period else "",
        number=period.number if period else "",
        branch_no=period.branch_no if period else "",
        acquired_on=_date(period.acquired_on) if period else None,
        lost_on=_date(period.lost_on) if period else None,
        acquired_reason=period.acquired_reason if period else "",
        lost_reason=period.lost_reason if period else "",
    )


def to_household(message: pb.Household) -> HouseholdInfo:
    return HouseholdInfo(
        household_id=message.household_id,
        head_person_id=message.head_person_id,
        symbol=message.symbol,
        number=message.number,
        address=to_address(message.address),
        members=tuple(to_person(m) for m in message.members),
    )


def to_reason(message: common_pb2.Reason) -> Reason:
    return Reason(rule_id=message.rule_id, summary=message.summary, basis=message.basis, facts=dict(message.facts))


def to_certificate_due(message: pb.CertificateDue) -> CertificateDue:
    return CertificateDue(
        kind=message.kind,
        person_id=message.person_id,
        valid_from=_date(message.valid_from),
        valid_until=_date(message.valid_until),
        reasons=tuple(to_reason(r) for r in message.reasons),
    )


def to_certificates_due(message: pb.GetCertificatesDueResponse, person_id: str, as_of: dt.date) -> CertificatesDue:
    return CertificatesDue(
        person_id=message.person_id or person_id,
        as_of=_date(message.as_of) or as_of,
        certificates=tuple(to_certificate_due(c) for c in message.certificates),
        reasons=tuple(to_reason(r) for r in message.reasons),
    )


class QualificationClient:
    """QualificationSource over gRPC (nhi.qualification.v1.QualificationService)."""

    def __init__(self, channel: rpc.LazyChannel, *, deadline: float) -> None:
        self.channel = channel
        self.deadline = deadline

    def _stub(self) -> qualification_pb2_grpc.QualificationServiceStub:
        return qualification_pb2_grpc.QualificationServiceStub(self.channel.get())

    @staticmethod
    def _context(operator_id: str, business_date: dt.date) -> common_pb2.RequestContext:
        return common_pb2.RequestContext(operator_id=operator_id, business_date=business_date.isoformat())

    def _call(self, method: str, request, kind: str, key: str, *, timeout: float | None = None):
        try:
            return getattr(self._stub(), method)(request, timeout=timeout or self.deadline)
        except grpc.RpcError as error:
            raise translate(error, kind, key) from None

    def hidden_persons(self, caller: common_pb2.RequestContext, person_ids: list[str], listing: str) -> set[str]:
        """Rule DV (ScreenListedPersons): which of a list's persons its caller may not see listed."""
        return dv_screen.hidden_persons(self._stub(), caller, person_ids, listing, timeout=self.deadline)

    def get_person(self, person_id: str, *, operator_id: str, business_date: dt.date) -> PersonInfo:
        message = self._call(
            "GetPerson",
            pb.GetPersonRequest(person_id=person_id, context=self._context(operator_id, business_date)),
            "person",
            person_id,
        )
        return to_person(message)

    def get_qualification(
        self, person_id: str, *, as_of: dt.date, operator_id: str, business_date: dt.date
    ) -> QualificationInfo:
        message = self._call(
            "GetQualification",
            pb.GetQualificationRequest(
                person_id=person_id, as_of=as_of.isoformat(), context=self._context(operator_id, business_date)
            ),
            "person",
            person_id,
        )
        return to_qualification(message, as_of)

    def get_household(self, household_id: str, *, operator_id: str, business_date: dt.date) -> HouseholdInfo:
        message = self._call(
            "GetHousehold",
            pb.GetHouseholdRequest(household_id=household_id, context=self._context(operator_id, business_date)),
            "household",
            household_id,
        )
        return to_household(message)

    def certificates_due(self, person_id: str, *, operator_id: str, business_date: dt.date) -> CertificatesDue:
        """CERT-KIND and CERT-EXPIRY as svc-qualification decides them for the business date.

        Raises NotInsured when the person is not insured on the business date, a DomainError with svc-qualification's
        code when its rules give the person no certificate (NO_CERTIFICATE_REASONS)."""
        try:
            message = self._stub().GetCertificatesDue(
                pb.GetCertificatesDueRequest(person_id=person_id, context=self._context(operator_id, business_date)),
                timeout=self.deadline,
            )
        except grpc.RpcError as error:
            translated = translate(error, "person", person_id)
            if isinstance(translated, rpc.ServiceError) and translated.code == grpc.StatusCode.FAILED_PRECONDITION:
                if translated.reason == "NOT_INSURED":
                    raise NotInsured(person_id, business_date) from None
                if translated.reason in NO_CERTIFICATE_REASONS:
                    # A refusal of the rules that a batch records for the person, not a failure of the call.
                    problem = translated.fields[0] if translated.fields else rpc.FieldProblem("person_id", "", "")
                    raise DomainError(
                        problem.field, translated.message, rule=problem.rule, code=translated.reason
                    ) from None
            raise translated from None
        return to_certificates_due(message, person_id, business_date)

    def share(
        self, person_id: str, household_id: str, *, as_of: dt.date, operator_id: str, business_date: dt.date
    ) -> ShareInfo:
        """The person's share as svc-qualification determines it for the household (a dry run: nothing stored)."""
        message = self._call(
            "DetermineBurdenRatio",
            pb.DetermineBurdenRatioRequest(
                household_id=household_id,
                as_of=as_of.isoformat(),
                dry_run=True,
                context=self._context(operator_id, business_date),
            ),
            "household",
            household_id,
        )
        person = next((p for p in message.persons if p.person_id == person_id), None)
        return ShareInfo(
            person_id=person_id,
            elder=bool(person and person.elder),
            ratio_percent=person.ratio_percent if person else 0,
            limit_category=person.limit_category if person else message.limit_category,
            pending=message.pending,
            as_of=_date(message.as_of) or as_of,
        )

    def renewal_facts(
        self, person_ids: list[str], *, day: dt.date, operator_id: str, burden_for_kinds: tuple[str, ...]
    ) -> dict[str, PersonFacts | str]:
        """The facts of a chunk's persons on `day` in one call (GetRenewalFacts): per person what `due_facts` gathers
        with four or five calls, or why nothing can be issued ('not_insured', 'not_found', svc-qualification's refusal
        code in lower case, as renewal.gather answers). Asked RENEWAL_FACTS_BATCH persons at a time, each call with
        the deadline of RENEWAL_FACTS_PER_DEADLINE persons times as many, so that it stays as far within its deadline
        on a loaded machine as a call of that many did."""
        found: dict[str, PersonFacts | str] = {}
        for start in range(0, len(person_ids), RENEWAL_FACTS_BATCH):
            part = person_ids[start : start + RENEWAL_FACTS_BATCH]
            message = self._call(
                "GetRenewalFacts",
                pb.GetRenewalFactsRequest(
                    person_ids=part, burden_for_kinds=burden_for_kinds, context=self._context(operator_id, day)
                ),
                "person",
                part[0],
                timeout=self.deadline * max(1.0, len(part) / RENEWAL_FACTS_PER_DEADLINE),
            )
            found.update(self._renewal_facts(message, day, operator_id))
        return found

    def _renewal_facts(
        self, message: pb.GetRenewalFactsResponse, day: dt.date, operator_id: str
    ) -> dict[str, PersonFacts | str]:
        households = {h.household_id: to_household(h) for h in message.households}
        burdens = {b.household_id: b for b in message.burdens}
        found: dict[str, PersonFacts | str] = {}
        for entry in message.persons:
            person_id = entry.person_id
            if entry.HasField("refusal"):
                found[person_id] = _refused(entry.refusal)
                continue
            qualification = to_qualification(entry.qualification, day)
            if not qualification.insured:
                found[person_id] = "not_insured"
                continue
            person = to_person(entry.person)
            household = households[person.household_id]
            head = household.member(household.head_person_id)
            if head is None and household.head_person_id:
                head = self.get_person(household.head_person_id, operator_id=operator_id, business_date=day)
            burden = burdens.get(person.household_id)
            found[person_id] = PersonFacts(
                person=person,
                qualification=qualification,
                household=household,
                head_name=head.name_kanji if head is not None else "",
                due=to_certificates_due(entry.due, person_id, day),
                share=_share(burden, person_id, day) if burden is not None else None,
            )
        return found


def _share(message: pb.DetermineBurdenRatioResponse, person_id: str, as_of: dt.date) -> ShareInfo:
    person = next((p for p in message.persons if p.person_id == person_id), None)
    return ShareInfo(
        person_id=person_id,
        elder=bool(person and person.elder),
        ratio_percent=person.ratio_percent if person else 0,
        limit_category=person.limit_category if person else message.limit_category,
        pending=message.pending,
        as_of=_date(message.as_of) or as_of,
    )


def _refused(refusal: pb.RenewalRefusal) -> str:
    """A person's refusal in GetRenewalFacts as the outcome renewal.gather records; a refusal that is no outcome
    (svc-qualification failing) raises, as the single call did, and the chunk is tried again."""
    if refusal.code == "NOT_FOUND":
        return "not_found"
    if refusal.reason == "NOT_INSURED":
        return "not_insured"
    if refusal.code in ("FAILED_PRECONDITION", "INVALID_ARGUMENT", "PERMISSION_DENIED") and refusal.reason:
        return refusal.reason.lower()
    raise rpc.ServiceError(
        grpc.StatusCode.INTERNAL, f"svc-qualification failed ({refusal.code})", reason="QUALIFICATION_FAILED"
    )


class InsuredListClient:
    """InsuredList over gRPC (ListInsuredPersons), pages of 1,000."""

    def __init__(self, channel: rpc.LazyChannel, *, deadline: float, page_size: int = 1000) -> None:
        self.channel = channel
        self.deadline = deadline
        self.page_size = page_size

    def list_insured(
        self,
        *,
        as_of: dt.date,
        after: str,
        operator_id: str,
        business_date: dt.date,
        births: tuple[dt.date | None, dt.date | None] = (None, None),
    ) -> tuple[list[InsuredPerson], str]:
        request = pb.ListInsuredPersonsRequest(
            context=QualificationClient._context(operator_id, business_date),
            as_of=as_of.isoformat(),
            after_person_id=after,
            page_size=self.page_size,
            birth_from=births[0].isoformat() if births[0] else "",
            birth_to=births[1].isoformat() if births[1] else "",
        )
        try:
            stub = qualification_pb2_grpc.QualificationServiceStub(self.channel.get())
            message = stub.ListInsuredPersons(request, timeout=self.deadline)
        except grpc.RpcError as error:
            raise translate(error, "person", after) from None
        persons = [
            InsuredPerson(
                person_id=p.person_id,
                household_id=p.household_id,
                birth_date=dt.date.fromisoformat(p.birth_date),
                postal_code=p.postal_code,
            )
            for p in message.persons
        ]
        return persons, message.next_after_person_id


def translate(error: grpc.RpcError, kind: str, key: str) -> NotFound | rpc.ServiceError:
    """A failed call to svc-qualification as the error this service's caller sees."""
    code = error.code()
    if code == grpc.StatusCode.NOT_FOUND:
        return NotFound(kind, key)
    if code in UNAVAILABLE_CODES:
        return rpc.ServiceError(
            grpc.StatusCode.UNAVAILABLE,
            f"svc-qualification did not answer ({code.name})",
            reason="QUALIFICATION_UNAVAILABLE",
        )
    status = rpc.read_status(error)
    fields, info = rpc.unpack_details(status) if status is not None else ([], None)
    if code in (
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.PERMISSION_DENIED,
    ):
        return rpc.ServiceError(
            code,
            f"svc-qualification: {error.details() or code.name}",
            reason=info.reason if info else code.name,
            fields=fields,
        )
    return rpc.ServiceError(
        grpc.StatusCode.INTERNAL, f"svc-qualification failed ({code.name})", reason="QUALIFICATION_FAILED"
    )
