"""The 生活保護 periods the welfare system told us of, per person and start date.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "welfare_periods",
        sa.Column("person_id", sa.String(20), primary_key=True),
        sa.Column("started_on", sa.Date, primary_key=True),
        sa.Column("ended_on", sa.Date),
        sa.Column("change_id", sa.String(100), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("updated_at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("welfare_periods")
