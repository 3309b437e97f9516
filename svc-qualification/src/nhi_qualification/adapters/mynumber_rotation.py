"""Re-encryption of every stored My Number under the current key version (`rotate-mynumber-key`).

Persons are taken in person_id order, a batch per transaction; a row is rewritten only when its
my_number_key_version is not the current one, and it gets its ciphertext, its look-up hash (each key version
has its own hash key) and its version in the same statement. The checkpoint (mynumber_rotations: the last
person_id done for the target version) is written in the batch's transaction, so a run killed at any point
continues after the last committed batch, and a row already under the target version is never encrypted again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import sqlalchemy as sa

from nhi_common.plumbing import utcnow

from .tables import mynumber_rotations, persons
from .vault import MyNumberVault


@dataclasses.dataclass(frozen=True)
class RotationResult:
    target_version: int
    rotated: int  # rows re-encrypted by this run
    total_rotated: int  # rows re-encrypted for this target version, over every run
    resumed_after: str  # the person_id the run continued after ("" from the start)


def rotate(
    engine: sa.Engine,
    vault: MyNumberVault,
    *,
    batch_size: int = 500,
    after_batch: Callable[[int], None] = lambda rotated: None,
) -> RotationResult:
    """Move every My Number to the vault's current key version, resuming from the checkpoint of that version."""
    target = vault.keys.current
    with engine.begin() as conn:
        checkpoint = conn.execute(
            sa.select(mynumber_rotations).where(mynumber_rotations.c.target_version == target)
        ).first()
        if checkpoint is None:
            conn.execute(sa.insert(mynumber_rotations).values(target_version=target, started_at=utcnow()))
            after, total = "", 0
        elif checkpoint.finished_at is not None:
            # A finished rotation is checked again from the start: rows written under an old key since then.
            conn.execute(
                sa.update(mynumber_rotations)
                .where(mynumber_rotations.c.target_version == target)
                .values(after_person_id="", finished_at=None)
            )
            after, total = "", checkpoint.rotated
        else:
            after, total = checkpoint.after_person_id, checkpoint.rotated
    resumed_after, rotated = after, 0
    while True:
        with engine.begin() as conn:
            batch = conn.execute(
                sa.select(
                    persons.c.person_id,
                    persons.c.my_number_enc,
                    persons.c.my_number_key_version,
                )
                .where(persons.c.person_id > after)
                .order_by(persons.c.person_id)
                .limit(batch_size)
            ).all()
            if not batch:
                conn.execute(
                    sa.update(mynumber_rotations)
                    .where(mynumber_rotations.c.target_version == target)
                    .values(finished_at=utcnow())
                )
                break
            stale = [r for r in batch if r.my_number_enc is not None and (r.my_number_key_version or 1) != target]
            for row in stale:
                plain = vault.decrypt(row.my_number_enc, row.my_number_key_version)
                conn.execute(
                    sa.update(persons)
                    .where(persons.c.person_id == row.person_id)
                    # Only when still under the version read: a concurrent writer's fresh value stays.
                    .where(_same_version(row.my_number_key_version))
                    .values(**vault.seal(plain))
                )
            after = batch[-1].person_id
            rotated += len(stale)
            total += len(stale)
            conn.execute(
                sa.update(mynumber_rotations)
                .where(mynumber_rotations.c.target_version == target)
                .values(after_person_id=after, rotated=total)
            )
        after_batch(rotated)
    return RotationResult(target, rotated, total, resumed_after)


def _same_version(version: int | None):
    column = persons.c.my_number_key_version
    return column.is_(None) if version is None else column == version


def versions_in_use(engine: sa.Engine) -> dict[int, int]:
    """How many stored My Numbers are under each key version (NULL counted as 1)."""
    version = sa.func.coalesce(persons.c.my_number_key_version, 1)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(version, sa.func.count()).where(persons.c.my_number_enc.is_not(None)).group_by(version)
        ).all()
    return {int(v): int(n) for v, n in rows}
