"""Alembic migrations of svc-documents."""
