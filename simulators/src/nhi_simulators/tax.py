"""The resident-tax system (個人住民税): a person's income of one year on tax.v1.income, unknown items left out."""

from __future__ import annotations

import uuid
from typing import Any

from nhi_common.events import Event

from . import feed_publish

SUBJECT = "tax.v1.income"
EVENT_TYPE = "jp.lg.tax.income.v1"
AMOUNTS = ("taxable_income", "total_income", "kyu_tadashigaki_income", "gross_income", "public_pension_income")


def income(person_id: str, *, income_year: int, non_taxed: bool | None = None, **amounts: int | None) -> dict:
    """One income record in the feed's wire schema (docs/feeds/income.md); an amount not given is left out."""
    unknown = sorted(set(amounts) - set(AMOUNTS))
    if unknown:
        raise ValueError(f"not an income item: {unknown[0]}")
    data: dict[str, Any] = {"record_id": f"tax-{uuid.uuid4()}", "person_id": person_id, "income_year": income_year}
    data.update({key: value for key, value in amounts.items() if value is not None})
    if non_taxed is not None:
        data["non_taxed"] = non_taxed
    return data


def publish(nats_url: str, data: dict[str, Any], *, municipality_id: str = "midori") -> Event:
    event = feed_publish.new_event(
        source=f"urn:resident-tax:{municipality_id}", type=EVENT_TYPE, subject=data["person_id"], data=data
    )
    return feed_publish.publish(nats_url, SUBJECT, event)
