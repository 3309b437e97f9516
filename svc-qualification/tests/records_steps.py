"""Shared steps of the records tests (corrections, ledger, change list): a household that moved in and joined."""

from __future__ import annotations

import sqlalchemy as sa

from nhi_qualification.adapters.tables import periods
from nhi_qualification.service_layer.context import Actor

CLERK = Actor("clerk-01")
BACKOFFICE = Actor("back-07")


def resident_move_in(service, household="H00000001", ids=("000000001", "000000002", "000000003"), since="2026-10-01"):
    """The registry's move-in, residents from `since`; the join is notified for 2026-11-01 (a date to correct)."""
    people = [
        {
            "person_id": pid,
            "name_kanji": f"山田 {i}",
            "name_kana": f"ヤマダ {i}",
            "birth_date": "1980-05-01",
            "sex": "1",
            "relationship": "世帯主" if i == 0 else "子",
            "listing_order": i + 1,
        }
        for i, pid in enumerate(ids)
    ]
    service.apply_resident_changes(
        [
            {
                "change_id": f"rc-{household}",
                "change_kind": "move_in",
                "event_date": since,
                "notified_on": since,
                "household_id": household,
                "head_person_id": ids[0],
                "persons": people,
            }
        ],
        Actor("integration"),
    )


def notify(
    service,
    person_ids,
    kind="join",
    reason="move_in",
    event_date="2026-11-01",
    notified_on="2026-11-05",
    actor=CLERK,
    household="H00000001",
):
    return service.submit_notification(
        {
            "kind": kind,
            "reason": reason,
            "household_id": household,
            "persons": [{"person_id": p} for p in person_ids],
            "event_date": event_date,
            "notified_on": notified_on,
            "identity_check": {"document_kind": "my_number_card", "checked_by": "clerk-01"},
        },
        actor,
    )


def current(engine, person_id):
    """The person's current, non-void versions (the latest by acquisition last)."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(periods)
                .where(periods.c.person_id == person_id, periods.c.superseded_at.is_(None))
                .order_by(periods.c.acquired_on)
            )
        )


def correction(row, **fields):
    return {"period_id": row.period_id, "version_id": row.version_id, "correction_reason": "入力誤り", **fields}
