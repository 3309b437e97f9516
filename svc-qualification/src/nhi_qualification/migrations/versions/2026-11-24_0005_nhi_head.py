"""The NHI head chosen on application in a 擬制世帯主 household.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("nhi_head_person_id", sa.String(20)))


def downgrade() -> None:
    with op.batch_alter_table("households") as batch:
        batch.drop_column("nhi_head_person_id")
