"""Rule DV follows the status period: dv_releases records each dv_support status whose end was announced, and a
person's dv_support flag is the registry's again (a dv_support status used to set it, and it stayed set after the
status ended): each flagged person gets back the flag of their last version not written by a dv_support status.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None
BY_STATUS = "status.dv_support"


def upgrade() -> None:
    op.create_table(
        "dv_releases",
        sa.Column("status_id", sa.String(36), primary_key=True),
        sa.Column("household_id", sa.String(20), nullable=False),
        sa.Column("released_on", sa.Date, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    conn = op.get_bind()
    flagged = conn.execute(sa.text("SELECT person_id FROM persons WHERE dv_support")).scalars().all()
    for person_id in flagged:
        versions = conn.execute(
            sa.text("SELECT cause, attributes FROM person_versions WHERE person_id = :p ORDER BY seq"),
            {"p": person_id},
        ).all()
        if not any((v.cause or "").startswith(BY_STATUS) for v in versions):
            continue  # no dv_support status ever wrote the flag: it is the registry's
        if not registry_flag(versions):
            conn.execute(sa.text("UPDATE persons SET dv_support = false WHERE person_id = :p"), {"p": person_id})


def registry_flag(versions) -> bool:
    """The dv_support flag as the registry left it: what each resident change wrote, or another cause changed,
    leaving out what a dv_support status wrote."""
    flag, previous = False, None
    for version in versions:
        value = bool(json.loads(version.attributes).get("dv_support"))
        cause = version.cause or ""
        if cause.startswith("resident.") or (not cause.startswith(BY_STATUS) and value != previous):
            flag = value
        previous = value
    return flag


def downgrade() -> None:
    op.drop_table("dv_releases")
