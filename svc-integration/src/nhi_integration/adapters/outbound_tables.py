"""Tables of the outbound feeds (migration 0004): the records in feed order, and what the feeds know of persons."""

from __future__ import annotations

import sqlalchemy as sa

from .tables import TZ, metadata

# Every record of every outbound feed; `seq` is the sequence a polling system reads after.
outbound_records = sa.Table(
    "outbound_records",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("feed", sa.String(20), nullable=False),
    sa.Column("record_kind", sa.String(20), nullable=False),
    sa.Column("person_id", sa.String(20), nullable=False),
    sa.Column("source_event_id", sa.String(100), nullable=False),
    sa.Column("business_date", sa.Date, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("recorded_at", TZ, nullable=False),
    sa.Index("ix_outbound_records_feed_seq", "feed", "seq"),
    sa.Index("ix_outbound_records_feed_business_date", "feed", "business_date", "seq"),
)

# The last known facts of each person named by a qualification event (no address under DV, ever).
outbound_persons = sa.Table(
    "outbound_persons",
    metadata,
    sa.Column("person_id", sa.String(20), primary_key=True),
    sa.Column("household_id", sa.String(20), nullable=False, index=True),
    sa.Column("dv_support", sa.Boolean, nullable=False),
    sa.Column("facts", sa.Text, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)
