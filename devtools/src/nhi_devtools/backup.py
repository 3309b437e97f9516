"""Backup and restore of a local suite (`make run`'s var/): `nhi-suite backup` while it runs, `nhi-suite restore`.

What a backup holds, taken in this order so that nothing a database refers to is missing:
1. every service's SQLite database, through SQLite's online backup API (a consistent copy while the service
   writes; WAL included);
2. the files the services write (documents' blobs and print files, interchange and outbound files) and the local
   secrets (`local.env`: without the My Number key the copy is unreadable, so keep the backup as safe as var/);
3. every JetStream stream, message by message (subject, headers, data), read after the databases: a stream may
   hold a few events newer than a database, never fewer.

Restore copies the databases and files back and publishes the streams' messages, in order and with their
message ids, into a fresh store. Consumer positions are not restored: every consumer keeps an inbox of the events
it processed in its own database, so the events it had processed before the backup are skipped, and those it had
not are processed now. A database's outbox rows not yet published at the backup are published on the next start.

PostgreSQL deployments use the database's own point-in-time recovery instead (docs/operations/backup.md).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import pathlib
import shutil
import sqlite3
import sys
import time

import nats

from nhi_common.bus import STREAMS, ensure_streams

DATABASES = ("qualification", "documents", "integration", "interchange")
FILE_DIRS = ("documents", "interchange", "integration")  # under var/: blobs, print files, exchange files
STREAMS_FILE = "streams.jsonl"
MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """A reason a backup or restore cannot go on, worded for the operator."""


def _sqlite_copy(source: pathlib.Path, target: pathlib.Path) -> None:
    """SQLite's online backup: a consistent copy while the service goes on writing."""
    src, dst = sqlite3.connect(f"file:{source}?mode=ro", uri=True), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _digest(path: pathlib.Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


async def _dump_streams(nats_url: str, target: pathlib.Path) -> dict[str, int]:
    connection = await nats.connect(nats_url, connect_timeout=5)
    counts: dict[str, int] = {}
    try:
        stream = connection.jetstream(timeout=10)
        with target.open("w", encoding="utf-8") as out:
            for spec in STREAMS:
                try:
                    info = await stream.stream_info(spec.name)
                except Exception:  # noqa: BLE001 - a stream nobody created yet
                    continue
                counts[spec.name] = 0
                if info.state.messages == 0:
                    continue
                for seq in range(info.state.first_seq, info.state.last_seq + 1):
                    try:
                        message = await stream.get_msg(spec.name, seq)
                    except Exception:  # noqa: BLE001 - deleted or acknowledged (work queue) meanwhile
                        continue
                    out.write(
                        json.dumps(
                            {
                                "stream": spec.name,
                                "seq": seq,
                                "subject": message.subject,
                                "headers": dict(message.headers or {}),
                                "data": base64.b64encode(message.data or b"").decode(),
                            }
                        )
                        + "\n"
                    )
                    counts[spec.name] += 1
    finally:
        await connection.close()
    return counts


def backup(var: pathlib.Path, target: pathlib.Path) -> dict:
    """Back up the suite running from `var` into the new directory `target`; returns the manifest."""
    var = var.resolve()
    state_file = var / "suite.json"
    if not state_file.exists():
        raise BackupError(f"no suite is running from {var}: start it (make run), or copy var/ while it is stopped")
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: give a new directory")
    started = time.monotonic()
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(0o700)
    manifest: dict = {"created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "databases": {}, "files": 0, "streams": {}}
    for name in DATABASES:
        source = var / f"{name}.db"
        if not source.exists():
            continue
        copy = target / "databases" / f"{name}.db"
        copy.parent.mkdir(exist_ok=True)
        _sqlite_copy(source, copy)
        manifest["databases"][name] = _digest(copy)
    for folder in FILE_DIRS:
        if (var / folder).is_dir():
            shutil.copytree(var / folder, target / "files" / folder, dirs_exist_ok=True)
    manifest["files"] = (
        sum(1 for p in (target / "files").rglob("*") if p.is_file()) if (target / "files").exists() else 0
    )
    shutil.copy2(var / "local.env", target / "local.env")
    (target / "local.env").chmod(0o600)
    nats_url = json.loads(state_file.read_text())["nats_url"]
    manifest["streams"] = asyncio.run(_dump_streams(nats_url, target / STREAMS_FILE))
    manifest["seconds"] = round(time.monotonic() - started, 2)
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


async def _load_streams(nats_url: str, source: pathlib.Path) -> dict[str, int]:
    connection = await nats.connect(nats_url, connect_timeout=5)
    counts: dict[str, int] = {}
    try:
        stream = connection.jetstream(timeout=10)
        await ensure_streams(stream)
        if not source.exists():
            return counts
        with source.open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                await stream.publish(
                    record["subject"], base64.b64decode(record["data"]), headers=record["headers"] or None
                )
                counts[record["stream"]] = counts.get(record["stream"], 0) + 1
    finally:
        await connection.close()
    return counts


def restore(source: pathlib.Path, var: pathlib.Path) -> dict:
    """Restore the backup `source` into the state directory `var` (which must not hold a suite)."""
    from .natsserver import EmbeddedNats

    manifest_file = source / MANIFEST
    if not manifest_file.exists():
        raise BackupError(f"{source} is not a backup (no {MANIFEST})")
    manifest = json.loads(manifest_file.read_text())
    var = var.resolve()
    if (var / "suite.lock").exists() or any((var / f"{name}.db").exists() for name in DATABASES):
        raise BackupError(f"{var} already holds a suite's state: restore into an empty directory (or move it away)")
    started = time.monotonic()
    for name, digest in manifest["databases"].items():
        copy = source / "databases" / f"{name}.db"
        if _digest(copy) != digest:
            raise BackupError(f"the backup's {name}.db does not match its manifest: it is damaged")
    var.mkdir(parents=True, exist_ok=True)
    for name in manifest["databases"]:
        shutil.copy2(source / "databases" / f"{name}.db", var / f"{name}.db")
    if (source / "files").is_dir():
        for folder in (source / "files").iterdir():
            shutil.copytree(folder, var / folder.name, dirs_exist_ok=True)
    shutil.copy2(source / "local.env", var / "local.env")
    (var / "local.env").chmod(0o600)
    # The key as the suite will take it (the environment wins over local.env), so that the store it opens is this one.
    from .suite import local_secrets

    key = local_secrets(var).get("NHI_JETSTREAM_KEY")
    (var / "log").mkdir(exist_ok=True)
    server = EmbeddedNats(var / "nats", log_file=var / "log" / "nats-server.log", encryption_key=key).start()
    try:
        counts = asyncio.run(_load_streams(server.url, source / STREAMS_FILE))
    finally:
        server.stop()
    expected = {k: v for k, v in manifest["streams"].items() if v}
    if counts != expected:
        raise BackupError(f"streams restored {counts}, the backup holds {expected}")
    return {
        "databases": sorted(manifest["databases"]),
        "streams": counts,
        "seconds": round(time.monotonic() - started, 2),
    }


def main_backup(var: str, target: str) -> int:
    try:
        manifest = backup(pathlib.Path(var), pathlib.Path(target))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(manifest, ensure_ascii=False))
    return 0


def main_restore(source: str, var: str) -> int:
    try:
        summary = restore(pathlib.Path(source), pathlib.Path(var))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, ensure_ascii=False))
    return 0
