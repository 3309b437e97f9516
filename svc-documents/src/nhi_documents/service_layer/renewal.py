"""The annual renewal (一斉更新): who gets which certificate on the renewal date, and how the print run is cut.

Each person gets every certificate CERT-KIND names as due on the renewal date (資格確認書, or 資格情報のお知らせ for a
マイナ保険証-registered person; a 70-74 person holding a 資格確認書 also a 高齢受給者証). Facts and drawing go through
DocumentService's facts and the document models, so a certificate issued in the renewal is the one the counter would
issue on that day."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from nhi_common.errors import DomainError, NotFound
from nhi_common.reasons import Reason

from ..domain import documents, kinds
from ..domain.certificate import NotInsured
from ..domain.characters import TextOverflow, UndrawableCharacter
from ..domain.documents import PersonFacts
from .services import DocumentService

KIND = "annual_renewal"
# What the renewal issues: whichever of these CERT-KIND names as due for the person on the renewal date.
RENEWAL_KINDS = ("eligibility_certificate", "qualification_notice", "elderly_recipient_certificate")
TEMPLATE_REVISION = 1  # the layouts of domain.documents; stored as eligibility_certificate/1
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
    valid_until: dt.date | None
    certificate_number: str
    reasons: list[dict[str, Any]]
    substituted: tuple[Reason, ...] = ()  # an IVS printed as its base character (NHI_PDF_IVS_BASE_FALLBACK)


def gather(service: DocumentService, *, person_id: str, day: dt.date, operator: str) -> PersonFacts | str:
    """The person's facts and the certificates due on `day`; else why nothing can be issued (the outcome kept for
    the person: 'not_insured', 'not_found', or the code svc-qualification refused with, e.g. 'aged_75')."""
    try:
        return service.due_facts(person_id, operator=operator, day=day)
    except NotInsured:
        return "not_insured"
    except NotFound:
        return "not_found"
    except DomainError as refused:
        return refused.code.lower()


def gather_chunk(
    service: DocumentService, person_ids: list[str], *, day: dt.date, operator: str
) -> dict[str, PersonFacts | str]:
    """`gather` for every person of a chunk: in one call to svc-qualification when its client has the bulk read
    (GetRenewalFacts), else person by person."""
    bulk = getattr(service.qualification, "renewal_facts", None)
    if bulk is None or not person_ids:
        return {p: gather(service, person_id=p, day=day, operator=operator) for p in person_ids}
    share_kinds = tuple(code for code in RENEWAL_KINDS if service._needs_share(kinds.KINDS[code]))  # noqa: SLF001
    return bulk(person_ids, day=day, operator_id=operator, burden_for_kinds=share_kinds)


def kinds_due(facts: PersonFacts, issuing: tuple[str, ...]) -> list[str]:
    """The kinds among `issuing` that CERT-KIND names as due for the person, in the order of `issuing`."""
    due = facts.due.kinds if facts.due is not None else ()
    return [kind for kind in issuing if kind in due]


def issue(
    service: DocumentService, facts: PersonFacts, *, kind: str, day: dt.date, number: str, document_id: str
) -> Issued | str:
    """The certificate of `kind` issued on `day`, drawn as the counter draws it; 'undrawable' when no font draws
    a character of it (recorded for the clerk's list, STD-文字), 'text_overflow' when a text cannot fit. An IVS
    printed as its base character is noted on the document (`substituted`) as at the counter."""
    model = documents.person_document(
        kinds.KINDS[kind],
        facts,
        service.printing,
        day=day,
        created_at=dt.datetime.now(dt.timezone.utc),
        options={},
        number=number,
    )
    try:
        content = service.renderer.render(model)
    except UndrawableCharacter as refused:
        service.record_refusal(refused)
        return "undrawable"
    except TextOverflow:
        return "text_overflow"
    substituted = service.substitutions(model)  # noted on the document as the counter notes it
    return Issued(
        document_id=document_id,
        kind=kind,
        title=model.title,
        person_id=facts.person.person_id,
        household_id=model.household_id,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        valid_until=model.valid_until,
        certificate_number=number,
        reasons=[r.as_dict() for r in model.reasons + substituted],
        substituted=substituted,
    )


def template_version(kind: str) -> str:
    return f"{kind}/{TEMPLATE_REVISION}"


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
    substituted: Iterable[dict[str, Any]] = (),
) -> dict[str, Any]:
    """What the print shop and the auditor check: files, sheets, persons, envelopes, counts per kind, and the
    documents that printed an IVS as its base character (文字要件, each also on the clerk's list)."""
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
        "substituted": list(substituted),
    }
