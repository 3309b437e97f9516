"""Statuses of residence stored as codes (domain/residence.py), no longer as the registry's Japanese names.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from nhi_qualification.domain import residence

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

persons = sa.table("persons", sa.column("residence_status", sa.String))


def upgrade() -> None:
    conn = op.get_bind()
    for (value,) in conn.execute(sa.select(persons.c.residence_status).distinct()).all():
        code = residence.code_of(value or "")
        if code is not None and code != value:
            conn.execute(sa.update(persons).where(persons.c.residence_status == value).values(residence_status=code))


def downgrade() -> None:
    conn = op.get_bind()
    for status in residence.RESIDENCE_STATUSES:
        conn.execute(
            sa.update(persons).where(persons.c.residence_status == status.code).values(residence_status=status.name)
        )
