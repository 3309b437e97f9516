"""ACQ-MOVE-IN-PREF write-back: each registration result keeps the person and period it names and how writing the
returned prefecture acquisition date back into svc-qualification went.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = (
    ("person_id", sa.String(20)),
    ("period_id", sa.String(36)),
    ("change_id", sa.String(36)),
    ("pref_state", sa.String(10)),
    ("pref_note", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("registration_results") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_index("ix_registration_results_pref_state", "registration_results", ["pref_state"])


def downgrade() -> None:
    op.drop_index("ix_registration_results_pref_state", "registration_results")
    with op.batch_alter_table("registration_results") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
