"""The embedded nats-server finds a free port by itself; test databases are SQLite unless PostgreSQL is given."""

from __future__ import annotations

import socket

from nhi_devtools import testing
from nhi_devtools.natsserver import EmbeddedNats


def test_port_minus_one_starts_on_a_free_port_that_speaks_nats(tmp_path):
    server = EmbeddedNats(tmp_path / "nats").start()
    try:
        assert server.port > 0
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            assert sock.recv(4) == b"INFO"
    finally:
        server.stop()
    assert server.process.poll() is not None


def test_without_test_database_url_only_sqlite_is_a_backend(monkeypatch):
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    assert testing.backends() == ["sqlite"]
