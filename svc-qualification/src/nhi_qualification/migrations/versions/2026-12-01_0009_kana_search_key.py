"""The kana search key of every person (name_kana_key): how a clerk finds a name whatever they type.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from nhi_qualification.domain.kana import search_key

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    op.add_column("persons", sa.Column("name_kana_key", sa.String(100), nullable=False, server_default=""))
    conn = op.get_bind()
    persons = sa.table("persons", sa.column("person_id", sa.String), sa.column("name_kana", sa.String),
                       sa.column("name_kana_key", sa.String))
    last = ""
    while True:
        rows = conn.execute(sa.select(persons.c.person_id, persons.c.name_kana).where(persons.c.person_id > last)
                            .order_by(persons.c.person_id).limit(BATCH)).all()
        if not rows:
            break
        conn.execute(sa.update(persons).where(persons.c.person_id == sa.bindparam("pid"))
                     .values(name_kana_key=sa.bindparam("key")),
                     [{"pid": r.person_id, "key": search_key(r.name_kana)} for r in rows])
        last = rows[-1].person_id
    op.create_index("ix_persons_kana_key", "persons", ["name_kana_key"])


def downgrade() -> None:
    op.drop_index("ix_persons_kana_key", table_name="persons")
    op.drop_column("persons", "name_kana_key")
