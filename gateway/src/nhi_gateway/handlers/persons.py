"""Persons, households, qualification and history (svc-qualification)."""

from __future__ import annotations

from nhi.qualification.v1 import qualification_pb2 as pb

from ..auth import MYNUMBER_READ
from ..grpc_clients import page, to_json, to_page_json
from ..problems import Problem, field_error
from ..tokens import DV_READ
from . import lists
from ._common import backends, call_context, ok, principal

# Headings of the person search as a clerk's list.
PERSON_COLUMNS = {
    "person_id": "宛名番号",
    "household_id": "世帯番号",
    "name_kanji": "氏名",
    "name_kana": "カナ氏名",
    "birth_date": "生年月日",
    "sex": "性別",
    "relationship": "続柄",
    "resident_status": "住民状態",
    "insured": "国保被保険者",
}


def _my_number_read(*, by_my_number: bool = False, dv_address: bool = False, dv_listed: bool = False) -> str:
    """Why this request must give its purpose: it searches by My Number, its answer carries My Numbers unmasked
    (the caller holds mynumber:read), or it may carry the address of a household under a DV support measure or
    list its DV support-measure persons (the caller holds dv:read); '' when it need not."""
    if by_my_number:
        return "a search by my_number reads My Numbers"
    if MYNUMBER_READ in principal().scopes:
        return f"the scope {MYNUMBER_READ} reads My Numbers unmasked"
    if dv_address and DV_READ in principal().scopes:
        return f"the scope {DV_READ} reads the addresses of households under a DV support measure"
    if dv_listed and DV_READ in principal().scopes:
        return f"the scope {DV_READ} lists persons under a DV support measure"
    return ""


def search(
    name_kana=None,
    birth_date=None,
    symbol=None,
    number=None,
    branch_no=None,
    household_id=None,
    my_number=None,
    page_size=None,
    cursor=None,
    name_kana_match=None,
):
    """SearchPersons."""
    if my_number and MYNUMBER_READ not in principal().scopes:
        raise Problem(
            403,
            f"searching by my_number needs the scope {MYNUMBER_READ}",
            kind="forbidden",
            errors=[field_error("my_number", f"needs the scope {MYNUMBER_READ}", "scope")],
        )
    request = pb.SearchPersonsRequest(
        context=call_context(purpose_required_because=_my_number_read(by_my_number=bool(my_number), dv_listed=True)),
        name_kana=name_kana or "",
        birth_date=birth_date or "",
        symbol=symbol or "",
        number=number or "",
        branch_no=branch_no or "",
        household_id=household_id or "",
        my_number=my_number or "",
        name_kana_match=name_kana_match or "",
        page=page(page_size, cursor),
    )
    doc = to_page_json(backends().call("qualification", "SearchPersons", request))
    return lists.respond(doc, "persons", PERSON_COLUMNS, "persons")


def get(person_id):
    """GetPerson."""
    request = pb.GetPersonRequest(person_id=person_id, context=call_context(purpose_required_because=_my_number_read()))
    return ok(to_json(backends().call("qualification", "GetPerson", request)))


def household(household_id, as_of=None, known_at=None):
    """GetHousehold: members insured as of a date, as known at a moment."""
    request = pb.GetHouseholdRequest(
        household_id=household_id,
        as_of=as_of or "",
        known_at=known_at or "",
        context=call_context(purpose_required_because=_my_number_read(dv_address=True)),
    )
    return ok(to_json(backends().call("qualification", "GetHousehold", request)))


def qualification(person_id, as_of=None, known_at=None):
    """GetQualification."""
    request = pb.GetQualificationRequest(
        person_id=person_id,
        as_of=as_of or "",
        known_at=known_at or "",
        context=call_context(purpose_required_because=_my_number_read()),
    )
    return ok(to_json(backends().call("qualification", "GetQualification", request)))


def history(person_id):
    """GetHistory."""
    return ok(
        to_json(
            backends().call(
                "qualification", "GetHistory", pb.GetHistoryRequest(person_id=person_id, context=call_context())
            )
        )
    )
