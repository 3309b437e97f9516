"""The tables of svc-integration (SQLAlchemy Core); the initial migration creates the same shapes."""

from __future__ import annotations

import sqlalchemy as sa

from nhi_common import plumbing

metadata = sa.MetaData()
TZ = sa.DateTime(timezone=True)

# One uploaded feed file and what became of its lines.
imports = sa.Table(
    "imports",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("import_id", sa.String(36), nullable=False, unique=True),
    sa.Column("source", sa.String(20), nullable=False, index=True),
    sa.Column("file_name", sa.String(255), nullable=False, server_default=""),
    sa.Column("operator_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("records", sa.Integer, nullable=False, server_default="0"),
    sa.Column("applied", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
    sa.Column("errors", sa.Text, nullable=False, server_default="[]"),
    sa.Column("received_at", TZ, nullable=False),
    sa.Column("finished_at", TZ),
)

# Every resident change handed on to svc-qualification, by the message (or feed line) it came in.
received_changes = sa.Table(
    "received_changes",
    metadata,
    sa.Column("receipt_key", sa.String(200), primary_key=True),
    sa.Column("change_id", sa.String(100), nullable=False, index=True),
    sa.Column("change_kind", sa.String(30), nullable=False),
    sa.Column("household_id", sa.String(100), nullable=False),
    sa.Column("persons", sa.Integer, nullable=False),
    sa.Column("origin", sa.String(10), nullable=False),
    sa.Column("import_id", sa.String(36)),
    sa.Column("outcomes", sa.Text, nullable=False, server_default="[]"),
    sa.Column("received_at", TZ, nullable=False),
)

# The last resident change applied per person (the registry's sequence number), for per-person order.
person_sequences = sa.Table(
    "person_sequences",
    metadata,
    sa.Column("person_id", sa.String(20), primary_key=True),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("change_id", sa.String(100), nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

# Resident changes that could not be processed, with the payload a clerk fixes and replays (state open|replayed).
dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dead_letter_id", sa.String(36), nullable=False, unique=True),
    sa.Column("event_id", sa.String(100), nullable=False, index=True),
    sa.Column("ce_type", sa.String(200), nullable=False, server_default=""),
    sa.Column("change_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("problems", sa.Text, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("state", sa.String(20), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
    sa.Column("outcome", sa.String(30), nullable=False, server_default=""),
    sa.Column("updated_by", sa.String(100), nullable=False, server_default=""),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

PLUMBING = plumbing.define_tables(metadata)
