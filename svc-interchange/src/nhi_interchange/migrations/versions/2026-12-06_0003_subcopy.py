"""Sub-copies with the intermediate server: transfer results, the records of each transfer, query results, the
manual-answer queue and the files received.

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

QUERY_COLUMNS = (
    ("household_id", sa.String(20)),
    ("income_year", sa.Integer()),
    ("sent_at", sa.DateTime(timezone=True)),
    ("request_file", sa.String(100)),
    ("answered_at", sa.DateTime(timezone=True)),
    ("result_code", sa.String(10)),
    ("result_note", sa.Text()),
    ("taxable_income", sa.BigInteger()),
    ("gross_income", sa.BigInteger()),
    ("kyu_tadashigaki_income", sa.BigInteger()),
    ("public_pension_income", sa.BigInteger()),
    ("total_income", sa.BigInteger()),
    ("non_taxed", sa.Boolean()),
    ("determination_id", sa.String(36)),
    ("ratio_percent", sa.Integer()),
    ("pending", sa.Boolean()),
)
TRANSFER_COLUMNS = (
    ("business_date", sa.String(10)),
    ("file_name", sa.String(100)),
    ("sha256", sa.String(64)),
    ("through_seq", sa.Integer()),
    ("accepted", sa.Integer()),
    ("rejected", sa.Integer()),
    ("no_auto_answer", sa.Integer()),
    ("result_at", sa.DateTime(timezone=True)),
    ("result_note", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("subcopy_queries") as batch:
        for name, kind in QUERY_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    with op.batch_alter_table("subcopy_transfers") as batch:
        for name, kind in TRANSFER_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_table(
        "subcopy_records",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("transfer_id", sa.String(36), nullable=False, index=True),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(20), nullable=False, index=True),
        sa.Column("record_seq", sa.Integer(), nullable=False),
        sa.Column("change_type", sa.String(1), nullable=False),
        sa.Column("no_auto_answer", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("code", sa.String(10), nullable=True),
    )
    op.create_table(
        "manual_requests",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(36), nullable=False, unique=True),
        sa.Column("person_id", sa.String(20), nullable=False, index=True),
        sa.Column("item", sa.String(20), nullable=False),
        sa.Column("requester", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("state", sa.String(10), nullable=False, index=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answer_file", sa.String(100), nullable=True),
    )
    op.create_table(
        "intermediate_receipts",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("file_name", sa.String(100), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("file_name", "sha256"),
    )


def downgrade() -> None:
    for name in ("intermediate_receipts", "manual_requests", "subcopy_records"):
        op.drop_table(name)
    with op.batch_alter_table("subcopy_transfers") as batch:
        for name, _ in TRANSFER_COLUMNS:
            batch.drop_column(name)
    with op.batch_alter_table("subcopy_queries") as batch:
        for name, _ in QUERY_COLUMNS:
            batch.drop_column(name)
