"""How long a running job still needs, from what it did so far (the API's `eta_seconds`, the CLIs' progress)."""

from __future__ import annotations

import datetime as dt
import math


def eta_seconds(job: dict, now: dt.datetime | None = None) -> int | None:
    """Seconds left at the pace since the job was created; None until there is a pace to go by, while the job's
    total is still growing (`planning`), or once it ended."""
    total, processed = job.get("total") or 0, (job.get("done") or 0) + (job.get("failed") or 0)
    if job.get("state") != "running" or job.get("planning") or not total or not job.get("created_at"):
        return None
    if processed >= total:
        return 0
    if processed <= 0:
        return None
    created = dt.datetime.fromisoformat(job["created_at"])
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.timezone.utc)
    elapsed = ((now or dt.datetime.now(dt.timezone.utc)) - created).total_seconds()
    return max(0, math.ceil(elapsed / processed * (total - processed)))
