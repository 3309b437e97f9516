"""A stored burden determination says whether it changed the household's share or category, and a job's
determinations are read by job (the burden_redetermination result list).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("burden_determinations") as batch:
        batch.add_column(sa.Column("changed", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_burden_determinations_job", "burden_determinations", ["job_id", "household_id"])


def downgrade() -> None:
    op.drop_index("ix_burden_determinations_job", table_name="burden_determinations")
    with op.batch_alter_table("burden_determinations") as batch:
        batch.drop_column("changed")
