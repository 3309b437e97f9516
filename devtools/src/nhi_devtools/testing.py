"""Test support shared by the services' test suites: one empty database per test, on SQLite and on PostgreSQL, and
a wait for what a process does in the background.

Store tests run on SQLite always, and on PostgreSQL too when TEST_DATABASE_URL is set (each test in a schema of its
own, dropped afterwards).
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent import futures

import grpc
import pytest
import sqlalchemy as sa

from nhi_common import db


def backends() -> list:
    """Parameters for a database fixture: sqlite, plus postgres when TEST_DATABASE_URL is set; postgres alone when
    TEST_DATABASE_ONLY is set too (CI's PostgreSQL pass, whose SQLite half the default pass has just run)."""
    if not os.environ.get("TEST_DATABASE_URL"):
        return ["sqlite"]
    postgres = pytest.param("postgres", marks=pytest.mark.postgres)
    return [postgres] if os.environ.get("TEST_DATABASE_ONLY") else ["sqlite", postgres]


@contextlib.contextmanager
def database(backend: str, tmp_path: pathlib.Path, name: str) -> Iterator[tuple[str, str | None]]:
    """(url, schema) of an empty database for one test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / (name + '.db')}", None
        return
    url = os.environ["TEST_DATABASE_URL"]
    schema = f"test_{name}_{uuid.uuid4().hex[:10]}"
    try:
        yield url, schema
    finally:
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@contextlib.contextmanager
def migrated_engine(backend: str, tmp_path: pathlib.Path, name: str, migrations) -> Iterator[sa.Engine]:
    """An engine on an empty database migrated to the head of `migrations`, disposed afterwards."""
    with database(backend, tmp_path, name) as (url, schema):
        engine = db.make_engine(url, schema=schema)
        try:
            db.migrate(engine, migrations)
            yield engine
        finally:
            engine.dispose()


def eventually(predicate: Callable[[], object], timeout: float = 15, what: str = "condition") -> None:
    """Wait until `predicate()` holds (asked every 50 ms); AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} not reached within {timeout}s")


@contextlib.contextmanager
def grpc_server(
    servicer: object, add_to_server: Callable[[object, grpc.Server], None], workers: int = 4
) -> Iterator[str]:
    """A real gRPC server on a free local port serving `servicer` (registered by the generated `add_..._to_server`),
    for a test's fake of another service; yields its address and stops it after."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    add_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(0).wait()
