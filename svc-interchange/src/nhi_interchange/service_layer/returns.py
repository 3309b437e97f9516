"""Receipt of what the aggregation system returns (2.6.6 連携データ取込) and its reflection (2.6.7 連携データ反映)."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from typing import Any

from ..domain import layout
from .ports import FileDrop, Store

log = logging.getLogger(__name__)
DATA_TYPES = {"H": "資格情報（世帯）", "P": "資格情報（個人）"}


@dataclasses.dataclass(frozen=True)
class ImportResult:
    files: int
    accepted: int
    rejected: int


def import_returned(*, store: Store, drop: FileDrop) -> ImportResult:
    """Import every returned file not imported before; reflect each result on the record it names."""
    files = accepted = rejected = 0
    for name, content in drop.returned():
        digest = hashlib.sha256(content).hexdigest()
        with store.transaction() as records:
            if records.imported(name, digest):
                continue
            row, results = _parse(name, content, digest)
            for result in results:
                if result["person_id"]:
                    result["seq"] = records.sent_record(result["person_id"], result["change_id"])
            records.save_import(row, results)
        files += 1
        accepted += sum(1 for r in results if r["status"] == "accepted")
        rejected += sum(1 for r in results if r["status"] == "rejected")
    log.info("returned data imported", extra={"files": files, "accepted": accepted, "rejected": rejected})
    return ImportResult(files, accepted, rejected)


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
