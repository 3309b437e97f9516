"""再交付 (reissue): a new record of the same document, never a silent regeneration from data changed since."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from nhi_common.errors import InvalidInput, NotFound

from .ports import DocumentStore
from .services import ISSUED_SUBJECT, ISSUED_TYPE

log = logging.getLogger(__name__)
REASONS = ("lost", "damaged", "stolen", "other")  # 紛失, 汚損, 盗難, その他


def reissue(store: DocumentStore, *, document_id: str, reason: str, operator_id: str, today: dt.date) -> dict[str, Any]:
    """The original's bytes under a new record: reissue_count one more than the chain's last, reissue_of the
    original (the first of the chain). Anything that changed since needs a new issue, not a reissue."""
    if not document_id:
        raise InvalidInput("document_id", "is required", rule="required", code="REQUIRED")
    if reason not in REASONS:
        raise InvalidInput("reason", "must be one of " + ", ".join(REASONS), rule="enum", code="INVALID_ARGUMENT")
    new_id = str(uuid.uuid4())
    with store.transaction() as tx:
        source = tx.get_document(document_id, with_content=True)
        if source is None:
            raise NotFound("document", document_id)
        original = source["reissue_of"] or source["id"]
        count = tx.last_reissue_count(original) + 1
        tx.add_document(
            document_id=new_id,
            kind=source["kind"],
            title=source["title"],
            person_id=source["person_id"],
            household_id=source["household_id"],
            media_type=source["media_type"],
            content=source["content"],
            sha256=source["sha256"],
            issued_on=source["issued_on"],
            valid_until=source["valid_until"],
            certificate_number=None,  # the number stays the original's: one certificate, printed again
            reasons=source["reasons"],
            operator_id=operator_id or "system",
            created_at=dt.datetime.now(dt.timezone.utc),
            template_version=source["template_version"],
            subject_kind=source["subject_kind"],
            reissue_of=original,
            reissue_count=count,
        )
        tx.add_event(
            nats_subject=ISSUED_SUBJECT,
            type=ISSUED_TYPE,
            subject=new_id,
            data={
                "document_id": new_id,
                "kind": source["kind"],
                "person_id": source["person_id"],
                "household_id": source["household_id"],
                "issued_on": source["issued_on"].isoformat(),
                "valid_until": source["valid_until"].isoformat() if source["valid_until"] else "",
                "certificate_number": source["certificate_number"] or "",
                "sha256": source["sha256"],
                "reissue_of": original,
                "reissue_count": count,
                "reissued_on": today.isoformat(),
            },
        )
        tx.audit(
            operator_id=operator_id,
            action="document.reissued",
            target_kind="document",
            target_id=new_id,
            detail=f"{source['kind']} reissue {count} of {original} ({reason})",
        )
        meta = tx.get_document(new_id)
    log.info("document %s reissued as %s (%d)", original, new_id, count)
    return meta
