"""Receipt of what the aggregation system returns (2.6.6 連携データ取込) and its reflection (2.6.7 連携データ反映)."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from typing import Any

from ..domain import layout
from .ports import FileDrop, PrefectureAcquisitions, Store, WriteBackRefused

log = logging.getLogger(__name__)
DATA_TYPES = {"H": "資格情報（世帯）", "P": "資格情報（個人）"}


@dataclasses.dataclass(frozen=True)
class ImportResult:
    files: int
    accepted: int
    rejected: int
    written_back: int = 0  # ACQ-MOVE-IN-PREF dates svc-qualification took (recorded or already so)
    write_back_waiting: int = 0  # dates not written because svc-qualification did not answer: tried next time


def import_returned(*, store: Store, drop: FileDrop, register: PrefectureAcquisitions | None = None) -> ImportResult:
    """Import every returned file not imported before; reflect each result on the record it names; write every
    prefecture acquisition date returned (ACQ-MOVE-IN-PREF) back into svc-qualification, those of earlier imports
    that could not be written included."""
    files = accepted = rejected = 0
    for name, content in drop.returned():
        digest = hashlib.sha256(content).hexdigest()
        with store.transaction() as records:
            if records.imported(name, digest):
                continue
            row, results = _parse(name, content, digest)
            for result in results:
                if result["person_id"]:
                    sent = records.sent_record(result["person_id"], result["change_id"])
                    result["seq"] = sent["seq"] if sent else None
                    result["period_id"] = sent["period_id"] if sent else ""
            records.save_import(row, results)
        files += 1
        accepted += sum(1 for r in results if r["status"] == "accepted")
        rejected += sum(1 for r in results if r["status"] == "rejected")
    written = waiting = 0
    if register is not None:
        written, waiting = _write_back(store, register)
    log.info(
        "returned data imported",
        extra={"files": files, "accepted": accepted, "rejected": rejected, "written_back": written},
    )
    return ImportResult(files, accepted, rejected, written, waiting)


def _write_back(store: Store, register: PrefectureAcquisitions) -> tuple[int, int]:
    """ACQ-MOVE-IN-PREF: each waiting date into its period in svc-qualification; (taken, still waiting)."""
    with store.transaction() as records:
        waiting = records.pending_write_backs()
    taken = left = 0
    for row in waiting:
        try:
            outcome = register.record_prefecture_acquisition(
                person_id=row["person_id"],
                period_id=row["period_id"],
                prefecture_acquired_on=row["pref_acquired_on"],
                source_change_id=row["change_id"] or "",
            )
        except WriteBackRefused as exc:
            state, note = "refused", str(exc)[:500]
        except Exception as exc:  # svc-qualification unreachable or failing: the next import tries again
            log.warning("prefecture acquisition date not written back", extra={"error": exc.__class__.__name__})
            state, note = "pending", "資格管理サービスが応答しません"
        else:
            state, note = outcome, None
            taken += 1
        left += state == "pending"
        with store.transaction() as records:
            records.record_write_back(row["seq"], state, note)
    return taken, left


def _parse(name: str, content: bytes, digest: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The import list row of a returned file and its results; a file that does not parse is imported as refused."""
    size = layout.RECORD_SIZE
    results, kinds = [], set()
    try:
        if len(content) % size:
            raise ValueError(f"{len(content)} bytes is not a whole number of {size}-byte records")
        chunks = [content[i : i + size] for i in range(0, len(content), size)]
        trailer = layout.decode(layout.TRAILER, chunks[-1])
        body = chunks[1:-1]
        if int(trailer["record_count"]) != len(body):
            raise ValueError(f"the trailer counts {trailer['record_count']} records, the file has {len(body)}")
        for chunk in body:
            values = layout.decode(layout.RESULT, chunk)
            kinds.add(values["file_kind"])
            results.append(
                {
                    "file_kind": values["file_kind"],
                    "original_serial": int(values["original_serial"]),
                    "person_id": values["person_id"],
                    "change_id": values["change_id"],
                    "status": "accepted" if values["status"] == "0" else "rejected",
                    "code": values["code"] or None,
                    "pref_acquired_on": _date(values["pref_acquired_on"]),
                    "message": values["message"] or None,
                }
            )
    except (ValueError, IndexError, UnicodeDecodeError) as exc:
        row = {
            "file_name": name,
            "sha256": digest,
            "data_type": "不明",
            "count": 0,
            "status": "取込不可",
            "rejected": 0,
        }
        return {**row, "error": str(exc)}, []
    refused = sum(1 for r in results if r["status"] == "rejected")
    row = {
        "file_name": name,
        "sha256": digest,
        "data_type": "・".join(DATA_TYPES.get(k, k) for k in sorted(kinds)) or "資格情報",
        "count": len(results),
        "status": "取込済",
        "rejected": refused,
        "error": None,
    }
    return row, results


def _date(text: str) -> str | None:
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}" if text else None
