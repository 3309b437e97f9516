"""Fixtures of the common tests that talk to a real nats-server."""

from __future__ import annotations

import pytest

from nhi_common.bus import Bus, BusRuntime
from nhi_devtools.natsserver import EmbeddedNats


@pytest.fixture()
def bus(tmp_path):
    server = EmbeddedNats(tmp_path / "nats").start()
    runtime = BusRuntime()
    bus = Bus(server.url, "test")
    runtime.call(bus.connect())
    yield runtime, bus
    runtime.call(bus.close())
    runtime.stop()
    server.stop()
