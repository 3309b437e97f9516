"""Every version of a person's resident-derived attributes (name, household, 続柄, 記載順位, status…).

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_versions",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("person_id", sa.String(20), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cause", sa.String(100), nullable=False),
        sa.Column("attributes", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("person_versions")
