"""Fixtures that start the real suite: embedded NATS, every service and the gateway as processes."""

from __future__ import annotations

import pytest
from support import RunningSuite, drop_schemas, start_suite

from nhi_devtools.natsserver import EmbeddedNats


@pytest.fixture(scope="session")
def running(tmp_path_factory) -> RunningSuite:
    suite, schemas = start_suite(tmp_path_factory.mktemp("suite"))
    running = RunningSuite(suite)
    yield running
    running.http.close()
    suite.stop()
    drop_schemas(schemas)


@pytest.fixture()
def nats_factory(tmp_path):
    """Start (and restart) an embedded NATS whose store survives restarts."""
    servers: list[EmbeddedNats] = []

    def start(port: int = -1) -> EmbeddedNats:
        server = EmbeddedNats(tmp_path / "nats", port=port).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
