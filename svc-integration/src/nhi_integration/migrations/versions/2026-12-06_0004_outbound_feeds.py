"""The outbound feeds: their records in feed order and what they know of persons.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbound_records",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("feed", sa.String(20), nullable=False),
        sa.Column("record_kind", sa.String(20), nullable=False),
        sa.Column("person_id", sa.String(20), nullable=False),
        sa.Column("source_event_id", sa.String(100), nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
    )
    op.create_index("ix_outbound_records_feed_seq", "outbound_records", ["feed", "seq"])
    op.create_index("ix_outbound_records_feed_business_date", "outbound_records", ["feed", "business_date", "seq"])
    op.create_table(
        "outbound_persons",
        sa.Column("person_id", sa.String(20), primary_key=True),
        sa.Column("household_id", sa.String(20), nullable=False),
        sa.Column("dv_support", sa.Boolean, nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_outbound_persons_household_id", "outbound_persons", ["household_id"])


def downgrade() -> None:
    op.drop_table("outbound_persons")
    op.drop_table("outbound_records")
