"""When a notification came and how far back it reaches: NOTIFY-14 (the 14-day deadline) and RETRO-LIMIT."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .errors import RuleViolation
from .model import Reason

if TYPE_CHECKING:
    from .decide import RuleConfig

NOTIFY_DAYS = 14


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def notification_timing(
    event_date: dt.date, notified_on: dt.date, business_date: dt.date, config: RuleConfig
) -> tuple[int, bool, list[Reason]]:
    """NOTIFY-14 and RETRO-LIMIT: late days and the back-dating flag, with their reasons."""
    if event_date > business_date:
        raise RuleViolation(
            "event_date",
            f"the event date {event_date} is after the business date {business_date}",
            rule="NOTIFY-14",
            code="EVENT_IN_FUTURE",
        )
    if notified_on > business_date:
        raise RuleViolation(
            "notified_on",
            f"the notification date {notified_on} is after the business date {business_date}",
            rule="NOTIFY-14",
            code="NOTIFIED_IN_FUTURE",
        )
    late_days, lateness = notify_14(event_date, notified_on)
    reasons: list[Reason] = [lateness]
    limit = years_before(business_date, config.retro_limit_years)
    retroactive = event_date < limit
    if retroactive:
        reasons.append(
            Reason(
                "RETRO-LIMIT",
                f"異動日が{config.retro_limit_years}年より前の遡及（保険料の扱いを確認）",
                "国民健康保険法第110条の2",
                {"event_date": event_date.isoformat(), "limit": limit.isoformat()},
            )
        )
    return late_days, retroactive, reasons


def notify_14(event_date: dt.date, notified_on: dt.date) -> tuple[int, Reason]:
    """NOTIFY-14: the days past the 14-day deadline (0 when in time), with its reason."""
    elapsed = (notified_on - event_date).days
    late_days = max(0, elapsed - NOTIFY_DAYS)
    return late_days, Reason(
        "NOTIFY-14",
        f"届出は異動日から{elapsed}日後" + (f"（期限を{late_days}日超過）" if late_days else "（期限内）"),
        "国民健康保険法第9条",
        {"event_date": event_date.isoformat(), "notified_on": notified_on.isoformat(), "late_days": str(late_days)},
    )
