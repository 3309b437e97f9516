"""GET /jobs, the part every service shares: a page of its jobs newest first, after a key the gateway hands on."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from nhi_common import db, job_listing, paging
from nhi_common.errors import InvalidInput
from nhi_devtools import testing

T0 = dt.datetime(2026, 12, 8, 1, 0, tzinfo=dt.UTC)


@pytest.fixture(params=testing.backends())
def jobs(request, tmp_path):
    """A jobs table as the services have it (the columns jobs_page reads), with jobs of two kinds, two of them
    created in the same microsecond."""
    metadata = sa.MetaData()
    table = sa.Table(
        "jobs",
        metadata,
        sa.Column("job_id", sa.String(60), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with testing.database(request.param, tmp_path, "jobs") as (url, schema):
        engine = db.make_engine(url, schema=schema)
        metadata.create_all(engine)
        rows = [
            ("j1", "age75_loss", "succeeded", T0),
            ("j2", "age75_loss", "failed", T0 + dt.timedelta(minutes=1)),
            ("j3", "burden_redetermination", "running", T0 + dt.timedelta(minutes=2)),
            ("j4b", "age75_loss", "queued", T0 + dt.timedelta(minutes=3, microseconds=7)),
            ("j4a", "burden_redetermination", "assembling", T0 + dt.timedelta(minutes=3, microseconds=7)),
        ]
        with engine.begin() as conn:
            conn.execute(
                sa.insert(table), [dict(zip(("job_id", "kind", "state", "created_at"), r, strict=True)) for r in rows]
            )
        yield engine, table
        engine.dispose()


def _all_pages(engine, table, *, size, kinds=("age75_loss", "burden_redetermination"), states=()) -> list[list[str]]:
    pages, cursor = [], ""
    while True:
        with engine.connect() as conn:
            rows, more = db.jobs_page(
                conn, table, kinds=kinds, states=states, page=paging.parse(size, cursor, numeric=False)
            )
        pages.append([r.job_id for r in rows])
        if not more:
            return pages
        last = rows[-1]
        shown = (last.created_at if last.created_at.tzinfo else last.created_at.replace(tzinfo=dt.UTC)).isoformat()
        cursor = job_listing.cursor(shown, last.job_id)


def test_jobs_come_newest_first_a_page_at_a_time_each_once_ties_in_time_by_job_id(jobs):
    engine, table = jobs
    assert _all_pages(engine, table, size=2) == [["j4b", "j4a"], ["j3", "j2"], ["j1"]]
    assert _all_pages(engine, table, size=1) == [["j4b"], ["j4a"], ["j3"], ["j2"], ["j1"]]  # a tie split
    assert _all_pages(engine, table, size=5) == [["j4b", "j4a", "j3", "j2", "j1"]]


def test_a_kind_and_a_state_narrow_the_list(jobs):
    engine, table = jobs
    assert _all_pages(engine, table, size=2, kinds=("age75_loss",)) == [["j4b", "j2"], ["j1"]]
    assert _all_pages(engine, table, size=9, states=job_listing.states("failed")) == [["j2"]]
    running = job_listing.states("running", running=("running", "assembling"))
    assert _all_pages(engine, table, size=9, states=running) == [["j4a", "j3"]]


def test_a_cursor_given_in_another_offset_is_the_same_moment(jobs):
    engine, table = jobs
    in_tokyo = (T0 + dt.timedelta(minutes=2)).astimezone(dt.timezone(dt.timedelta(hours=9))).isoformat()
    with engine.connect() as conn:
        rows, more = db.jobs_page(
            conn,
            table,
            kinds=("age75_loss", "burden_redetermination"),
            states=(),
            page=paging.parse(10, job_listing.cursor(in_tokyo, "j3"), numeric=False),
        )
    assert [r.job_id for r in rows] == ["j2", "j1"] and not more


@pytest.mark.parametrize(
    ("key", "field"),
    [("2026-12-08T01:00:00|j1", "cursor"), ("yesterday|j1", "cursor"), ("2026-12-08T01:00:00+00:00|", "cursor")],
)
def test_a_key_no_list_gave_out_is_refused_as_a_cursor(key, field):
    with pytest.raises(InvalidInput) as refused:
        job_listing.key(paging.parse(10, paging.cursor_of(key), numeric=False))
    assert refused.value.field == field


def test_an_unknown_kind_or_state_is_refused_naming_its_field():
    with pytest.raises(InvalidInput) as kind:
        job_listing.kinds("annual_renewal", ("age75_loss",))
    with pytest.raises(InvalidInput) as state:
        job_listing.states("assembling")  # stored by svc-documents, never shown
    assert (kind.value.field, state.value.field) == ("kind", "state")
    assert job_listing.kinds("", ("age75_loss", "x")) == ("age75_loss", "x") and job_listing.states("") == ()
