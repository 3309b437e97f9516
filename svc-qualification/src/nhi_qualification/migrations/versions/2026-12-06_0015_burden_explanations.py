"""Shared explanations of burden determinations: a batch stores each person's reasons (ELDER-START/ELDER-END, the
same for everyone born on a day) once in burden_explanations, and the determination's result refers to them by
digest; results stored before keep their text whole and read as they did.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "burden_explanations",
        sa.Column("digest", sa.String(32), primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
    )


def downgrade() -> None:
    # Put every shared explanation back into the results that refer to it, then drop the table.
    conn = op.get_bind()
    texts = dict(conn.execute(sa.text("SELECT digest, body FROM burden_explanations")).all())
    rows = conn.execute(
        sa.text("SELECT seq, result FROM burden_determinations WHERE result LIKE :p"), {"p": '%"reasons_ref":"%'}
    ).all()
    from nhi_qualification.domain.explanations import resolve_result

    for seq, result in rows:
        conn.execute(
            sa.text("UPDATE burden_determinations SET result = :r WHERE seq = :s"),
            {"r": resolve_result(result, texts), "s": seq},
        )
    op.drop_table("burden_explanations")
