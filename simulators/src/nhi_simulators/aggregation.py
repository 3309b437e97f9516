"""The prefecture's aggregation system (国保情報集約システム) as the daily link sees it (domain.md §5.6).

It picks up the files a municipality dropped (a manifest names them with their SHA-256), checks every record against
the published layout (docs/interchange/aggregation.md, re-stated here so that the check does not trust the writer)
and the continuity rules within the prefecture, and returns a result per data record into the municipality's inbox.
It keeps what it accepted in a state file, so an overlap with another municipality's period is caught.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pathlib
from typing import Any

from . import mynumber
from .fixed_records import Checks

RECORD_SIZE = 320
# (name, bytes, kind) in file order; kind X text, 9 digits, D date or spaces.
COMMON = (("record_type", 1, "9"), ("serial", 7, "9"))
HEADER = (
    *COMMON,
    ("file_kind", 1, "X"),
    ("insurer_number", 6, "9"),
    ("business_date", 8, "D"),
    ("cutoff", 14, "9"),
    ("file_sequence", 6, "9"),
)
HOUSEHOLD = (
    *COMMON,
    ("action", 1, "9"),
    ("insurer_number", 6, "9"),
    ("household_id", 15, "X"),
    ("symbol", 20, "X"),
    ("number", 20, "X"),
    ("head_person_id", 15, "X"),
    ("postal_code", 7, "X"),
    ("address_code", 11, "X"),
    ("district_code", 6, "X"),
    ("changed_on", 8, "D"),
    ("ward_code", 6, "X"),
    ("aggregation_address_code", 13, "X"),
)
PERSON = (
    *COMMON,
    ("action", 1, "9"),
    ("insurer_number", 6, "9"),
    ("household_id", 15, "X"),
    ("person_id", 15, "X"),
    ("symbol", 20, "X"),
    ("number", 20, "X"),
    ("branch_no", 2, "9"),
    ("my_number", 12, "9"),
    ("name_kanji", 40, "X"),
    ("name_kana", 40, "X"),
    ("birth_date", 8, "D"),
    ("sex", 1, "9"),
    ("acquired_on", 8, "D"),
    ("lost_on", 8, "D"),
    ("coverage_starts_on", 8, "D"),
    ("coverage_ends_on", 8, "D"),
    ("reason", 20, "X"),
    ("limit_category", 3, "X"),
    ("change_id", 36, "X"),
)
TRAILER = (*COMMON, ("record_count", 7, "9"))
RESULT = (
    *COMMON,
    ("file_kind", 1, "X"),
    ("original_serial", 7, "9"),
    ("person_id", 15, "X"),
    ("change_id", 36, "X"),
    ("status", 1, "9"),
    ("code", 4, "X"),
    ("pref_acquired_on", 8, "D"),
    ("message", 80, "X"),
)
LIMIT_CODES = {"Z", *(f"A0{n}" for n in range(1, 7)), *(f"B0{n}" for n in range(1, 9))}

# The codes this simulator returns.
CODES = {
    "K001": "レコード長または文字コードが不正です",
    "K002": "数字項目に数字以外があります",
    "K003": "日付項目が日付ではありません",
    "K004": "個人番号が不正です",
    "K005": "限度額適用区分が不正です",
    "K006": "必須項目が未設定です",
    "K101": "都道府県内の他市町村の資格期間と重複しています",
    "K102": "資格喪失年月日が資格取得年月日より前です",
    "K007": "集約住所コードまたは行政区コードが不正です",
}


_CHECKS = Checks(RECORD_SIZE, length="K001", digits="K002", date="K003")
parse, layout_error = _CHECKS.parse, _CHECKS.layout_error


class AggregationSystem:
    """One prefecture's aggregation system over a municipality's file directory."""

    def __init__(self, file_dir: str | os.PathLike, state: str | os.PathLike) -> None:
        self.outbox = pathlib.Path(file_dir) / "outbox"
        self.inbox = pathlib.Path(file_dir) / "inbox"
        self.state_path = pathlib.Path(state)
        self.state = json.loads(self.state_path.read_text()) if self.state_path.exists() else {}
        self.state.setdefault("sequence", {})
        self.state.setdefault("delivered", {})
        self.state.setdefault("periods", {})

    def seed_period(self, *, my_number: str, insurer: str, acquired_on: str, lost_on: str = "") -> None:
        """A period another municipality of the prefecture holds for this person."""
        self.state["periods"].setdefault(my_number, []).append(
            {"insurer": insurer, "acquired_on": acquired_on, "lost_on": lost_on, "change_id": "seed"}
        )
        self._save()

    def receive(self) -> list[dict[str, Any]]:
        """Check every manifest not seen before and write the result file of each person file; the summaries."""
        summaries = []
        for manifest_path in sorted(self.outbox.glob("*.manifest.json")):
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            key = manifest_path.name
            fingerprint = hashlib.sha256(manifest_path.read_bytes()).hexdigest()
            if self.state["delivered"].get(key) == fingerprint:
                continue  # the same delivery again (a re-run of the same day): nothing new
            summaries.append(self._receive(manifest))
            self.state["delivered"][key] = fingerprint
            self._save()
        return summaries

    def _receive(self, manifest: dict[str, Any]) -> dict[str, Any]:
        insurer, day = manifest["insurer_number"], manifest["business_date"]
        summary: dict[str, Any] = {"business_date": day, "files": {}, "accepted": 0, "rejected": 0}
        previous = self.state["sequence"].get(insurer, 0)
        if manifest["file_sequence"] not in (previous + 1, previous):
            summary["refused"] = f"file sequence {manifest['file_sequence']} after {previous}"
            return summary
        results = []
        for entry in manifest["files"]:
            content = (self.outbox / entry["file_name"]).read_bytes()
            if hashlib.sha256(content).hexdigest() != entry["sha256"]:
                summary["refused"] = f"{entry['file_name']}: checksum differs from the manifest"
                return summary
            results += self._check_file(entry["kind"], content, insurer)
            summary["files"][entry["file_name"]] = entry["records"]
        self.state["sequence"][insurer] = manifest["file_sequence"]
        self._write_result(insurer, day, results)
        summary["accepted"] = sum(1 for r in results if r["status"] == "0")
        summary["rejected"] = sum(1 for r in results if r["status"] == "1")
        return summary

    def _check_file(self, kind: str, content: bytes, insurer: str) -> list[dict[str, Any]]:
        if len(content) % RECORD_SIZE:
            return [_result(kind, 0, {}, "K001")]
        chunks = [content[i : i + RECORD_SIZE] for i in range(0, len(content), RECORD_SIZE)]
        fields = PERSON if kind == "P" else HOUSEHOLD
        results = []
        for serial, chunk in enumerate(chunks[1:-1], start=1):
            try:
                values = parse(fields, chunk)
            except (ValueError, UnicodeDecodeError):
                results.append(_result(kind, serial, {}, "K001"))
                continue
            if int(values["serial"]) != serial:
                results.append(_result(kind, serial, values, "K001"))
                continue
            code = layout_error(fields, values)
            pref = ""
            if code is None and kind == "P":
                code, pref = self._check_person(values, insurer)
            elif code is None:
                code = _household_address_error(values)
            results.append(_result(kind, serial, values, code, pref))
        trailer = parse(TRAILER, chunks[-1])
        if int(trailer["record_count"]) != len(chunks) - 2:
            results = [_result(kind, r["original_serial"], r, "K001") for r in results]
        return [r for r in results if kind == "P" or r["status"] == "1"]

    def _check_person(self, v: dict[str, str], insurer: str) -> tuple[str | None, str]:
        if not mynumber.is_valid(v["my_number"]):
            return "K004", ""
        if v["limit_category"] not in LIMIT_CODES:
            return "K005", ""
        if not (v["acquired_on"] and v["birth_date"] and v["name_kana"]):
            return "K006", ""
        if v["lost_on"] and v["lost_on"] < v["acquired_on"]:
            return "K102", ""
        # Continuity in the prefecture is on the municipalities' coverage (適用開始 .. 適用終了 or 資格喪失): a move
        # within it ends one coverage and starts the next while the prefecture-level acquisition date goes on.
        starts_on = v["coverage_starts_on"] or v["acquired_on"]
        ends_on = min((d for d in (v["lost_on"], v["coverage_ends_on"]) if d), default="")
        periods = self.state["periods"].setdefault(v["my_number"], [])
        others = [p for p in periods if p["insurer"] != insurer]
        for p in others:
            other_end = _end(p)
            if not other_end or other_end > starts_on:
                if not ends_on or ends_on > _start(p):
                    return "K101", ""
        for p in [p for p in periods if p["insurer"] == insurer and _start(p) == starts_on]:
            periods.remove(p)
        periods.append(
            {
                "insurer": insurer,
                "acquired_on": v["acquired_on"],
                "lost_on": v["lost_on"],
                "starts_on": starts_on,
                "ends_on": ends_on,
            }
        )
        # ACQ-MOVE-IN-PREF: a move within the prefecture keeps the earliest acquisition of the continuous coverages.
        pref, at = v["acquired_on"], starts_on
        for p in sorted(others, key=_start, reverse=True):
            other_end = _end(p)
            if other_end and other_end <= at and _days(other_end, at) <= 1:
                pref, at = min(pref, p["acquired_on"]), _start(p)
        return None, pref if pref != v["acquired_on"] else ""

    def _write_result(self, insurer: str, day: str, results: list[dict[str, Any]]) -> None:
        self.inbox.mkdir(parents=True, exist_ok=True)
        out = bytearray(_record(HEADER, {"record_type": "1", "serial": "0", "file_kind": "R"}))
        for n, r in enumerate(results, start=1):
            out += _record(RESULT, {**r, "record_type": "2", "serial": str(n)})
        out += _record(
            TRAILER, {"record_type": "8", "serial": str(len(results) + 1), "record_count": str(len(results))}
        )
        name = f"RET_{insurer}_P_{day.replace('-', '')}.dat"
        temp = self.inbox / f".tmp-{name}"
        with open(temp, "wb") as f:
            f.write(out)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, self.inbox / name)

    def _save(self) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.state_path.with_suffix(".tmp")
        temp.write_text(json.dumps(self.state, ensure_ascii=False, sort_keys=True))
        os.replace(temp, self.state_path)


def _household_address_error(v: dict[str, str]) -> str | None:
    """A household with an address (none under DV) carries its 地区別統計コード and 集約住所コード (13 digits), and a
    行政区コード of 6 digits where the municipality has wards."""
    if not (v["postal_code"] or v["address_code"]):
        return None
    if not (v["district_code"] and v["aggregation_address_code"]):
        return "K006"
    code, ward = v["aggregation_address_code"], v["ward_code"]
    if not (len(code) == 13 and code.isascii() and code.isdigit()):
        return "K007"
    if ward and not (len(ward) == 6 and ward.isascii() and ward.isdigit()):
        return "K007"
    return None


def _start(period: dict[str, str]) -> str:
    return period.get("starts_on") or period["acquired_on"]


def _end(period: dict[str, str]) -> str:
    return period.get("ends_on") or period["lost_on"]


def _days(earlier: str, later: str) -> int:
    return (dt.datetime.strptime(later, "%Y%m%d") - dt.datetime.strptime(earlier, "%Y%m%d")).days


def _result(kind: str, serial: int, values: dict[str, str], code: str | None, pref: str = "") -> dict[str, Any]:
    return {
        "file_kind": kind,
        "original_serial": serial,
        "person_id": values.get("person_id", ""),
        "change_id": values.get("change_id", ""),
        "status": "1" if code else "0",
        "code": code or "",
        "pref_acquired_on": pref,
        "message": CODES.get(code or "", ""),
    }


def _record(fields, values: dict[str, Any]) -> bytes:
    out = bytearray()
    for name, size, kind in fields:
        text = str(values.get(name, "") or "")
        if kind == "9":
            data = text.rjust(size, "0").encode("ascii")
        else:
            data = text.encode("cp932")[:size]
        out += data.ljust(size, b" ")
    return bytes(out.ljust(RECORD_SIZE, b" "))
