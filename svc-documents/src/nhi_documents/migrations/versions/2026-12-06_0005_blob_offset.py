"""A renewal chunk's documents share one blob file, each its own byte range of it: `blob_offset` (with `size`).

Revision ID: 0005_blob_offset
Revises: 0004_characters_outcome
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_blob_offset"
down_revision = "0004_characters_outcome"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("blob_offset", sa.BigInteger))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("blob_offset")
