"""Store fixtures: every store test runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set."""

from __future__ import annotations

import base64
import os
import uuid

import pytest
import sqlalchemy as sa

from nhi_common import db
from nhi_qualification import bootstrap
from nhi_qualification.adapters.vault import MyNumberVault
from nhi_qualification.service_layer.services import QualificationService

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
KEY = base64.b64encode(b"k" * 32).decode()


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    if request.param == "sqlite":
        engine = db.make_engine(f"sqlite:///{tmp_path / 'q.db'}")
        schema = None
    else:
        schema = f"t_{uuid.uuid4().hex[:10]}"
        engine = db.make_engine(os.environ["TEST_DATABASE_URL"], schema=schema)
    db.migrate(engine, bootstrap.MIGRATIONS)
    yield engine
    engine.dispose()
    if schema:
        admin = sa.create_engine(os.environ["TEST_DATABASE_URL"])
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def vault():
    return MyNumberVault(KEY)


@pytest.fixture
def service(engine, vault):
    import datetime as dt

    return QualificationService(engine=engine, vault=vault, insurer_number="139998", insured_symbol="みどり",
                                fixed_business_date=dt.date(2026, 11, 24))
