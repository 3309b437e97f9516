"""Fixtures of the common tests that talk to a real nats-server."""

from __future__ import annotations

import pytest

from nhi_common.bus import Bus, BusRuntime


@pytest.fixture()
def bus(nats_server):
    runtime = BusRuntime()
    bus = Bus(nats_server.url, "test")
    runtime.call(bus.connect())
    yield runtime, bus
    runtime.call(bus.close())
    runtime.stop()
