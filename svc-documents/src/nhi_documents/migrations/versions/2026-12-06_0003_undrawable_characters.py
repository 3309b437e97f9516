"""Undrawable characters: the persons whose documents were refused for a character no font draws (文字要件).

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "undrawable_characters",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("person_id", sa.String(100), nullable=False),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("character", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("first_seen_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
        sa.Column("refusals", sa.Integer, nullable=False),
        sa.UniqueConstraint("person_id", "field", "character", name="uq_undrawable_person_field_character"),
    )


def downgrade() -> None:
    op.drop_table("undrawable_characters")
