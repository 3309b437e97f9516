"""Two processes of one service (its gRPC server and its job worker) start on one PostgreSQL schema at the same
moment: both come up, the schema migrated once."""

from __future__ import annotations

import multiprocessing
import os
import uuid

import pytest
import sqlalchemy as sa

from nhi_common import db
from nhi_documents import bootstrap

URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgresql"), reason="a PostgreSQL race; set TEST_DATABASE_URL")


def _migrate(schema: str) -> None:
    engine = db.make_engine(URL, schema=schema)
    db.migrate(engine, bootstrap.MIGRATIONS)
    engine.dispose()


def test_processes_migrating_one_schema_at_once_all_succeed():
    schema = f"race_{uuid.uuid4().hex[:8]}"
    context = multiprocessing.get_context("fork")  # the children open their own connections
    try:
        for _attempt in range(3):
            processes = [context.Process(target=_migrate, args=(schema,)) for _ in range(3)]
            for process in processes:
                process.start()
            for process in processes:
                process.join(120)
            assert [p.exitcode for p in processes] == [0, 0, 0]
        engine = sa.create_engine(URL)
        with engine.connect() as conn:
            versions = conn.exec_driver_sql(f'SELECT count(*) FROM "{schema}".alembic_version').scalar()
        assert versions >= 1
    finally:
        engine = sa.create_engine(URL)
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()
