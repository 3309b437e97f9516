"""Initial schema of svc-integration: imports, received changes, rejected events, plumbing.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

from nhi_common import plumbing

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "imports",
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
    op.create_table(
        "received_changes",
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
    op.create_table(
        "rejected_events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(100), nullable=False, index=True),
        sa.Column("ce_type", sa.String(200), nullable=False, server_default=""),
        sa.Column("change_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("problems", sa.Text, nullable=False),
        sa.Column("rejected_at", TZ, nullable=False),
    )
    plumbing.create_tables_in_migration(op)


def downgrade() -> None:
    for name in ("audit_log", "idempotency_keys", "inbox", "outbox", "rejected_events", "received_changes", "imports"):
        op.drop_table(name)
