"""Certificate ledger, special statuses, income facts, burden determinations, jobs; period and person additions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("qualification_periods") as batch:
        batch.add_column(sa.Column("coverage_starts_on", sa.Date))
        batch.add_column(sa.Column("coverage_ends_on", sa.Date))
        batch.add_column(sa.Column("void", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("correction_reason", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("operator_id", sa.String(100), nullable=False, server_default=""))
    with op.batch_alter_table("persons") as batch:
        batch.add_column(sa.Column("display_name", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("card_registered", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_persons_birth_date", "persons", ["birth_date"])
    op.create_table(
        "certificates",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("certificate_id", sa.String(36), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("person_id", sa.String(20), nullable=False, index=True),
        sa.Column("household_id", sa.String(20), nullable=False),
        sa.Column("certificate_number", sa.String(40), nullable=False, server_default=""),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date),
        sa.Column("state", sa.String(20), nullable=False, server_default="issued", index=True),
        sa.Column("collect", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("returned_on", sa.Date),
        sa.Column("document_id", sa.String(36), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "status_periods",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("status_id", sa.String(36), nullable=False, unique=True),
        sa.Column("person_id", sa.String(20), nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date),
        sa.Column("evidence", sa.Text, nullable=False, server_default="[]"),
        sa.Column("separation_date", sa.Date),
        sa.Column("separation_code", sa.String(4)),
        sa.Column("display_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
        sa.Column("change_id", sa.String(36), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.Column("superseded_at", TZ),
    )
    op.create_table(
        "income_facts",
        sa.Column("person_id", sa.String(20), primary_key=True),
        sa.Column("income_year", sa.Integer, primary_key=True),
        sa.Column("taxable_income", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("gross_income", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("kyu_tadashigaki_income", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("non_taxed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("public_pension_income", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("total_income", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("source", sa.String(40), nullable=False, server_default="api"),
        sa.Column("recorded_at", TZ, nullable=False),
    )
    op.create_table(
        "burden_determinations",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("determination_id", sa.String(36), nullable=False, unique=True),
        sa.Column("household_id", sa.String(20), nullable=False, index=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("income_year", sa.Integer, nullable=False),
        sa.Column("ratio_percent", sa.Integer),
        sa.Column("limit_category", sa.String(20)),
        sa.Column("pending", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("operator_id", sa.String(100), nullable=False),
        sa.Column("job_id", sa.String(36)),
        sa.Column("recorded_at", TZ, nullable=False),
    )
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("parameters", sa.Text, nullable=False, server_default="{}"),
        sa.Column("business_date", sa.Date, nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("done", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("failed", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("chunks", sa.Integer, nullable=False, server_default="0"),
        sa.Column("chunks_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("operator_id", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
    )
    op.create_table(
        "job_chunks",
        sa.Column("job_id", sa.String(36), primary_key=True),
        sa.Column("chunk_no", sa.Integer, primary_key=True),
        sa.Column("first_key", sa.String(40), nullable=False),
        sa.Column("last_key", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False, server_default="queued"),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("finished_at", TZ),
    )
    op.create_table(
        "job_results",
        sa.Column("job_id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(20), primary_key=True),
        sa.Column("household_id", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    )


def downgrade() -> None:
    for name in ("job_results", "job_chunks", "jobs", "burden_determinations", "income_facts", "status_periods",
                 "certificates"):
        op.drop_table(name)
    op.drop_index("ix_persons_birth_date", "persons")
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("card_registered")
        batch.drop_column("display_name")
    with op.batch_alter_table("qualification_periods") as batch:
        for column in ("operator_id", "correction_reason", "void", "coverage_ends_on", "coverage_starts_on"):
            batch.drop_column(column)
