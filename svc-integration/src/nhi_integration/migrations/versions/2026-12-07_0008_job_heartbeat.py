"""A job's heartbeat: a job runs in a thread of the service, and one whose process was killed or redeployed stayed
running for ever. The running job beats every 30 s; the service ends failed a job silent for two minutes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("integration_jobs") as batch:
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("integration_jobs") as batch:
        batch.drop_column("heartbeat_at")
