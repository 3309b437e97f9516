"""The tables of svc-interchange."""

from __future__ import annotations

import sqlalchemy as sa

from nhi_common import plumbing

metadata = sa.MetaData()

pending = sa.Table(
    "pending_aggregation",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_id", sa.String(36), nullable=False, unique=True),
    sa.Column("event_id", sa.String(100), nullable=False, unique=True),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("person_id", sa.String(20), nullable=False, index=True),
    sa.Column("household_id", sa.String(20), nullable=False),
    sa.Column("change_id", sa.String(36), nullable=False),
    sa.Column("effective_date", sa.String(10), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("state", sa.String(10), nullable=False, server_default="pending", index=True),
)

PLUMBING = plumbing.define_tables(metadata)
