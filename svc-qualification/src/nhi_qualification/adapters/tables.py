"""The tables of svc-qualification (SQLAlchemy Core)."""

from __future__ import annotations

import sqlalchemy as sa

from nhi_common import plumbing

metadata = sa.MetaData()
TZ = sa.DateTime(timezone=True)

households = sa.Table(
    "households", metadata,
    sa.Column("household_id", sa.String(20), primary_key=True),
    sa.Column("head_person_id", sa.String(20), nullable=False),
    sa.Column("symbol", sa.String(40)),
    sa.Column("number", sa.String(40)),
    sa.Column("next_branch", sa.Integer, nullable=False, server_default="1"),
    sa.Column("address", sa.Text, nullable=False, server_default="{}"),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", TZ, nullable=False),
    sa.UniqueConstraint("symbol", "number", name="uq_households_symbol_number"),
)

persons = sa.Table(
    "persons", metadata,
    sa.Column("person_id", sa.String(20), primary_key=True),
    sa.Column("household_id", sa.String(20), nullable=False, index=True),
    sa.Column("name_kanji", sa.String(100), nullable=False),
    sa.Column("name_kana", sa.String(100), nullable=False),
    sa.Column("birth_date", sa.Date, nullable=False),
    sa.Column("sex", sa.String(1), nullable=False),
    sa.Column("relationship", sa.String(20), nullable=False, server_default=""),
    sa.Column("listing_order", sa.Integer, nullable=False, server_default="1"),
    sa.Column("resident_since", sa.Date),
    sa.Column("resident_status", sa.String(20), nullable=False, server_default="resident"),
    sa.Column("nationality", sa.String(40), nullable=False, server_default=""),
    sa.Column("residence_status", sa.String(60), nullable=False, server_default=""),
    sa.Column("residence_expires_on", sa.Date),
    sa.Column("dv_support", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("my_number_enc", sa.LargeBinary),
    sa.Column("my_number_hash", sa.String(64), index=True),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", TZ, nullable=False),
    sa.Index("ix_persons_kana_birth", "name_kana", "birth_date"),
)

# 枝番 once given to a person within a 記号・番号 stays theirs: never reused (NUM-INSURED).
branches = sa.Table(
    "branches", metadata,
    sa.Column("symbol", sa.String(40), primary_key=True),
    sa.Column("number", sa.String(40), primary_key=True),
    sa.Column("branch_no", sa.String(2), primary_key=True),
    sa.Column("person_id", sa.String(20), nullable=False),
    sa.UniqueConstraint("symbol", "number", "person_id", name="uq_branches_person"),
)

# Bitemporal: valid time [acquired_on, lost_on), record time [recorded_at, superseded_at).
periods = sa.Table(
    "qualification_periods", metadata,
    sa.Column("version_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("period_id", sa.String(36), nullable=False, index=True),
    sa.Column("person_id", sa.String(20), nullable=False),
    sa.Column("household_id", sa.String(20), nullable=False),
    sa.Column("insurer_number", sa.String(8), nullable=False),
    sa.Column("symbol", sa.String(40), nullable=False),
    sa.Column("number", sa.String(40), nullable=False),
    sa.Column("branch_no", sa.String(2), nullable=False),
    sa.Column("acquired_on", sa.Date, nullable=False),
    sa.Column("acquired_reason", sa.String(40), nullable=False),
    sa.Column("lost_on", sa.Date),
    sa.Column("lost_reason", sa.String(40)),
    sa.Column("recorded_at", TZ, nullable=False),
    sa.Column("superseded_at", TZ),
    sa.Column("change_id", sa.String(36), nullable=False),
    sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
    sa.Index("ix_periods_person_current", "person_id", "superseded_at"),
)

changes = sa.Table(
    "changes", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("change_id", sa.String(36), nullable=False, unique=True),
    sa.Column("recorded_at", TZ, nullable=False, index=True),
    sa.Column("business_date", sa.Date, nullable=False),
    sa.Column("operator_id", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("household_id", sa.String(20), nullable=False),
    sa.Column("person_ids", sa.Text, nullable=False),
    sa.Column("event_date", sa.Date, nullable=False),
    sa.Column("notified_on", sa.Date),
    sa.Column("identity_check", sa.Text, nullable=False, server_default="{}"),
    sa.Column("decision", sa.Text, nullable=False),
    sa.Column("before", sa.Text, nullable=False, server_default="{}"),
    sa.Column("after", sa.Text, nullable=False, server_default="{}"),
)

intake_items = sa.Table(
    "intake_items", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("item_id", sa.String(36), nullable=False, unique=True),
    sa.Column("source_change_id", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("household_id", sa.String(20), nullable=False),
    sa.Column("person_ids", sa.Text, nullable=False),
    sa.Column("event_date", sa.Date, nullable=False),
    sa.Column("state", sa.String(10), nullable=False, server_default="open", index=True),
    sa.Column("created_at", TZ, nullable=False),
)

PLUMBING = plumbing.define_tables(metadata)
