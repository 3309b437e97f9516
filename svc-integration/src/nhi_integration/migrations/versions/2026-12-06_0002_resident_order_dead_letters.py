"""Per-person sequence of resident changes and the dead letters a clerk can fix and replay (they replace the
rejected_events table, which kept no payload to fix).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "person_sequences",
        sa.Column("person_id", sa.String(20), primary_key=True),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("change_id", sa.String(100), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "dead_letters",
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
    op.drop_table("rejected_events")


def downgrade() -> None:
    op.create_table(
        "rejected_events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(100), nullable=False, index=True),
        sa.Column("ce_type", sa.String(200), nullable=False, server_default=""),
        sa.Column("change_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("problems", sa.Text, nullable=False),
        sa.Column("rejected_at", TZ, nullable=False),
    )
    op.drop_table("dead_letters")
    op.drop_table("person_sequences")
