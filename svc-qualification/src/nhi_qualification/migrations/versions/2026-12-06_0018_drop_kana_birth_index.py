"""Drop ix_persons_kana_birth (name_kana, birth_date). Since 0009 a kana search reads name_kana_key (its own index)
and a birth date alone reads ix_persons_birth_date; no statement has a condition on name_kana or sorts by it, so the
index was only upkeep: the most expensive of the persons indexes to build (a first load of 1,000,000 persons spent
about a quarter of its index builds on it) and one more B-tree entry for every person written.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_persons_kana_birth", table_name="persons")


def downgrade() -> None:
    op.create_index("ix_persons_kana_birth", "persons", ["name_kana", "birth_date"])
