"""Tables of the pension and welfare feeds, the inconsistency list and the jobs of svc-integration (migrations 0003,
0006)."""

from __future__ import annotations

import sqlalchemy as sa

from .tables import TZ, metadata

# The 国民年金 category each person holds now, as the pension system last told us ("" once lost).
pension_categories = sa.Table(
    "pension_categories",
    metadata,
    sa.Column("person_id", sa.String(20), primary_key=True),
    sa.Column("category", sa.String(1), nullable=False),
    sa.Column("changed_on", sa.Date, nullable=False),
    sa.Column("change_id", sa.String(100), nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

# The 生活保護 periods the welfare system told us of: from 保護開始日 up to 廃止日 (null while protected).
welfare_periods = sa.Table(
    "welfare_periods",
    metadata,
    sa.Column("person_id", sa.String(20), primary_key=True),
    sa.Column("started_on", sa.Date, primary_key=True),
    sa.Column("ended_on", sa.Date),
    sa.Column("change_id", sa.String(100), nullable=False),
    sa.Column("reason", sa.String(200), nullable=False, server_default=""),
    sa.Column("updated_at", TZ, nullable=False),
)

# 国保資格不整合一覧: one row per finding; resolved rows stay, with who resolved them, when, and by which change.
inconsistencies = sa.Table(
    "inconsistencies",
    metadata,
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
    sa.Index("ix_inconsistencies_person_kind_state", "person_id", "kind", "state"),
    sa.Index("ix_inconsistencies_state_seq", "state", "seq"),
)

# The jobs this service runs (inconsistency_check); their ids start with "integration-".
integration_jobs = sa.Table(
    "integration_jobs",
    metadata,
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
    sa.Column("heartbeat_at", TZ),  # revision 0008: the running job's last sign of life
)
