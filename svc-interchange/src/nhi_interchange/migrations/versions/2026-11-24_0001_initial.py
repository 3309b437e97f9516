"""Initial schema of svc-interchange: pending aggregation records and plumbing.

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


def upgrade() -> None:
    op.create_table(
        "pending_aggregation",
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
    plumbing.create_tables_in_migration(op)


def downgrade() -> None:
    for name in ("audit_log", "idempotency_keys", "inbox", "outbox", "pending_aggregation"):
        op.drop_table(name)
