"""A known person whose household address is withheld (rule DV) says so in their stored facts too.

Before this revision, withholding a household's address marked the `dv_support` column of its known persons but left
`dv_support` in their facts as it was; a member's later event built on the facts and wrote their False back to the
column, unmarking the household, so that a later record could carry the address again. The facts of every marked
person now say True, as the store has written them since.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

persons = sa.table(
    "outbound_persons", sa.column("person_id", sa.String), sa.column("dv_support", sa.Boolean), sa.column("facts")
)


def upgrade() -> None:
    conn = op.get_bind()
    marked = conn.execute(sa.select(persons.c.person_id, persons.c.facts).where(persons.c.dv_support.is_(True)))
    for person_id, text in marked.all():
        facts = json.loads(text)
        if facts.get("dv_support") is True:
            continue
        facts["dv_support"] = True
        conn.execute(
            sa.update(persons)
            .where(persons.c.person_id == person_id)
            .values(facts=json.dumps(facts, ensure_ascii=False, sort_keys=True))
        )


def downgrade() -> None:
    """Nothing to undo: the facts say what the column said."""
