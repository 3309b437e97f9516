"""Tables of documents jobs (annual renewal, 高齢受給者証) and of the counter's print queue; migration 0002."""

from __future__ import annotations

import sqlalchemy as sa

TZ = sa.DateTime(timezone=True)


def define(metadata: sa.MetaData) -> None:
    sa.Table(
        "document_jobs",
        metadata,
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
    sa.Table(
        "document_job_chunks",
        metadata,
        sa.Column("job_id", sa.String(60), primary_key=True),
        sa.Column("chunk_no", sa.Integer, primary_key=True),
        sa.Column("person_ids", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False, server_default="queued"),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("finished_at", TZ),
    )
    # One row per (job, person, kind): a redelivered chunk or a second worker can never issue twice.
    sa.Table(
        "document_job_items",
        metadata,
        sa.Column("job_id", sa.String(60), primary_key=True),
        sa.Column("person_id", sa.String(100), primary_key=True),
        sa.Column("kind", sa.String(50), primary_key=True),
        sa.Column("household_id", sa.String(100), nullable=False),
        sa.Column("postal_code", sa.String(10), nullable=False, server_default=""),
        sa.Column("document_id", sa.String(36), index=True),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("chunk_no", sa.Integer, nullable=False),
        sa.Column("sheets", sa.Integer),  # pages of the issued document, counted as it was drawn (migration 0008)
    )
    # The print files of a job once its last chunk closed (migration 0007): each file's documents in print order, and
    # what was written once a worker wrote it; any worker takes any file.
    sa.Table(
        "document_job_print_files",
        metadata,
        sa.Column("job_id", sa.String(60), primary_key=True),
        sa.Column("file_no", sa.Integer, primary_key=True),
        sa.Column("document_ids", sa.Text, nullable=False),
        sa.Column("meta", sa.Text),
    )
    sa.Table(
        "print_queue",
        metadata,
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
