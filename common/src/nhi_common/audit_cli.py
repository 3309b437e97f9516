"""`nhi-audit`: what an auditor runs against one service's database.

    nhi-audit verify --database-url URL [--schema S] [--expect-head HASH] [--anchor-file FILE --service NAME]
    nhi-audit anchor --database-url URL [--schema S] --service NAME --anchor-file FILE
    nhi-audit purge --database-url URL [--schema S] --service NAME [--export-dir DIR] [--retention-days N]
                    [--anchor-file FILE]
    nhi-audit verify-export FILE

`verify` walks the hash chain of the audit_log and exits 1 at the first broken link, naming the row, the hash
expected and the one found; it prints the chain head (note it: `--expect-head` later catches removed newest rows)
and the rows verified per second. With `--anchor-file` the newest head anchored there for the service must still
be in the chain (exit 1 when the newest rows were removed). `anchor` verifies the chain and appends its head to the
anchor file (outside the database). `purge` writes the rows older than the retention to a JSON Lines file, deletes
them and appends a purge anchor row from which the chain still verifies; with `--anchor-file` it then anchors the
new head too.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import pathlib
import sys

from . import audit, audit_anchor, config
from .config import setting
from .db import make_engine


@dataclasses.dataclass(frozen=True)
class Settings:
    retention_days: int = setting(
        "NHI_AUDIT_RETENTION_DAYS",
        str(audit.DEFAULT_RETENTION_DAYS),
        "how long every service's audit_log rows are kept before `nhi-audit purge` exports and deletes them "
        "(default five years)",
    )
    export_dir: str = setting(
        "NHI_AUDIT_EXPORT_DIR", "var/audit-exports", "where `nhi-audit purge` writes the JSON Lines export"
    )


def _engine(args):
    config.require_existing_database(args.database_url, "--database-url")
    return make_engine(args.database_url, schema=args.schema, pool_size=1)


def _verify(args) -> int:
    engine = _engine(args)
    try:
        with engine.connect() as conn:
            table = audit.audit_table(conn)
            expect_head, note = args.expect_head or "", ""
            if args.anchor_file:
                expect_head, note = _anchored_head(args, conn, table)
            result = audit.verify(conn, table, expect_head=expect_head)
    finally:
        engine.dispose()
    if note:
        print(note)
    _report(result)
    return 0 if result.ok else 1


def _anchored_head(args, conn, table) -> tuple[str, str]:
    """The row hash the anchor file says must be in the chain ('' when none must), and what was checked."""
    if not args.service:
        raise SystemExit("error: --anchor-file needs --service (whose anchors to read)")
    try:
        anchor = audit_anchor.latest(pathlib.Path(args.anchor_file), args.service)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    if anchor is None:
        return "", f"anchor: none for {args.service} in {args.anchor_file} yet"
    purged = audit_anchor.purged_through(conn, table)
    if purged is not None and anchor.seq <= purged:
        return "", f"anchor: row {anchor.seq} of {anchor.at} was purged since (exported through row {purged})"
    return anchor.row_hash, f"anchor: row {anchor.seq} hash {anchor.row_hash} of {anchor.at} must be in the chain"


def _anchor(args) -> int:
    """Verify the chain, then append its head to the anchor file; a chain that does not verify is not anchored."""
    engine = _engine(args)
    try:
        with engine.connect() as conn:
            result = audit.verify(conn, audit.audit_table(conn))
    finally:
        engine.dispose()
    if not result.ok:
        _report(result)
        print("refused: the chain does not verify; nothing anchored", file=sys.stderr)
        return 1
    return _write_anchor(args, result.head_seq, result.head_hash)


def _write_anchor(args, seq: int | None, row_hash: str) -> int:
    if seq is None:
        print("anchor: the chain is empty; nothing anchored")
        return 0
    anchor = audit_anchor.write(pathlib.Path(args.anchor_file), service=args.service, seq=seq, row_hash=row_hash)
    print(f"anchored {anchor.service} row {anchor.seq} hash {anchor.row_hash} at {anchor.at} in {args.anchor_file}")
    return 0


def _report(result: audit.Verification) -> None:
    rate = f"{result.rows_per_second:,.0f} rows/s"
    if result.broken is not None:
        print(f"BROKEN after {result.rows} verified rows: {result.broken.describe()}")
    elif result.expected_head_found is False:
        print(f"BROKEN: the noted chain head is no longer in the chain (newest rows removed); {result.rows} rows ok")
    else:
        print(f"ok: {result.rows} rows verified, chain head row {result.head_seq} hash {result.head_hash or '-'}")
    print(f"{result.rows} rows in {result.seconds:.3f} s ({rate})")


def _purge(args) -> int:
    settings = config.load(Settings)
    days = args.retention_days if args.retention_days is not None else settings.retention_days
    if days < 1:
        print("error: --retention-days must be at least 1", file=sys.stderr)
        return 2
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)
    engine = _engine(args)
    try:
        with engine.begin() as conn:
            table = audit.audit_table(conn)
            checked = audit.verify(conn, table)
            if not checked.ok:
                _report(checked)
                print("refused: the chain does not verify; nothing purged", file=sys.stderr)
                return 1
            done = audit.purge(
                conn,
                table,
                before=before,
                export_dir=pathlib.Path(args.export_dir or settings.export_dir),
                service=args.service,
            )
            head_seq, head_hash = audit.head(conn, table)
    finally:
        engine.dispose()
    if not done.count:
        print(f"nothing older than {before.isoformat(timespec='seconds')}")
    else:
        print(f"exported {done.count} rows through row {done.through_seq} to {done.export_path} "
              f"(sha256 {done.export_sha256}); deleted; purge anchor appended")  # fmt: skip
    if args.anchor_file:
        return _write_anchor(args, head_seq, head_hash)
    return 0


def _verify_export(args) -> int:
    result = audit.verify_export(pathlib.Path(args.file))
    _report(result)
    return 0 if result.ok else 1


def main(argv: list[str] | None = None) -> int:
    config.use_local_state()
    parser = argparse.ArgumentParser(prog="nhi-audit", description="Verify, export and purge a service's audit log.")
    commands = parser.add_subparsers(dest="command", required=True)
    anchor_help = "the append-only file of chain heads, outside the database"
    for name, helptext in (
        ("verify", "walk the hash chain"),
        ("anchor", "verify, then append the chain head to the anchor file"),
        ("purge", "export and delete beyond the retention"),
    ):
        sub = commands.add_parser(name, help=helptext)
        sub.add_argument("--database-url", required=True, help="the service's database (SQLAlchemy URL)")
        sub.add_argument("--schema", default=None, help="its PostgreSQL schema")
        sub.add_argument("--anchor-file", default=None, required=name == "anchor", help=anchor_help)
        if name == "verify":
            sub.add_argument("--expect-head", default="", help="a row hash from an earlier run that must be there")
            sub.add_argument("--service", default="", help="whose anchors to read from --anchor-file")
        else:
            sub.add_argument("--service", required=True, help="the service's name (export file, anchors)")
        if name == "purge":
            sub.add_argument("--export-dir", default=None, help="default NHI_AUDIT_EXPORT_DIR")
            sub.add_argument("--retention-days", type=int, default=None, help="default NHI_AUDIT_RETENTION_DAYS")
    sub = commands.add_parser("verify-export", help="verify an export file on its own")
    sub.add_argument("file")
    args = parser.parse_args(argv)
    commands_run = {"verify": _verify, "anchor": _anchor, "purge": _purge, "verify-export": _verify_export}
    return commands_run[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
