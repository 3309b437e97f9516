"""Command line of svc-documents: serve, work, migrate, sweep-blobs."""

from __future__ import annotations

import argparse
import sys

from nhi_common import config, db, logs

from .. import bootstrap
from ..adapters.blobs import FileBlobStore
from ..adapters.fonts import FontNotFound
from ..adapters.store import SqlDocumentStore
from ..settings import Settings
from . import jobs_worker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nhi-documents", description="NHI documents service (certificates as PDF)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="migrate the database, then serve gRPC and relay the outbox to NATS")
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("work", help="pull renewal chunks and svc-qualification's decisions (the print queue)")
    commands.add_parser("sweep-blobs", help="remove document files no record names (left by a crash)")
    args = parser.parse_args(argv)
    if args.command != "serve":  # a server gets its environment from its supervisor or deployment
        config.use_local_state()
    settings = config.load_or_exit(Settings)
    logs.configure_logging("svc-documents", settings.log_level)
    if args.command == "serve":
        try:
            runtime = bootstrap.build(settings)
        except (FontNotFound, ValueError) as exc:
            print(f"configuration error: {exc}", file=sys.stderr)
            return 2
        runtime.start(settle_heap=True)
        runtime.wait()
        return 0
    if args.command == "work":
        if not settings.nats_url:
            print("configuration error: the worker needs NATS_URL", file=sys.stderr)
            return 2
        try:
            worker = bootstrap.build_worker(settings)
        except (FontNotFound, ValueError) as exc:
            print(f"configuration error: {exc}", file=sys.stderr)
            return 2
        return jobs_worker.run(worker)
    engine = bootstrap.make_engine(settings)
    db.migrate(engine, bootstrap.MIGRATIONS)
    if args.command == "sweep-blobs":
        removed = SqlDocumentStore(engine, FileBlobStore(settings.blob_dir)).sweep_blobs()
        print(f"{removed} orphan files removed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
