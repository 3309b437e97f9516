"""The audit chain's head kept outside the database: an append-only JSON Lines file of anchors.

Removing the newest rows of a hash chain leaves no broken link, so the chain alone cannot show it. Each run of
`nhi-audit anchor` (and each `nhi-audit purge`) appends the head it verified (service, seq, row_hash, when) to a
file that lives elsewhere (a volume the database's operators cannot write, object storage with retention lock);
`nhi-audit verify --anchor-file` then requires the newest anchored row to be in the chain still.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import pathlib

import sqlalchemy as sa

from . import audit

KIND = "nhi-audit-anchor"


@dataclasses.dataclass(frozen=True)
class Anchor:
    service: str
    seq: int
    row_hash: str
    at: str


def write(path: pathlib.Path, *, service: str, seq: int, row_hash: str) -> Anchor:
    """Append one anchor line (flushed and fsynced before returning); the file is never rewritten."""
    anchor = Anchor(service, seq, row_hash, audit.utc_text(dt.datetime.now(dt.timezone.utc)))
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"kind": KIND, **dataclasses.asdict(anchor)}, sort_keys=True) + "\n"
    with path.open("a", encoding="utf-8") as out:
        out.write(line)
        out.flush()
        os.fsync(out.fileno())
    return anchor


def latest(path: pathlib.Path, service: str) -> Anchor | None:
    """The newest anchor of `service` in the file (None when there is none yet); a line that is not an anchor
    is refused (ValueError naming its line number), never skipped."""
    if not path.is_file():
        return None
    found = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
            anchor = Anchor(str(doc["service"]), int(doc["seq"]), str(doc["row_hash"]), str(doc["at"]))
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"{path}: line {number} is not an anchor") from None
        if doc.get("kind") != KIND:
            raise ValueError(f"{path}: line {number} is not an anchor")
        if anchor.service == service:
            found = anchor
    return found


def purged_through(conn: sa.Connection, table: sa.Table) -> int | None:
    """The last seq the newest purge exported and deleted (None when the chain was never purged)."""
    detail = conn.execute(
        sa.select(table.c.detail).where(table.c.action == audit.PURGED).order_by(table.c.seq.desc()).limit(1)
    ).scalar()
    if not detail:
        return None
    try:
        return int(json.loads(detail)["through_seq"])
    except (ValueError, KeyError, TypeError):
        return None
