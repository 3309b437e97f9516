"""The sheets of each issued document of a job, counted by the worker that drew it, and an index on the items'
document ids: cutting a renewal's print run into files then needs no second read of every PDF (one worker alone used
to read the whole run back to count pages, while the others waited), and a print file finds its documents' items by
their ids without reading every item of the job.

Revision ID: 0008_item_sheets
Revises: 0002, 0007_print_file_tasks
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_item_sheets"
down_revision = ("0002", "0007_print_file_tasks")  # both branches: the items table comes from 0002
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("document_job_items") as batch:
        batch.add_column(sa.Column("sheets", sa.Integer))
    op.create_index("ix_document_job_items_document_id", "document_job_items", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_document_job_items_document_id", table_name="document_job_items")
    with op.batch_alter_table("document_job_items") as batch:
        batch.drop_column("sheets")
