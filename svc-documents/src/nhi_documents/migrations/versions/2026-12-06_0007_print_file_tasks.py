"""The print files of a renewal as tasks any worker takes: one row per file with its documents in print order, and
what was written (`meta`: name, sheets, bytes, sha256, ...) once it is.

Revision ID: 0007_print_file_tasks
Revises: 0006_audit_chain
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_print_file_tasks"
down_revision = "0006_audit_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_job_print_files",
        sa.Column("job_id", sa.String(60), primary_key=True),
        sa.Column("file_no", sa.Integer, primary_key=True),
        sa.Column("document_ids", sa.Text, nullable=False),
        sa.Column("meta", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("document_job_print_files")
