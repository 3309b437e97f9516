"""Re-sending rejected sub-copy records: the attempt of each record, and per transfer how many records it re-sent
and how many were rejected on their last attempt.

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


def upgrade() -> None:
    with op.batch_alter_table("subcopy_records") as batch:
        batch.add_column(sa.Column("attempt", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("subcopy_transfers") as batch:
        batch.add_column(sa.Column("retried", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("retry_exhausted", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subcopy_transfers") as batch:
        batch.drop_column("retry_exhausted")
        batch.drop_column("retried")
    with op.batch_alter_table("subcopy_records") as batch:
        batch.drop_column("attempt")
