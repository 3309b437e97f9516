"""The clerk's character list also keeps the ideographic variation sequences printed as their base character
(outcome `substituted`, the municipality allowing it) beside the refusals (outcome `refused`); a sequence is named by
its two code points, so the column is wider.

Revision ID: 0004_characters_outcome
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_characters_outcome"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("undrawable_characters") as batch:
        batch.alter_column("character", type_=sa.String(40), existing_type=sa.String(12), existing_nullable=False)
        batch.add_column(sa.Column("outcome", sa.String(20), nullable=False, server_default="refused"))


def downgrade() -> None:
    with op.batch_alter_table("undrawable_characters") as batch:
        batch.drop_column("outcome")
        batch.alter_column("character", type_=sa.String(12), existing_type=sa.String(40), existing_nullable=False)
