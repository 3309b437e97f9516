"""An index on certificates.document_id: the certificate ledger finds the certificates of a fetch of issued
documents by their document ids (by_documents, a fetch at a time), which without it read the whole table each time,
so an annual renewal's ledger slowed as it filled and two renewal workers went no faster than one.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_certificates_document_id", "certificates", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_certificates_document_id", table_name="certificates")
