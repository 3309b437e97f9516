"""How dates and moments leave the service layer: ISO text, empty for none, moments always in UTC."""

from __future__ import annotations

import datetime as dt


def iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def aware_iso(value: dt.datetime | None) -> str:
    """A stored moment as RFC 3339; SQLite hands back naive datetimes, and everything is stored in UTC."""
    if value is None:
        return ""
    return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).isoformat()
