"""Store fixtures: every store test runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set."""

from __future__ import annotations

import base64

import pytest
from clients import Qualification

from nhi_devtools import testing
from nhi_qualification import bootstrap
from nhi_qualification.adapters.vault import MyNumberVault

KEY = base64.b64encode(b"k" * 32).decode()


@pytest.fixture(params=testing.backends())
def engine(request, tmp_path):
    with testing.migrated_engine(request.param, tmp_path, "qualification", bootstrap.MIGRATIONS) as migrated:
        yield migrated


@pytest.fixture
def vault():
    return MyNumberVault(KEY)


@pytest.fixture
def app(engine):
    import datetime as dt

    return bootstrap.make_app(
        engine, mynumber_key=KEY, insurer_number="139998", insured_symbol="みどり", business_date=dt.date(2026, 11, 24)
    )


@pytest.fixture
def service(app):
    return Qualification(app)
