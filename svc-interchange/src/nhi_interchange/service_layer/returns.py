"""Receipt of what the aggregation system returns (2.6.6 連携データ取込) and its reflection (2.6.7 連携データ反映)."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from ..domain import inbound, layout
from .ports import FileDrop, PrefectureAcquisitions, Store, WriteBackRefused

log = logging.getLogger(__name__)
DATA_TYPES = {"H": "資格情報（世帯）", "P": "資格情報（個人）"}
RETURNED_KIND = "R"  # the header's file_kind of a returned file
STATUSES = {"0": "accepted", "1": "rejected"}  # 処理結果 of a returned record


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
    for found in drop.returned():
        name = inbound.stored_name(found.name)
        with store.transaction() as records:
            if records.imported(name, found.sha256):
                continue
            row, results = _parse(name, found.content, found.sha256)
            for result in results:
                if result["person_id"]:
                    sent = records.sent_record(result["person_id"], result["change_id"])
                    result["seq"] = sent["seq"] if sent else None
                    result["period_id"] = sent["period_id"] if sent else ""
            records.save_import(row, results)
        if row["error"]:
            log.warning("a returned file was refused", extra={"file_name": name, "sha256": found.sha256})
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


def _parse(name: str, content: bytes | None, digest: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The import list row of a returned file and its results; a file with a fault anywhere is imported as refused
    (取込不可) with the line and field of the fault, and none of its records is reflected."""
    results, kinds = [], set()
    try:
        parsed = inbound.read(content, layout.RESULT)
        if parsed.header["file_kind"] != RETURNED_KIND:
            raise inbound.FileFault(f"line 1: field file_kind (ファイル種別) is not {RETURNED_KIND}")
        for line, values in enumerate(parsed.records, start=2):
            kind = inbound.require(values, line, layout.RESULT, "file_kind", tuple(DATA_TYPES))
            kinds.add(kind)
            results.append(
                {
                    "file_kind": kind,
                    "original_serial": int(inbound.require(values, line, layout.RESULT, "original_serial")),
                    "person_id": values["person_id"],
                    "change_id": values["change_id"],
                    "status": STATUSES[inbound.require(values, line, layout.RESULT, "status", tuple(STATUSES))],
                    "code": values["code"] or None,
                    "pref_acquired_on": inbound.iso_date(values["pref_acquired_on"]),
                    "message": values["message"] or None,
                }
            )
    except inbound.FileFault as exc:
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
        "data_type": "・".join(DATA_TYPES[k] for k in sorted(kinds)) or "資格情報",
        "count": len(results),
        "status": "取込済",
        "rejected": refused,
        "error": None,
    }
    return row, results
