"""Pension categories, the 国保資格不整合一覧 and the jobs of svc-integration.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pension_categories",
        sa.Column("person_id", sa.String(20), primary_key=True),
        sa.Column("category", sa.String(1), nullable=False),
        sa.Column("changed_on", sa.Date, nullable=False),
        sa.Column("change_id", sa.String(100), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "inconsistencies",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("inconsistency_id", sa.String(36), nullable=False, unique=True),
        sa.Column("person_id", sa.String(20), nullable=False),
        sa.Column("household_id", sa.String(20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("nhi_status", sa.String(100), nullable=False),
        sa.Column("other_status", sa.String(100), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("job_id", sa.String(60)),
        sa.Column("detected_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
        sa.Column("resolved_at", TZ),
        sa.Column("resolved_by", sa.String(100)),
        sa.Column("change_id", sa.String(100)),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_inconsistencies_person_kind_state", "inconsistencies", ["person_id", "kind", "state"])
    op.create_index("ix_inconsistencies_state_seq", "inconsistencies", ["state", "seq"])
    op.create_table(
        "integration_jobs",
        sa.Column("job_id", sa.String(60), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("parameters", sa.Text, nullable=False, server_default="{}"),
        sa.Column("operator_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    for name in ("integration_jobs", "inconsistencies", "pension_categories"):
        op.drop_table(name)
