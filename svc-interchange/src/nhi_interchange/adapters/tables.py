"""The tables of svc-interchange."""

from __future__ import annotations

import sqlalchemy as sa

from nhi_common import plumbing

metadata = sa.MetaData()

pending = sa.Table(
    "pending_aggregation",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_id", sa.String(36), nullable=False, unique=True),
    sa.Column("event_id", sa.String(100), nullable=False, unique=True),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("person_id", sa.String(20), nullable=False, index=True),
    sa.Column("household_id", sa.String(20), nullable=False),
    sa.Column("change_id", sa.String(36), nullable=False),
    sa.Column("effective_date", sa.String(10), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("state", sa.String(10), nullable=False, server_default="pending", index=True),
    sa.Column("snapshot", sa.Text, nullable=True),
    sa.Column("run_date", sa.String(10), nullable=True),
    sa.Column("serial", sa.Integer, nullable=True),
    sa.Column("result_code", sa.String(10), nullable=True),
    sa.Column("pref_acquired_on", sa.String(10), nullable=True),
)


def _aggregation_tables(meta: sa.MetaData) -> dict[str, sa.Table]:
    """The tables of revision 0002 (the daily aggregation link, its lists, jobs and sub-copy queries)."""

    def seq() -> sa.Column:
        return sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True)

    return {
        "aggregation_runs": sa.Table(
            "aggregation_runs",
            meta,
            sa.Column("business_date", sa.String(10), primary_key=True),
            sa.Column("cutoff_at", sa.String(40), nullable=False),
            sa.Column("file_sequence", sa.Integer, nullable=False),
            sa.Column("candidates", sa.Integer, nullable=False),
            sa.Column("sent", sa.Integer, nullable=False),
            sa.Column("errors", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        ),
        "aggregation_files": sa.Table(
            "aggregation_files",
            meta,
            seq(),
            sa.Column("file_id", sa.String(36), nullable=False, unique=True),
            sa.Column("business_date", sa.String(10), nullable=False, index=True),
            sa.Column("kind", sa.String(10), nullable=False),
            sa.Column("file_name", sa.String(100), nullable=False),
            sa.Column("records", sa.Integer, nullable=False),
            sa.Column("bytes", sa.BigInteger, nullable=False),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("degraded", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        ),
        "aggregation_errors": sa.Table(
            "aggregation_errors",
            meta,
            seq(),
            sa.Column("business_date", sa.String(10), nullable=False, index=True),
            sa.Column("record_seq", sa.Integer, nullable=False),
            sa.Column("record_key", sa.String(80), nullable=False),
            sa.Column("file", sa.String(10), nullable=False),
            sa.Column("error_code", sa.String(10), nullable=False),
            sa.Column("field", sa.String(40), nullable=False),
            sa.Column("rule", sa.String(40), nullable=False),
            sa.Column("message", sa.Text, nullable=False),
        ),
        "interchange_imports": sa.Table(
            "interchange_imports",
            meta,
            seq(),
            sa.Column("file_name", sa.String(200), nullable=False),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("data_type", sa.String(40), nullable=False),
            sa.Column("count", sa.Integer, nullable=False),
            sa.Column("status", sa.String(20), nullable=False),
            sa.Column("rejected", sa.Integer, nullable=False),
            sa.Column("error", sa.Text, nullable=True),
            sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
            sa.UniqueConstraint("file_name", "sha256"),
        ),
        "registration_results": sa.Table(
            "registration_results",
            meta,
            seq(),
            sa.Column("import_seq", sa.Integer, nullable=False, index=True),
            sa.Column("record_key", sa.String(80), nullable=False),
            sa.Column("applied", sa.Boolean, nullable=False),
            sa.Column("reason", sa.Text, nullable=True),
            sa.Column("pref_acquired_on", sa.String(10), nullable=True),
            *(sa.Column(name, kind, nullable=True) for name, kind in PREFECTURE_COLUMNS),
            sa.Index("ix_registration_results_pref_state", "pref_state"),
        ),
        "interchange_jobs": sa.Table(
            "interchange_jobs",
            meta,
            sa.Column("job_id", sa.String(60), primary_key=True),
            sa.Column("kind", sa.String(40), nullable=False),
            sa.Column("state", sa.String(20), nullable=False),
            sa.Column("total", sa.Integer, nullable=False, server_default="0"),
            sa.Column("done", sa.Integer, nullable=False, server_default="0"),
            sa.Column("failed", sa.Integer, nullable=False, server_default="0"),
            sa.Column("business_date", sa.String(10), nullable=False),
            sa.Column("parameters", sa.Text, nullable=False),
            sa.Column("error", sa.Text, nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),  # revision 0007
        ),
        "subcopy_queries": sa.Table(
            "subcopy_queries",
            meta,
            seq(),
            sa.Column("query_id", sa.String(36), nullable=False, unique=True),
            sa.Column("person_id", sa.String(20), nullable=False, index=True),
            sa.Column("item", sa.String(20), nullable=False),
            sa.Column("state", sa.String(20), nullable=False),
            sa.Column("operator_id", sa.String(100), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            *(sa.Column(name, kind, nullable=True) for name, kind in QUERY_COLUMNS),
        ),
        "subcopy_transfers": sa.Table(
            "subcopy_transfers",
            meta,
            seq(),
            sa.Column("transfer_id", sa.String(36), nullable=False, unique=True),
            sa.Column("state", sa.String(20), nullable=False),
            sa.Column("records", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            *(sa.Column(name, kind, nullable=True) for name, kind in TRANSFER_COLUMNS),
        ),
    }


# Columns revision 0005 adds to registration_results: the ACQ-MOVE-IN-PREF write-back into svc-qualification.
# pref_state: pending (to write) | recorded | unchanged | refused; null when no prefecture date came back.
PREFECTURE_COLUMNS = (
    ("person_id", sa.String(20)),
    ("period_id", sa.String(36)),
    ("change_id", sa.String(36)),
    ("pref_state", sa.String(10)),
    ("pref_note", sa.Text),
)

# Columns revision 0003 adds to the sub-copy tables of revision 0002 (all nullable: rows before it have none).
QUERY_COLUMNS = (
    ("household_id", sa.String(20)),
    ("income_year", sa.Integer),
    ("sent_at", sa.DateTime(timezone=True)),
    ("request_file", sa.String(100)),
    ("answered_at", sa.DateTime(timezone=True)),
    ("result_code", sa.String(10)),
    ("result_note", sa.Text),
    ("taxable_income", sa.BigInteger),
    ("gross_income", sa.BigInteger),
    ("kyu_tadashigaki_income", sa.BigInteger),
    ("public_pension_income", sa.BigInteger),
    ("total_income", sa.BigInteger),
    ("non_taxed", sa.Boolean),
    ("determination_id", sa.String(36)),
    ("ratio_percent", sa.Integer),
    ("pending", sa.Boolean),
)
TRANSFER_COLUMNS = (
    ("business_date", sa.String(10)),
    ("file_name", sa.String(100)),
    ("sha256", sa.String(64)),
    ("through_seq", sa.Integer),
    ("accepted", sa.Integer),
    ("rejected", sa.Integer),
    ("no_auto_answer", sa.Integer),
    ("result_at", sa.DateTime(timezone=True)),
    ("result_note", sa.Text),
    ("retried", sa.Integer),  # revision 0006: records re-sent after a rejection
    ("retry_exhausted", sa.Integer),  # revision 0006: records rejected on their last attempt
)


def _subcopy_tables(meta: sa.MetaData) -> dict[str, sa.Table]:
    """The tables of revision 0003 (sub-copy registration records, manual-answer queue, receipts)."""

    def seq() -> sa.Column:
        return sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True)

    return {
        "subcopy_records": sa.Table(
            "subcopy_records",
            meta,
            seq(),
            sa.Column("transfer_id", sa.String(36), nullable=False, index=True),
            sa.Column("serial", sa.Integer, nullable=False),
            sa.Column("person_id", sa.String(20), nullable=False, index=True),
            sa.Column("record_seq", sa.Integer, nullable=False),
            sa.Column("change_type", sa.String(1), nullable=False),
            sa.Column("no_auto_answer", sa.Boolean, nullable=False),
            sa.Column("status", sa.String(10), nullable=False),
            sa.Column("code", sa.String(10), nullable=True),
            sa.Column("attempt", sa.Integer, nullable=False, server_default="1"),  # revision 0006
        ),
        "manual_requests": sa.Table(
            "manual_requests",
            meta,
            seq(),
            sa.Column("request_id", sa.String(36), nullable=False, unique=True),
            sa.Column("person_id", sa.String(20), nullable=False, index=True),
            sa.Column("item", sa.String(20), nullable=False),
            sa.Column("requester", sa.String(10), nullable=False),
            sa.Column("reason", sa.String(20), nullable=False),
            sa.Column("state", sa.String(10), nullable=False, index=True),
            sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("decided_by", sa.String(100), nullable=True),
            sa.Column("note", sa.Text, nullable=True),
            sa.Column("answer_file", sa.String(100), nullable=True),
        ),
        "intermediate_receipts": sa.Table(
            "intermediate_receipts",
            meta,
            seq(),
            sa.Column("file_name", sa.String(100), nullable=False),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("kind", sa.String(20), nullable=False),
            sa.Column("records", sa.Integer, nullable=False),
            sa.Column("error", sa.Text, nullable=True),
            sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
            sa.UniqueConstraint("file_name", "sha256"),
        ),
    }


AGGREGATION = _aggregation_tables(metadata)
SUBCOPY = _subcopy_tables(metadata)
PLUMBING = plumbing.define_tables(metadata)
