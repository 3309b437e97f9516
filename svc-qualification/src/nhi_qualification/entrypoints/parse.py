"""Requests in: each gRPC message parsed and validated once, into the command or the arguments of a use case.

A field that is wrong is refused here, naming it (dotted path, `[i]` for list items) with a stable code. The text
fields of events and job messages are checked here too, for what no text column takes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.protobuf import json_format

from nhi.common.v1 import common_pb2
from nhi_common import paging
from nhi_common.text import CONTROL_CHARACTER

from ..domain import commands as c
from ..domain import residence
from ..domain.corrections import CorrectionRequest
from ..domain.errors import RuleViolation
from ..domain.numbers import my_number_problem
from ..service_layer.context import Actor
from ..service_layer.jobs import JOB_KINDS

INCOME_AMOUNTS = ("taxable_income", "gross_income", "kyu_tadashigaki_income", "public_pension_income", "total_income")


def field_with_control_character(data: dict[str, Any], fields: tuple[str, ...]) -> str | None:
    """The first of `fields` of an event's or a job message's data that is text holding a control character, or
    None. A consumer refuses such a message for good instead of failing the transaction it would be written in."""
    for field in fields:
        value = data.get(field)
        if isinstance(value, str) and CONTROL_CHARACTER.search(value):
            return field
    return None


def date(field: str, value: str) -> dt.date | None:
    """An ISO date, or None for an empty field."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RuleViolation(field, f"{value!r} is not a date (YYYY-MM-DD)", code="INVALID_DATE") from None


def required_date(field: str, value: str) -> dt.date:
    day = date(field, value)
    if day is None:
        raise RuleViolation(field, f"{value!r} is not a date (YYYY-MM-DD)", code="INVALID_DATE")
    return day


def moment(field: str, value: str) -> dt.datetime | None:
    """An RFC 3339 date-time (UTC when no offset is given), or None for an empty field."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RuleViolation(field, f"{value!r} is not an RFC 3339 date-time", code="INVALID_DATE") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def required(field: str, value: str, what: str) -> str:
    if not value:
        raise RuleViolation(field, f"{what} is required", code="REQUIRED")
    return value


def one_of(field: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise RuleViolation(field, f"{value!r} is not one of {', '.join(allowed)}", code="UNKNOWN_KIND")
    return value


def page_size(field: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise RuleViolation(field, f"must lie between {low} and {high}", code="INVALID_PAGE_SIZE")
    return value


def actor(context: common_pb2.RequestContext) -> Actor:
    return Actor(
        operator_id=context.operator_id or "anonymous",
        scopes=frozenset(context.scopes),
        business_date=date("business_date", context.business_date),
        idempotency_key=context.idempotency_key,
    )


def page(
    request: common_pb2.PageRequest, *, numeric: bool = True, default_size: int = paging.DEFAULT_SIZE
) -> paging.Page:
    return paging.parse(request.page_size, request.cursor, numeric=numeric, default_size=default_size)


def resident_changes(request) -> list[c.ResidentChange]:
    return [
        c.ResidentChange(
            change_id=change.change_id,
            change_kind=change.change_kind,
            event_date=required_date(f"changes[{i}].event_date", change.event_date),
            household_id=change.household_id,
            notified_on=date(f"changes[{i}].notified_on", change.notified_on),
            head_person_id=change.head_person_id,
            address=(
                json_format.MessageToDict(change.address, preserving_proto_field_name=True)
                if change.HasField("address")
                else {}
            ),
            persons=tuple(
                c.ResidentPerson(
                    person_id=p.person_id,
                    name_kanji=p.name_kanji,
                    name_kana=p.name_kana,
                    birth_date=required_date(f"changes[{i}].persons[{j}].birth_date", p.birth_date),
                    sex=p.sex,
                    relationship=p.relationship,
                    listing_order=p.listing_order,
                    my_number=p.my_number,
                    nationality=p.nationality,
                    residence_status=residence.as_code(
                        f"changes[{i}].persons[{j}].residence_status", p.residence_status
                    ),
                    residence_expires_on=date(
                        f"changes[{i}].persons[{j}].residence_expires_on", p.residence_expires_on
                    ),
                    dv_support=p.dv_support,
                )
                for j, p in enumerate(change.persons)
            ),
        )
        for i, change in enumerate(request.changes)
    ]


def notification(request) -> c.SubmitNotification:
    if not request.persons:
        raise RuleViolation("persons", "at least one person is required", code="REQUIRED")
    for index, person in enumerate(request.persons):
        problem = my_number_problem(person.my_number) if person.my_number else None
        if problem:
            raise RuleViolation(f"persons[{index}].my_number", problem, rule="NUM-MYNUMBER", code="INVALID_MY_NUMBER")
    if not request.identity_check.document_kind:
        raise RuleViolation("identity_check.document_kind", "the identity check must be recorded", code="REQUIRED")
    return c.SubmitNotification(
        kind=request.kind,
        reason=request.reason,
        household_id=request.household_id,
        persons=tuple(c.NotificationPerson(p.person_id, p.my_number) for p in request.persons),
        event_date=required_date("event_date", request.event_date),
        notified_on=required_date("notified_on", request.notified_on),
        identity_check={
            "document_kind": request.identity_check.document_kind,
            **({"checked_by": request.identity_check.checked_by} if request.identity_check.checked_by else {}),
        },
        dry_run=request.dry_run,
        expected_household_version=request.expected_household_version,
        statuses=tuple(
            c.StatusClaim(
                person_id=s.person_id,
                kind=s.kind,
                start=required_date(f"statuses[{i}].start", s.start),
                end=date(f"statuses[{i}].end", s.end),
                evidence=tuple(s.evidence),
                separation_date=date(f"statuses[{i}].separation_date", s.separation_date),
                separation_code=s.separation_code or None,
                display_name=s.display_name,
                status_id=s.status_id or None,
            )
            for i, s in enumerate(request.statuses)
        ),
        new_head_person_id=request.new_head_person_id,
        prefecture_acquired_on=date("prefecture_acquired_on", request.prefecture_acquired_on),
    )


def correction(request) -> c.CorrectQualification:
    required("period_id", request.period_id, "the period to correct")
    if request.version_id <= 0:
        raise RuleViolation("version_id", "the version being corrected is required", code="REQUIRED")
    return c.CorrectQualification(
        request.period_id,
        request.version_id,
        CorrectionRequest(
            correction_reason=request.correction_reason.strip(),
            acquired_on=date("acquired_on", request.acquired_on),
            lost_on=date("lost_on", request.lost_on),
            clear_lost_on=request.clear_lost_on,
            acquired_reason=request.acquired_reason,
            lost_reason=request.lost_reason,
            notified_on=date("notified_on", request.notified_on),
            relationship=request.relationship.strip(),
            listing_order=request.listing_order,
            undo=request.undo,
        ),
    )


def prefecture_acquisition(request) -> c.RecordPrefectureAcquisition:
    required("person_id", request.person_id, "the person whose period it is")
    required("period_id", request.period_id, "the period the aggregation system answered")
    return c.RecordPrefectureAcquisition(
        person_id=request.person_id,
        period_id=request.period_id,
        prefecture_acquired_on=required_date("prefecture_acquired_on", request.prefecture_acquired_on),
        source_change_id=request.source_change_id,
    )


def certificate_issued(certificate) -> c.RecordCertificateIssued:
    required("certificate.person_id", certificate.person_id, "the holder")
    return c.RecordCertificateIssued(
        kind=certificate.kind,
        person_id=certificate.person_id,
        certificate_id=certificate.certificate_id,
        household_id=certificate.household_id,
        certificate_number=certificate.certificate_number,
        issued_on=date("certificate.issued_on", certificate.issued_on),
        valid_from=date("certificate.valid_from", certificate.valid_from),
        valid_until=date("certificate.valid_until", certificate.valid_until),
        document_id=certificate.document_id,
        note=certificate.note,
    )


def certificate_return(request) -> c.RegisterCertificateReturn:
    required("certificate_id", request.certificate_id, "the certificate")
    return c.RegisterCertificateReturn(
        request.certificate_id, request.outcome, date("returned_on", request.returned_on), request.note
    )


def incomes(facts, field: str = "incomes") -> tuple[c.IncomeFact, ...]:
    out = []
    for index, fact in enumerate(facts):
        required(f"{field}[{index}].person_id", fact.person_id, "the person")
        # An amount not given is unknown (proto3 optional: its presence is on the wire), never 0.
        amounts = {column: getattr(fact, column) if fact.HasField(column) else None for column in INCOME_AMOUNTS}
        for column, value in amounts.items():
            if value is not None and value < 0:
                raise RuleViolation(f"{field}[{index}].{column}", "an amount cannot be negative", code="REQUIRED")
        out.append(c.IncomeFact(fact.person_id, fact.income_year or None, **amounts, non_taxed=fact.non_taxed))
    return tuple(out)


def record_incomes(request) -> c.RecordIncomeFacts:
    return c.RecordIncomeFacts(incomes(request.incomes))


def burden_request(request) -> c.DetermineBurdenRatio:
    required("household_id", request.household_id, "the household")
    return c.DetermineBurdenRatio(
        request.household_id, date("as_of", request.as_of), incomes(request.incomes), request.dry_run
    )


def start_job(request) -> c.StartJob:
    kind, params = request.kind, dict(request.parameters)
    if kind not in JOB_KINDS:
        raise RuleViolation(
            "kind", f"unknown job kind {kind!r}; one of {', '.join(JOB_KINDS)}", code="UNKNOWN_JOB_KIND"
        )
    unknown = set(params) - ({"date", "month"} if kind == JOB_KINDS[0] else {"date"})
    if unknown:
        name = sorted(unknown)[0]
        raise RuleViolation(f"parameters.{name}", f"{kind} takes no parameter {name!r}", code="UNKNOWN_PARAMETER")
    month = params.get("month", "")
    if month:
        if params.get("date"):
            raise RuleViolation("parameters.month", "give either date or month, not both", code="CONFLICTING_FIELDS")
        try:
            year, number = (int(x) for x in month.split("-"))
            dt.date(year, number, 1)
        except ValueError:
            raise RuleViolation(
                "parameters.month", f"{month!r} is not a month (YYYY-MM)", code="INVALID_DATE"
            ) from None
    return c.StartJob(kind, date("parameters.date", params.get("date", "")), month)
