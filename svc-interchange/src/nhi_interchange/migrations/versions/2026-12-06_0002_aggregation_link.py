"""The daily aggregation link: record snapshots and run state, runs, files, lists, jobs, sub-copy queries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NEW_COLUMNS = (
    ("snapshot", sa.Text),
    ("run_date", sa.String(10)),
    ("serial", sa.Integer),
    ("result_code", sa.String(10)),
    ("pref_acquired_on", sa.String(10)),
)

TABLES = (
    "aggregation_runs",
    "aggregation_files",
    "aggregation_errors",
    "interchange_imports",
    "registration_results",
    "interchange_jobs",
    "subcopy_queries",
    "subcopy_transfers",
)


def upgrade() -> None:
    with op.batch_alter_table("pending_aggregation") as batch:
        for name, kind in NEW_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_table(
        "aggregation_runs",
        sa.Column("business_date", sa.String(10), primary_key=True),
        sa.Column("cutoff_at", sa.String(40), nullable=False),
        sa.Column("file_sequence", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "aggregation_files",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("file_id", sa.String(36), nullable=False, unique=True),
        sa.Column("business_date", sa.String(10), nullable=False, index=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("file_name", sa.String(100), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("degraded", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "aggregation_errors",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("business_date", sa.String(10), nullable=False, index=True),
        sa.Column("record_seq", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(80), nullable=False),
        sa.Column("file", sa.String(10), nullable=False),
        sa.Column("error_code", sa.String(10), nullable=False),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.create_table(
        "interchange_imports",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data_type", sa.String(40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("file_name", "sha256"),
    )
    op.create_table(
        "registration_results",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("import_seq", sa.Integer(), nullable=False, index=True),
        sa.Column("record_key", sa.String(80), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("pref_acquired_on", sa.String(10), nullable=True),
    )
    op.create_table(
        "interchange_jobs",
        sa.Column("job_id", sa.String(60), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("failed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("business_date", sa.String(10), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "subcopy_queries",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("query_id", sa.String(36), nullable=False, unique=True),
        sa.Column("person_id", sa.String(20), nullable=False, index=True),
        sa.Column("item", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("operator_id", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "subcopy_transfers",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("transfer_id", sa.String(36), nullable=False, unique=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
    with op.batch_alter_table("pending_aggregation") as batch:
        for name, _ in NEW_COLUMNS:
            batch.drop_column(name)
