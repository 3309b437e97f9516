"""A running suite backed up, destroyed and restored: every change, event, document and file is there again, once.

SQLite and the embedded NATS, as `make run` keeps them (a PostgreSQL deployment uses the database's point-in-time
recovery instead: docs/operations/backup.md)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import time

import nats
import pytest
from scenario_steps import joined
from support import BIN, RunningSuite, start_suite

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(600),
    pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="the SQLite backup of make run"),
]

DATABASES = ("qualification", "documents", "integration", "interchange")


def _rows(var) -> dict[str, int]:
    """Rows of every table of every service database (what a restore must give back, no more, no less)."""
    counts = {}
    for name in DATABASES:
        with sqlite3.connect(var / f"{name}.db") as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                counts[f"{name}.{table}"] = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    return counts


def _stream_messages(url: str) -> dict[str, int]:
    async def read():
        connection = await nats.connect(url)
        stream = connection.jetstream()
        counts = {}
        for name in ("NHI_EVENTS", "RESIDENT"):
            counts[name] = (await stream.stream_info(name)).state.messages
        await connection.close()
        return counts

    return asyncio.run(read())


def _files(var) -> set[str]:
    return {
        str(p.relative_to(var))
        for folder in ("documents", "interchange", "integration")
        for p in (var / folder).rglob("*")
        if p.is_file()
    }


def _settled(running: RunningSuite, person_ids: list[str]) -> None:
    """Every join has reached the print queue (svc-documents heard the events)."""
    counter = running.headers("counter")
    for person_id in person_ids:
        running.wait_for(
            lambda p=person_id: running.http.get(
                "/api/v1/print-queue", params={"person_id": p}, headers=counter
            ).json()["items"],
            timeout=60,
        )


def test_a_backup_of_a_running_suite_restores_every_change_event_and_file_once(tmp_path):
    var = tmp_path / "var"
    suite, _schemas = start_suite(var, households=0)
    running = RunningSuite(suite)
    try:
        houses = [joined(running, birth_date=birth) for birth in ("1985-04-02", "1990-07-07", "1954-12-15")]
        people = [h["person_ids"][0] for h in houses]
        _settled(running, people)
        counter = running.headers("counter")
        document = running.http.post(
            "/api/v1/documents", json={"kind": "eligibility_certificate", "person_id": people[0]}, headers=counter
        )
        assert document.status_code == 201, document.text
        pdf = running.http.get(f"/api/v1/documents/{document.json()['document_id']}/content", headers=counter).content
        qualifications = {
            p: running.http.get(f"/api/v1/persons/{p}/qualification", headers=counter).json() for p in people
        }
        time.sleep(2)  # let the relays and consumers finish what the last request started
        backup = subprocess.run(
            [str(BIN / "nhi-suite"), "backup", str(tmp_path / "backup"), "--var", str(var)],
            env=suite.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert backup.returncode == 0, backup.stderr
        manifest = json.loads(backup.stdout)
        rows, events, files = _rows(var), _stream_messages(suite.env["NATS_URL"]), _files(var)
    finally:
        running.http.close()
        suite.stop()

    shutil.rmtree(var)  # the machine is lost
    restore = subprocess.run(
        [str(BIN / "nhi-suite"), "restore", str(tmp_path / "backup"), "--var", str(var)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restore.returncode == 0, restore.stderr
    restored = json.loads(restore.stdout)
    assert restored["streams"]["NHI_EVENTS"] == events["NHI_EVENTS"] == manifest["streams"]["NHI_EVENTS"] > 0
    print("backup:", manifest["seconds"], "s; restore:", restored["seconds"], "s;", restored["streams"])

    suite, _schemas = start_suite(var, households=0)
    running = RunningSuite(suite)
    try:
        time.sleep(5)  # every consumer has seen the restored events again by now; its inbox skips them
        assert _rows(var) == rows
        assert _stream_messages(suite.env["NATS_URL"]) == events
        assert _files(var) == files
        counter = running.headers("counter")
        for person_id, before in qualifications.items():
            assert running.http.get(f"/api/v1/persons/{person_id}/qualification", headers=counter).json() == before
        again = running.http.get(f"/api/v1/documents/{document.json()['document_id']}/content", headers=counter)
        assert again.status_code == 200 and again.content == pdf
        # and the restored suite goes on working: a new join is decided, published and heard.
        house = joined(running, birth_date="1979-03-03")
        _settled(running, house["person_ids"])
    finally:
        running.http.close()
        suite.stop()
