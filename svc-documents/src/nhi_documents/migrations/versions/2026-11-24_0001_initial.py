"""Initial schema of svc-documents: documents, certificate number sequences, plumbing.

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
        "documents",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("person_id", sa.String(100), nullable=False, index=True),
        sa.Column("household_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date),
        sa.Column("certificate_number", sa.String(40), unique=True),
        sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("operator_id", sa.String(100), nullable=False, server_default=""),
    )
    op.create_table(
        "certificate_sequences",
        sa.Column("sequence_key", sa.String(10), primary_key=True),
        sa.Column("last_value", sa.Integer, nullable=False),
    )
    plumbing.create_tables_in_migration(op)


def downgrade() -> None:
    for name in ("audit_log", "idempotency_keys", "inbox", "outbox", "certificate_sequences", "documents"):
        op.drop_table(name)
