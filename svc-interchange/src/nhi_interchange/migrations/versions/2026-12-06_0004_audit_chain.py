"""The audit log as a hash chain: purpose, prev_hash and row_hash on audit_log, the rows already there chained in
seq order, and triggers refusing UPDATE and DELETE (nhi_common.audit).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from alembic import op

from nhi_common import audit

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    audit.upgrade_to_chain(op)


def downgrade() -> None:
    audit.downgrade_from_chain(op)
