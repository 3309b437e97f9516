"""Document store on the filesystem (blob path, template version, reissues), documents jobs and the print queue.

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

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("content", existing_type=sa.LargeBinary, nullable=True)
        batch.add_column(sa.Column("blob_path", sa.String(300)))
        batch.add_column(sa.Column("template_version", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("subject_kind", sa.String(20), nullable=False, server_default="person"))
        batch.add_column(sa.Column("reissue_of", sa.String(36)))
        batch.add_column(sa.Column("reissue_count", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("job_id", sa.String(60)))
    op.create_table(
        "document_jobs",
        sa.Column("job_id", sa.String(60), primary_key=True),
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
        sa.Column("manifest", sa.Text),
        sa.Column("operator_id", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
    )
    op.create_table(
        "document_job_chunks",
        sa.Column("job_id", sa.String(60), primary_key=True),
        sa.Column("chunk_no", sa.Integer, primary_key=True),
        sa.Column("person_ids", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False, server_default="queued"),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("finished_at", TZ),
    )
    op.create_table(
        "document_job_items",
        sa.Column("job_id", sa.String(60), primary_key=True),
        sa.Column("person_id", sa.String(100), primary_key=True),
        sa.Column("kind", sa.String(50), primary_key=True),
        sa.Column("household_id", sa.String(100), nullable=False),
        sa.Column("postal_code", sa.String(10), nullable=False, server_default=""),
        sa.Column("document_id", sa.String(36)),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("chunk_no", sa.Integer, nullable=False),
    )
    op.create_table(
        "print_queue",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("person_id", sa.String(100), nullable=False, index=True),
        sa.Column("household_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("reason", sa.String(60), nullable=False),
        sa.Column("rule_ids", sa.String(200), nullable=False, server_default=""),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("source_event_id", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("printed_at", TZ),
        sa.Column("printed_by", sa.String(100)),
        sa.Column("document_id", sa.String(36)),
        sa.UniqueConstraint("source_event_id", "person_id", "kind", name="uq_print_queue_event_person_kind"),
    )


def downgrade() -> None:
    for name in ("print_queue", "document_job_items", "document_job_chunks", "document_jobs"):
        op.drop_table(name)
    with op.batch_alter_table("documents") as batch:
        for column in ("job_id", "reissue_count", "reissue_of", "subject_kind", "template_version", "blob_path"):
            batch.drop_column(column)
        batch.alter_column("content", existing_type=sa.LargeBinary, nullable=False)
