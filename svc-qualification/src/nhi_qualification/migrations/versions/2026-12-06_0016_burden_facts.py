"""Burden determinations of a batch keep the facts they were decided on instead of their explanation: a nullable
`facts` column (domain/explanations.facts_text; the result is then ""), and reading decides again on those facts
with the same rules (service_layer/burden.explained), which gives back the explanation byte for byte. Rows stored
before keep their result and read as they did.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("burden_determinations", sa.Column("facts", sa.Text))


def downgrade() -> None:
    # Write the explanation of every row stored as facts whole into its result, then drop the column.
    conn = op.get_bind()
    from nhi_qualification.service_layer.burden import explained_result

    rows = conn.execute(
        sa.text(
            "SELECT seq, determination_id, household_id, as_of, income_year, facts FROM burden_determinations "
            "WHERE facts IS NOT NULL"
        )
    ).all()
    for r in rows:
        as_of = dt.date.fromisoformat(r.as_of) if isinstance(r.as_of, str) else r.as_of  # SQLite: text
        conn.execute(
            sa.text("UPDATE burden_determinations SET result = :r WHERE seq = :s"),
            {"r": explained_result(r.facts, r.household_id, r.determination_id, as_of, r.income_year), "s": r.seq},
        )
    with op.batch_alter_table("burden_determinations") as batch:
        batch.drop_column("facts")
