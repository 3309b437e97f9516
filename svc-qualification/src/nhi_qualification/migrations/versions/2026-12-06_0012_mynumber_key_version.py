"""My Number key versions: each person's ciphertext and look-up hash say which key version they are under.

Rows written before have NULL, read as version 1 (NHI_MYNUMBER_KEY); `nhi-qualification rotate-mynumber-key`
moves every row to the current version, a batch at a time, keeping its checkpoint in mynumber_rotations.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.add_column(sa.Column("my_number_key_version", sa.Integer, nullable=True))
    op.create_table(
        "mynumber_rotations",
        sa.Column("target_version", sa.Integer, primary_key=True),
        sa.Column("after_person_id", sa.String(20), nullable=False, server_default=""),
        sa.Column("rotated", sa.Integer, nullable=False, server_default="0"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("mynumber_rotations")
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("my_number_key_version")
