"""Fixtures every test folder shares."""

from __future__ import annotations

import pytest

from nhi_devtools.natsserver import EmbeddedNats


@pytest.fixture
def nats_server(tmp_path):
    """A real nats-server with JetStream, its store under the test's tmp_path, stopped after the test."""
    server = EmbeddedNats(tmp_path / "nats").start()
    yield server
    server.stop()
