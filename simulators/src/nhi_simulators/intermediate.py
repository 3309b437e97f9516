"""The municipality's intermediate server (自治体中間サーバー) as the sub-copy link sees it (domain.md §5.7, 2.8, 2.9).

It picks up what the municipality dropped into `<file_dir>/intermediate/outbox` and answers into `.../inbox`:
- 副本 files (SUB_*): every record checked against the published layout (docs/interchange/subcopy.md, re-stated here
  so that the check does not trust the writer); the accepted ones are registered; a result per record (RES_*).
- query files (QRY_*): answered from the incomes configured for "other municipalities" (ANS_*).
- manual answers (MAN_*): matched with the requests that were waiting for them.
Other municipalities' queries (`ask`) are answered automatically from the registered copies, except a copy marked
for no automatic answer (a DV support-measure person) or a defective one: that request goes to the municipality
(REQ_*) and waits for its clerk's answer. Everything it holds is in a JSON state file; each operation holds a lock on
it, so the `serve` loop of `make run` and a one-off command (a test's `ask`) can run at the same time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import pathlib
import uuid
from typing import Any

from . import mynumber
from .fixed_records import Checks

RECORD_SIZE = 320
COMMON = (("record_type", 1, "9"), ("serial", 7, "9"))
HEADER = (
    *COMMON,
    ("file_kind", 1, "X"),
    ("insurer_number", 6, "9"),
    ("business_date", 8, "D"),
    ("cutoff", 14, "9"),
    ("file_sequence", 6, "9"),
)
TRAILER = (*COMMON, ("record_count", 7, "9"))
SUBCOPY = (
    *COMMON,
    ("action", 1, "9"),
    ("insurer_number", 6, "9"),
    ("person_id", 15, "X"),
    ("item_code", 2, "9"),
    ("symbol", 20, "X"),
    ("number", 20, "X"),
    ("branch_no", 2, "9"),
    ("qualified", 1, "9"),
    ("acquired_on", 8, "D"),
    ("lost_on", 8, "D"),
    ("limit_category", 3, "X"),
    ("no_auto_answer", 1, "9"),
    ("changed_on", 8, "D"),
    ("change_id", 36, "X"),
)
TRANSFER_RESULT = (
    *COMMON,
    ("original_serial", 7, "9"),
    ("person_id", 15, "X"),
    ("status", 1, "9"),
    ("code", 4, "X"),
    ("message", 80, "X"),
)
QUERY = (*COMMON, ("query_id", 36, "X"), ("my_number", 12, "9"), ("item_code", 2, "9"), ("income_year", 4, "9"))
AMOUNTS = ("taxable_income", "gross_income", "kyu_tadashigaki_income", "public_pension_income", "total_income")
QUERY_ANSWER = (
    *COMMON,
    ("query_id", 36, "X"),
    ("status", 1, "9"),
    ("code", 4, "X"),
    ("income_year", 4, "9"),
    ("non_taxed", 1, "9"),
    *((name, 11, "X") for name in AMOUNTS),
    ("message", 60, "X"),
)
MANUAL_REQUEST = (
    *COMMON,
    ("request_id", 36, "X"),
    ("requester", 6, "9"),
    ("person_id", 15, "X"),
    ("item_code", 2, "9"),
    ("reason", 1, "9"),
    ("requested_at", 14, "9"),
)
MANUAL_ANSWER = (
    *COMMON,
    ("request_id", 36, "X"),
    ("person_id", 15, "X"),
    ("decision", 1, "9"),
    ("item_code", 2, "9"),
    ("insurer_number", 6, "9"),
    ("qualified", 1, "9"),
    ("acquired_on", 8, "D"),
    ("lost_on", 8, "D"),
)

CODES = {
    "C001": "レコード長、文字コードまたは件数が不正です",
    "C002": "数字項目に数字以外があります",
    "C003": "日付項目が日付ではありません",
    "C004": "保険者番号が不正です",
    "C005": "必須項目が未設定です",
    "C006": "資格喪失年月日が資格取得年月日より前です",
    "C007": "処理区分または区分項目が不正です",
    "C008": "削除する副本が登録されていません",
    "Q001": "照会対象者の副本が登録されていません",
    "Q002": "個人番号が不正です",
}


_CHECKS = Checks(RECORD_SIZE, length="C001", digits="C002", date="C003")
parse, layout_error = _CHECKS.parse, _CHECKS.layout_error


def insurer_ok(number: str) -> bool:
    if len(number) != 6 or not number.isdigit():
        return False
    total = 0
    for n, digit in enumerate(reversed(number[:5])):
        product = int(digit) * (2 if n % 2 == 0 else 1)
        total += product // 10 + product % 10
    return int(number[5]) == (10 - total % 10) % 10


def record(fields, values: dict[str, Any]) -> bytes:
    out = bytearray()
    for name, size, kind in fields:
        text = str(values.get(name, "") or "")
        data = text.rjust(size, "0").encode("ascii") if kind == "9" else text.encode("cp932")[:size]
        out += data.ljust(size, b" ")
    return bytes(out.ljust(RECORD_SIZE, b" "))


def body(content: bytes) -> tuple[dict[str, str], list[bytes]]:
    """The header and the data records of a file; ValueError("C001") when it is not a whole file."""
    if not content or len(content) % RECORD_SIZE:
        raise ValueError("C001")
    chunks = [content[i : i + RECORD_SIZE] for i in range(0, len(content), RECORD_SIZE)]
    header, trailer = parse(HEADER, chunks[0]), parse(TRAILER, chunks[-1])
    if header["record_type"] != "1" or trailer["record_type"] != "8":
        raise ValueError("C001")
    if not trailer["record_count"].isdigit() or int(trailer["record_count"]) != len(chunks) - 2:
        raise ValueError("C001")
    return header, chunks[1:-1]


class IntermediateServer:
    """One municipality's intermediate server over its file directory."""

    def __init__(self, file_dir: str | os.PathLike, state: str | os.PathLike) -> None:
        root = pathlib.Path(file_dir) / "intermediate"
        self.outbox, self.inbox = root / "outbox", root / "inbox"
        self.state_path = pathlib.Path(state)
        self.state: dict[str, Any] = {}

    @contextlib.contextmanager
    def _locked(self):
        """The state as on disk now, held exclusively; saved when the block ends."""
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.state_path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self.state = json.loads(self.state_path.read_text()) if self.state_path.exists() else {}
                for key in ("seen", "copies", "incomes", "requests", "unexpected_answers"):
                    self.state.setdefault(key, {} if key != "unexpected_answers" else [])
                yield self.state
                self._save()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # ----- configuration: what "other municipalities" hold -----

    def seed_income(self, *, my_number: str, income_year: int, non_taxed: bool, **amounts: int | None) -> None:
        """The income another municipality registered as its 副本 for this My Number and year."""
        with self._locked() as state:
            state["incomes"].setdefault(my_number, {})[str(income_year)] = {
                "non_taxed": non_taxed,
                **{k: amounts.get(k) for k in AMOUNTS},
            }

    # ----- what the municipality dropped -----

    def receive(self) -> dict[str, Any]:
        """Every file of the outbox not seen before: sub-copies, queries, manual answers; a summary of each."""
        summary: dict[str, Any] = {"subcopies": [], "queries": [], "manual_answers": []}
        if not self.outbox.is_dir():
            return summary
        with self._locked():
            self._receive(summary)
        return summary

    def _receive(self, summary: dict[str, Any]) -> None:
        for path in sorted(self.outbox.iterdir()):
            if path.name.startswith(".") or path.suffix != ".dat":
                continue
            content = path.read_bytes()
            fingerprint = hashlib.sha256(content).hexdigest()
            if self.state["seen"].get(path.name) == fingerprint:
                continue
            if path.name.startswith("SUB_"):
                summary["subcopies"].append(self._subcopies(path.name, content))
            elif path.name.startswith("QRY_"):
                summary["queries"].append(self._queries(path.name, content))
            elif path.name.startswith("MAN_"):
                summary["manual_answers"].append(self._manual_answer(content))
            else:
                continue
            self.state["seen"][path.name] = fingerprint

    def _subcopies(self, name: str, content: bytes) -> dict[str, Any]:
        try:
            header, chunks = body(content)
        except (ValueError, UnicodeDecodeError):
            self._write("T", f"RES_{name}", TRANSFER_RESULT, [_transfer_result(0, {}, "C001")])
            return {"file": name, "refused": "C001"}
        insurer = header["insurer_number"]
        results = []
        for serial, chunk in enumerate(chunks, start=1):
            try:
                values = parse(SUBCOPY, chunk)
            except (ValueError, UnicodeDecodeError):
                results.append(_transfer_result(serial, {}, "C001"))
                continue
            code = self._check_copy(values, insurer, serial)
            if code is None:
                copies = self.state["copies"].setdefault(insurer, {})
                if values["action"] == "3":
                    copies.pop(values["person_id"], None)
                else:
                    copies[values["person_id"]] = {k: values[k] for k, _, _ in SUBCOPY if k not in ("record_type",)}
            results.append(_transfer_result(serial, values, code))
        self._write("T", f"RES_{name}", TRANSFER_RESULT, results)
        rejected = sum(1 for r in results if r["status"] == "1")
        return {"file": name, "accepted": len(results) - rejected, "rejected": rejected}

    def _check_copy(self, v: dict[str, str], insurer: str, serial: int) -> str | None:
        if int(v["serial"]) != serial:
            return "C001"
        code = layout_error(SUBCOPY, v)
        if code:
            return code
        if not insurer_ok(v["insurer_number"]) or v["insurer_number"] != insurer:
            return "C004"
        if not (v["person_id"] and v["symbol"] and v["number"] and v["acquired_on"]):
            return "C005"
        if v["lost_on"] and v["lost_on"] < v["acquired_on"]:
            return "C006"
        if v["action"] not in ("1", "2", "3") or v["qualified"] not in ("0", "1") or v["no_auto_answer"] not in "01":
            return "C007"
        if v["action"] == "3" and v["person_id"] not in self.state["copies"].get(insurer, {}):
            return "C008"
        return None

    def _queries(self, name: str, content: bytes) -> dict[str, Any]:
        try:
            _header, chunks = body(content)
        except (ValueError, UnicodeDecodeError):
            return {"file": name, "refused": "C001"}
        answers = []
        for chunk in chunks:
            v = parse(QUERY, chunk)
            income = self.state["incomes"].get(v["my_number"], {}).get(v["income_year"].lstrip("0") or "0")
            if not mynumber.is_valid(v["my_number"]):
                answers.append({"query_id": v["query_id"], "status": "1", "code": "Q002", "message": CODES["Q002"]})
            elif income is None:
                answers.append({"query_id": v["query_id"], "status": "1", "code": "Q001", "message": CODES["Q001"]})
            else:
                answers.append(
                    {
                        "query_id": v["query_id"],
                        "status": "0",
                        "income_year": v["income_year"],
                        "non_taxed": "1" if income["non_taxed"] else "0",
                        **{k: "" if income.get(k) is None else str(income[k]) for k in AMOUNTS},
                    }
                )
        self._write("A", f"ANS_{name}", QUERY_ANSWER, answers)
        return {"file": name, "answered": sum(1 for a in answers if a["status"] == "0"), "queries": len(answers)}

    def _manual_answer(self, content: bytes) -> dict[str, Any]:
        try:
            _header, chunks = body(content)
        except (ValueError, UnicodeDecodeError):
            return {"refused": "C001"}
        out = []
        for chunk in chunks:
            v = parse(MANUAL_ANSWER, chunk)
            request = self.state["requests"].get(v["request_id"])
            if request is None or request["state"] != "waiting":
                self.state["unexpected_answers"].append(v["request_id"])
                out.append({"request_id": v["request_id"], "unexpected": True})
                continue
            request["state"] = "provided" if v["decision"] == "1" else "refused"
            request["answer"] = {k: v[k] for k in ("qualified", "acquired_on", "lost_on", "insurer_number")}
            out.append({"request_id": v["request_id"], "state": request["state"]})
        return {"answers": out}

    # ----- another municipality asks -----

    def ask(self, *, insurer: str, person_id: str, requester: str, item_code: str = "01") -> dict[str, Any]:
        """A query from another municipality about one of this municipality's persons: answered automatically from
        the registered copy, or sent to the municipality for a manual answer (DV, defective copy)."""
        with self._locked():
            return self._ask(insurer, person_id, requester, item_code)

    def _ask(self, insurer: str, person_id: str, requester: str, item_code: str) -> dict[str, Any]:
        copy = self.state["copies"].get(insurer, {}).get(person_id)
        request_id = str(uuid.uuid4())
        if copy is None:
            request = {"state": "no_copy", "person_id": person_id, "requester": requester}
        elif copy["no_auto_answer"] == "1" or not copy.get("acquired_on"):
            reason = "1" if copy["no_auto_answer"] == "1" else "2"
            request = {"state": "waiting", "person_id": person_id, "requester": requester, "reason": reason}
            now = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=9)))
            values = {
                "request_id": request_id,
                "requester": requester,
                "person_id": person_id,
                "item_code": item_code,
                "reason": reason,
                "requested_at": now.strftime("%Y%m%d%H%M%S"),
            }
            self._write("R", f"REQ_{insurer}_{request_id}.dat", MANUAL_REQUEST, [values])
        else:
            answer = {k: copy[k] for k in ("qualified", "acquired_on", "lost_on", "insurer_number")}
            request = {"state": "answered_automatically", "person_id": person_id, "requester": requester}
            request["answer"] = answer
        self.state["requests"][request_id] = request
        return {"request_id": request_id, **request}

    def status(self) -> dict[str, Any]:
        with self._locked() as state:
            return {
                "copies": {insurer: len(found) for insurer, found in state["copies"].items()},
                "requests": state["requests"],
                "unexpected_answers": state["unexpected_answers"],
            }

    # ----- files -----

    def _write(self, kind: str, name: str, fields, rows: list[dict[str, Any]]) -> None:
        self.inbox.mkdir(parents=True, exist_ok=True)
        today = dt.date.today().strftime("%Y%m%d")
        out = bytearray(record(HEADER, {"record_type": "1", "serial": "0", "file_kind": kind, "business_date": today}))
        for n, row in enumerate(rows, start=1):
            out += record(fields, {**row, "record_type": "2", "serial": str(n)})
        out += record(TRAILER, {"record_type": "8", "serial": str(len(rows) + 1), "record_count": str(len(rows))})
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


def _transfer_result(serial: int, values: dict[str, str], code: str | None) -> dict[str, Any]:
    return {
        "original_serial": serial,
        "person_id": values.get("person_id", ""),
        "status": "1" if code else "0",
        "code": code or "",
        "message": CODES.get(code or "", ""),
    }
