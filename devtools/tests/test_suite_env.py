"""`nhi-suite env`: local secrets made once and kept private, and the NATS_URL of a running suite."""

from __future__ import annotations

import base64
import json
import stat

import pytest

from nhi_devtools import suite


@pytest.fixture(autouse=True)
def no_secrets_in_the_environment(monkeypatch):
    monkeypatch.delenv("NHI_JWT_SECRET", raising=False)
    monkeypatch.delenv("NHI_MYNUMBER_KEY", raising=False)


def test_local_secrets_are_made_once_and_only_the_owner_can_read_them(tmp_path):
    first = suite.local_secrets(tmp_path)
    assert stat.S_IMODE((tmp_path / "local.env").stat().st_mode) == 0o600
    assert len(base64.b64decode(first["NHI_MYNUMBER_KEY"])) == 32
    assert suite.local_secrets(tmp_path) == first


def test_a_secret_in_the_environment_wins_and_is_not_written_down(tmp_path, monkeypatch):
    monkeypatch.setenv("NHI_JWT_SECRET", "from-the-environment")
    assert suite.local_secrets(tmp_path)["NHI_JWT_SECRET"] == "from-the-environment"
    assert "from-the-environment" not in (tmp_path / "local.env").read_text()


def test_env_prints_export_lines_with_the_nats_url_of_the_running_suite(tmp_path, capsys):
    (tmp_path / "suite.json").write_text(
        json.dumps({"api": "http://127.0.0.1:8080/api/v1", "nats_url": "nats://127.0.0.1:4999"})
    )
    assert suite.main(["env", "--var", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "export NATS_URL=nats://127.0.0.1:4999" in lines
    assert {line.split("=", 1)[0] for line in lines} == {
        "export NATS_URL",
        "export NHI_JWT_SECRET",
        "export NHI_MYNUMBER_KEY",
    }


def test_the_embedded_nats_keeps_its_store_encrypted(tmp_path):
    """JetStream encryption at rest: what is published is not in the store's files as written."""
    import asyncio

    import nats

    from nhi_devtools.natsserver import EmbeddedNats

    key = suite.local_secrets(tmp_path)["NHI_JETSTREAM_KEY"]
    server = EmbeddedNats(tmp_path / "nats", encryption_key=key).start()
    marker = "ヤマダ タロウ 123456789018"

    async def publish() -> int:
        connection = await nats.connect(server.url)
        stream = connection.jetstream()
        await stream.add_stream(name="RESIDENT", subjects=["resident.v1.>"])
        await stream.publish("resident.v1.changes", marker.encode())
        info = await stream.stream_info("RESIDENT")
        await connection.close()
        return info.state.messages

    try:
        assert asyncio.run(publish()) == 1
    finally:
        server.stop()
    stored = b"".join(p.read_bytes() for p in (tmp_path / "nats" / "jetstream").rglob("*") if p.is_file())
    assert stored and marker.encode() not in stored and b"123456789018" not in stored
    assert key not in (tmp_path / "nats" / "nats-server.conf").read_text()
