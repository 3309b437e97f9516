"""The tables of svc-qualification (SQLAlchemy Core)."""

from __future__ import annotations

import sqlalchemy as sa

from nhi_common import plumbing

metadata = sa.MetaData()
TZ = sa.DateTime(timezone=True)

households = sa.Table(
    "households",
    metadata,
    sa.Column("household_id", sa.String(20), primary_key=True),
    sa.Column("head_person_id", sa.String(20), nullable=False),
    sa.Column("symbol", sa.String(40)),
    sa.Column("number", sa.String(40)),
    sa.Column("next_branch", sa.Integer, nullable=False, server_default="1"),
    sa.Column("address", sa.Text, nullable=False, server_default="{}"),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", TZ, nullable=False),
    sa.Column("nhi_head_person_id", sa.String(20)),
    sa.UniqueConstraint("symbol", "number", name="uq_households_symbol_number"),
)

persons = sa.Table(
    "persons",
    metadata,
    sa.Column("person_id", sa.String(20), primary_key=True),
    sa.Column("household_id", sa.String(20), nullable=False, index=True),
    sa.Column("name_kanji", sa.String(100), nullable=False),
    sa.Column("name_kana", sa.String(100), nullable=False),
    sa.Column("birth_date", sa.Date, nullable=False),
    sa.Column("sex", sa.String(1), nullable=False),
    sa.Column("relationship", sa.String(20), nullable=False, server_default=""),
    sa.Column("listing_order", sa.Integer, nullable=False, server_default="1"),
    sa.Column("resident_since", sa.Date),
    sa.Column("resident_status", sa.String(20), nullable=False, server_default="resident"),
    sa.Column("nationality", sa.String(40), nullable=False, server_default=""),
    sa.Column("residence_status", sa.String(60), nullable=False, server_default=""),
    sa.Column("residence_expires_on", sa.Date),
    sa.Column("dv_support", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("my_number_enc", sa.LargeBinary),
    sa.Column("my_number_hash", sa.String(64), index=True),
    # The key version my_number_enc and my_number_hash are under (NULL: written before versions, version 1).
    sa.Column("my_number_key_version", sa.Integer),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", TZ, nullable=False),
    sa.Column("display_name", sa.String(100), nullable=False, server_default=""),
    sa.Column("card_registered", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("name_kana_key", sa.String(100), nullable=False, server_default=""),  # domain.kana.search_key
    sa.Index("ix_persons_kana_key", "name_kana_key"),
    sa.Index("ix_persons_birth_date", "birth_date"),
)

# 枝番 once given to a person within a 記号・番号 stays theirs: never reused (NUM-INSURED).
branches = sa.Table(
    "branches",
    metadata,
    sa.Column("symbol", sa.String(40), primary_key=True),
    sa.Column("number", sa.String(40), primary_key=True),
    sa.Column("branch_no", sa.String(2), primary_key=True),
    sa.Column("person_id", sa.String(20), nullable=False),
    sa.UniqueConstraint("symbol", "number", "person_id", name="uq_branches_person"),
)

# Bitemporal: valid time [acquired_on, lost_on), record time [recorded_at, superseded_at).
periods = sa.Table(
    "qualification_periods",
    metadata,
    sa.Column("version_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("period_id", sa.String(36), nullable=False, index=True),
    sa.Column("person_id", sa.String(20), nullable=False),
    sa.Column("household_id", sa.String(20), nullable=False),
    sa.Column("insurer_number", sa.String(8), nullable=False),
    sa.Column("symbol", sa.String(40), nullable=False),
    sa.Column("number", sa.String(40), nullable=False),
    sa.Column("branch_no", sa.String(2), nullable=False),
    sa.Column("acquired_on", sa.Date, nullable=False),
    sa.Column("acquired_reason", sa.String(40), nullable=False),
    sa.Column("lost_on", sa.Date),
    sa.Column("lost_reason", sa.String(40)),
    sa.Column("recorded_at", TZ, nullable=False),
    sa.Column("superseded_at", TZ),
    sa.Column("change_id", sa.String(36), nullable=False),
    sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
    sa.Column("coverage_starts_on", sa.Date),
    sa.Column("coverage_ends_on", sa.Date),
    sa.Column("void", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("correction_reason", sa.Text, nullable=False, server_default=""),
    sa.Column("operator_id", sa.String(100), nullable=False, server_default=""),
    sa.Index("ix_periods_person_current", "person_id", "superseded_at"),
)

changes = sa.Table(
    "changes",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("change_id", sa.String(36), nullable=False, unique=True),
    sa.Column("recorded_at", TZ, nullable=False, index=True),
    sa.Column("business_date", sa.Date, nullable=False),
    sa.Column("operator_id", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(40), nullable=False),
    sa.Column("household_id", sa.String(20), nullable=False),
    sa.Column("person_ids", sa.Text, nullable=False),
    sa.Column("event_date", sa.Date, nullable=False),
    sa.Column("notified_on", sa.Date),
    sa.Column("identity_check", sa.Text, nullable=False, server_default="{}"),
    sa.Column("decision", sa.Text, nullable=False),
    sa.Column("before", sa.Text, nullable=False, server_default="{}"),
    sa.Column("after", sa.Text, nullable=False, server_default="{}"),
)

intake_items = sa.Table(
    "intake_items",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("item_id", sa.String(36), nullable=False, unique=True),
    sa.Column("source_change_id", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("household_id", sa.String(20), nullable=False),
    sa.Column("person_ids", sa.Text, nullable=False),
    sa.Column("event_date", sa.Date, nullable=False),
    sa.Column("state", sa.String(10), nullable=False, server_default="open", index=True),
    sa.Column("created_at", TZ, nullable=False),
)

certificates = sa.Table(
    "certificates",
    metadata,
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
    sa.Column("document_id", sa.String(36), nullable=False, server_default="", index=True),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("updated_at", TZ, nullable=False),
)

# Special statuses (SPECIAL-STATUS): periods with evidence, bitemporal like the qualification periods.
status_periods = sa.Table(
    "status_periods",
    metadata,
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

# Rule DV: the dv_support statuses whose end has been announced (nhi.v1.qualification.address_released), once each.
dv_releases = sa.Table(
    "dv_releases",
    metadata,
    sa.Column("status_id", sa.String(36), primary_key=True),
    sa.Column("household_id", sa.String(20), nullable=False),
    sa.Column("released_on", sa.Date, nullable=False),
    sa.Column("recorded_at", TZ, nullable=False),
)

income_facts = sa.Table(
    "income_facts",
    metadata,
    sa.Column("person_id", sa.String(20), primary_key=True),
    sa.Column("income_year", sa.Integer, primary_key=True),
    # NULL = the amount is not known (never 0): a determination that needs it is pending (BURDEN-PENDING).
    sa.Column("taxable_income", sa.BigInteger),
    sa.Column("gross_income", sa.BigInteger),
    sa.Column("kyu_tadashigaki_income", sa.BigInteger),
    sa.Column("non_taxed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("public_pension_income", sa.BigInteger),
    sa.Column("total_income", sa.BigInteger),
    sa.Column("source", sa.String(40), nullable=False, server_default="api"),
    sa.Column("recorded_at", TZ, nullable=False),
)

burden_determinations = sa.Table(
    "burden_determinations",
    metadata,
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
    sa.Column("changed", sa.Boolean, nullable=False, server_default=sa.false()),  # ratio or category changed
    # A batch's determination: the facts it was decided on (domain/explanations.facts_text), its result "" and
    # explained again on reading (service_layer/burden.explained); NULL when the result is stored.
    sa.Column("facts", sa.Text),
    sa.Index("ix_burden_determinations_job", "job_id", "household_id"),
)

# The explanations burden determinations share (a person's reasons, the same in many households), by the digest
# their result refers to ("reasons_ref"); content-addressed, so a row never changes (service_layer/burden.py).
burden_explanations = sa.Table(
    "burden_explanations",
    metadata,
    sa.Column("digest", sa.String(32), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)

jobs = sa.Table(
    "jobs",
    metadata,
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

job_chunks = sa.Table(
    "job_chunks",
    metadata,
    sa.Column("job_id", sa.String(36), primary_key=True),
    sa.Column("chunk_no", sa.Integer, primary_key=True),
    sa.Column("first_key", sa.String(40), nullable=False),
    sa.Column("last_key", sa.String(40), nullable=False),
    sa.Column("state", sa.String(20), nullable=False, server_default="queued"),
    sa.Column("done", sa.Integer, nullable=False, server_default="0"),
    sa.Column("failed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("finished_at", TZ),
)

# One row per person a job acted on: makes re-runs idempotent and feeds the target lists (e.g. 2.5.1).
job_results = sa.Table(
    "job_results",
    metadata,
    sa.Column("job_id", sa.String(36), primary_key=True),
    sa.Column("person_id", sa.String(20), primary_key=True),
    sa.Column("household_id", sa.String(20), nullable=False),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
)

# Each write of a person leaves a version: what the resident registry (or a correction) said, and when we knew it.
person_versions = sa.Table(
    "person_versions",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("person_id", sa.String(20), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("recorded_at", TZ, nullable=False),
    sa.Column("cause", sa.String(100), nullable=False),
    sa.Column("attributes", sa.Text, nullable=False),
)

PLUMBING = plumbing.define_tables(metadata)

# The checkpoint of a My Number key rotation to `target_version` (rotate-mynumber-key): persons are taken in
# person_id order and every one up to `after_person_id` is under the target version.
mynumber_rotations = sa.Table(
    "mynumber_rotations",
    metadata,
    sa.Column("target_version", sa.Integer, primary_key=True),
    sa.Column("after_person_id", sa.String(20), nullable=False, server_default=""),
    sa.Column("rotated", sa.Integer, nullable=False, server_default="0"),
    sa.Column("started_at", TZ, nullable=False),
    sa.Column("finished_at", TZ),
)
