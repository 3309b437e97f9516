"""The annual renewal (一斉更新): who gets which certificate on the renewal date, and how the print run is cut.

Rendering goes through DocumentService's facts and renderer port, so a certificate issued in the renewal is the one
the counter would issue on that day."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from ..domain import certificate
from ..domain.certificate import NotDue, NotInsured
from .services import DocumentService

KIND = "annual_renewal"
TEMPLATE_VERSION = "eligibility_certificate/1"
MAILINGS = ("household", "person")
MAIL_CLASSES = ("ordinary", "registered_simple")  # 普通郵便, 簡易書留


@dataclasses.dataclass(frozen=True)
class Issued:
    """One certificate rendered for a person in a job, not yet stored."""

    document_id: str
    kind: str
    title: str
    person_id: str
    household_id: str
    content: bytes
    sha256: str
    valid_until: dt.date
    certificate_number: str
    reasons: list[dict[str, Any]]


def issue_eligibility_certificate(
    service: DocumentService, *, person_id: str, day: dt.date, operator: str, number: str, document_id: str
) -> Issued | str:
    """The 資格確認書 due on `day`, rendered; else why not ('not_due': CERT-KIND gives another kind,
    'not_insured': no qualification on that day)."""
    try:
        facts = service._gather(person_id, "", operator, day)
        eligibility = certificate.eligibility_due(facts["due"])
    except NotDue:
        return "not_due"
    except NotInsured:
        return "not_insured"
    cert = certificate.build_eligibility_certificate(
        person=facts["person"],
        qualification=facts["qualification"],
        household=facts["household"],
        head_name=facts["head_name"],
        issued_on=day,
        due=eligibility,
        with_elderly_certificate=certificate.ELDERLY_RECIPIENT_CERTIFICATE in facts["due"].kinds,
        number=number,
        insurer_number=service.insurer_number,
        insurer_name=service.municipality_name,
    )
    content = service.renderer.eligibility_certificate(cert)
    return Issued(
        document_id=document_id,
        kind=certificate.KIND,
        title=cert.title,
        person_id=person_id,
        household_id=cert.household_id,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        valid_until=eligibility.valid_until,
        certificate_number=number,
        reasons=[r.as_dict() for r in cert.reasons],
    )


def print_files(items: Iterable[dict[str, Any]], *, max_sheets: int, mailing: str) -> list[list[dict[str, Any]]]:
    """Cut the print run (already by postal code, household, person) into files of at most `max_sheets` sheets;
    mailed per household, a household's envelope is never split across two files unless it alone is too big."""
    files: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    sheets = 0
    for envelope in envelopes(items, mailing=mailing):
        size = sum(item["sheets"] for item in envelope)
        if current and sheets + size > max_sheets:
            files.append(current)
            current, sheets = [], 0
        for item in envelope:
            if current and sheets + item["sheets"] > max_sheets:
                files.append(current)
                current, sheets = [], 0
            current.append(item)
            sheets += item["sheets"]
    if current:
        files.append(current)
    return files


def envelopes(items: Iterable[dict[str, Any]], *, mailing: str) -> list[list[dict[str, Any]]]:
    """The envelopes of the run: one per household or one per person."""
    groups: list[list[dict[str, Any]]] = []
    for item in items:
        same = groups and mailing == "household" and groups[-1][0]["household_id"] == item["household_id"]
        if same:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def manifest(
    *,
    job: dict[str, Any],
    files: list[dict[str, Any]],
    items: list[dict[str, Any]],
    outcomes: dict[str, int],
    mailing: str,
    mail_class: str,
) -> dict[str, Any]:
    """What the print shop and the auditor check: files, sheets, persons, envelopes, counts per kind."""
    per_kind: dict[str, int] = {}
    for item in items:
        per_kind[item["kind"]] = per_kind.get(item["kind"], 0) + 1
    return {
        "job_id": job["job_id"],
        "kind": job["kind"],
        "renewal_date": job["parameters"].get("date", ""),
        "mailing": mailing,
        "mail_class": mail_class,
        "sort": ["postal_code", "household_id", "person_id"],
        "files": files,
        "totals": {
            "files": len(files),
            "sheets": sum(f["sheets"] for f in files),
            "documents": len(items),
            "persons": len({i["person_id"] for i in items}),
            "households": len({i["household_id"] for i in items}),
            "envelopes": len(envelopes(items, mailing=mailing)),
        },
        "counts_per_kind": per_kind,
        "outcomes": outcomes,
    }
