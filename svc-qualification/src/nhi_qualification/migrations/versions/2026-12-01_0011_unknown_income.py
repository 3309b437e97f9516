"""An income amount may be unknown: NULL, never a default 0 (BURDEN-PENDING names what is missing).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

AMOUNTS = ("taxable_income", "gross_income", "kyu_tadashigaki_income", "public_pension_income", "total_income")


def upgrade() -> None:
    with op.batch_alter_table("income_facts") as batch:
        for name in AMOUNTS:
            batch.alter_column(name, existing_type=sa.BigInteger, nullable=True, server_default=None)


def downgrade() -> None:
    income_facts = sa.table("income_facts", *(sa.column(name, sa.BigInteger) for name in AMOUNTS))
    for name in AMOUNTS:
        op.execute(sa.update(income_facts).where(income_facts.c[name].is_(None)).values({name: 0}))
    with op.batch_alter_table("income_facts") as batch:
        for name in AMOUNTS:
            batch.alter_column(name, existing_type=sa.BigInteger, nullable=False, server_default="0")
