"""Sub-copies with the intermediate server: registration and its transfer (2.8.1–2.8.2), the manual-answer queue,
queries and their results (2.9.1, 2.9.3), a result feeding the household's pending burden decision (BURDEN-PENDING).

The exchange is by files in the intermediate server's drop (docs/interchange/subcopy.md): what we send goes into
its outbox atomically, what it sends back waits in its inbox until the intermediate_receipt job reads it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from nhi_common.errors import Conflict, InvalidInput, NotFound

from ..domain import inbound, layout
from ..domain import subcopy as sc
from .ports import BurdenDecisions, FileDrop, PersonDirectory, Store

log = logging.getLogger(__name__)
JST = ZoneInfo("Asia/Tokyo")
RESULT_PREFIX, ANSWER_PREFIX, REQUEST_PREFIX = "RES_", "ANS_", "REQ_"
DECISIONS = {"provide": "1", "refuse": "2"}
# A record the intermediate server rejected is sent again by the next registration runs, up to this many attempts in
# all, unless a later change of the person is sent meanwhile; past it, only the person's next change sends it.
MAX_ATTEMPTS = 3


@dataclasses.dataclass(frozen=True)
class TransferResult:
    transfer_id: str | None  # None when no person changed since the last transfer and nothing is re-sent
    records: int
    errors: int
    no_auto_answer: int
    file_name: str | None
    retried: int = 0  # records re-sent after a rejection


@dataclasses.dataclass(frozen=True)
class SendResult:
    sent: int
    refused: int
    file_name: str | None


@dataclasses.dataclass(frozen=True)
class ReceiptResult:
    files: int
    transfer_results: int
    answers: int
    manual_requests: int
    redetermined: int


def _file(kind: str, insurer: str, day: dt.date, now: dt.datetime, sequence: int, rows: list[bytes]) -> Iterator[bytes]:
    head, _ = layout.encode(
        layout.HEADER,
        {
            "record_type": "1",
            "serial": 0,
            "file_kind": kind,
            "insurer_number": insurer,
            "business_date": day.isoformat(),
            "cutoff": now.astimezone(JST).strftime("%Y%m%d%H%M%S"),
            "file_sequence": sequence,
        },
    )
    yield head
    yield from rows
    trailer, _ = layout.encode(layout.TRAILER, {"record_type": "8", "serial": len(rows) + 1, "record_count": len(rows)})
    yield trailer


def register_subcopies(
    *,
    store: Store,
    people: PersonDirectory,
    drop: FileDrop,
    insurer_number: str,
    business_date: dt.date,
    now: dt.datetime,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> TransferResult:
    """2.8.1–2.8.2: the 副本 of every person changed since the last transfer, into one file for the intermediate
    server, with the records it rejected before sent again (MAX_ATTEMPTS); a DV support-measure person's record is
    marked for no automatic answer."""
    with store.transaction() as records:
        candidates, through = records.subcopy_candidates()
        changed = {c["person_id"] for c in candidates}
        # a person changed since supersedes the rejected record: the new one goes instead
        candidates += [r for r in records.subcopy_retries(MAX_ATTEMPTS) if r["person_id"] not in changed]
        sequence = records.next_transfer_sequence()
    if not candidates:
        return TransferResult(None, 0, 0, 0, None)
    rows, encoded, serial = [], [], 0
    for done, candidate in enumerate(candidates, start=1):
        facts = people.person(candidate["person_id"])
        copy = sc.subcopy_of(
            serial + 1, candidate["snapshot"], insurer_number, dv_support=bool(facts and facts.dv_support)
        )
        row = {
            "person_id": candidate["person_id"],
            "record_seq": candidate["seq"],
            "change_type": copy.change_type,
            "no_auto_answer": copy.no_auto_answer,
            "serial": 0,
            "status": "error",
            "code": copy.error,
            "attempt": candidate.get("attempt", 0) + 1,
        }
        if copy.error is None:
            serial += 1
            # 記号・番号 are the only text; what CP932 lacks is degraded as in the aggregation files (layout.DEGRADE)
            data, _ = layout.encode(sc.SUBCOPY, copy.values)
            encoded.append(data)
            row.update(serial=serial, status="sent", code=None)
        rows.append(row)
        progress(done, len(candidates))
    name = sc.file_name("SUB", insurer_number, business_date.isoformat(), sequence)
    size, digest = drop.deliver(name, _file(sc.KIND_SUBCOPY, insurer_number, business_date, now, sequence, encoded))
    transfer = {
        "transfer_id": str(uuid.uuid4()),
        "state": "sent",
        "records": serial,
        "created_at": now,
        "business_date": business_date.isoformat(),
        "file_name": name,
        "sha256": digest,
        "through_seq": through,
        "no_auto_answer": sum(1 for r in rows if r["status"] == "sent" and r["no_auto_answer"]),
        "retried": sum(1 for r in rows if r["status"] == "sent" and r["attempt"] > 1),
    }
    with store.transaction() as records:
        if records.next_transfer_sequence() != sequence:
            raise ValueError(f"another transfer took sequence {sequence} meanwhile; run the job again")
        records.save_transfer(transfer, [{**r, "transfer_id": transfer["transfer_id"]} for r in rows])
    log.info(
        "sub-copies transferred",
        extra={"records": serial, "bytes": size, "errors": len(rows) - serial, "retried": transfer["retried"]},
    )
    return TransferResult(
        transfer["transfer_id"], serial, len(rows) - serial, transfer["no_auto_answer"], name, transfer["retried"]
    )


def send_queries(
    *,
    store: Store,
    people: PersonDirectory,
    burden: BurdenDecisions,
    drop: FileDrop,
    insurer_number: str,
    business_date: dt.date,
    now: dt.datetime,
) -> SendResult:
    """2.9.1: every queued 副本照会 into one request file; a query without a My Number is refused, not sent."""
    with store.transaction() as records:
        queued = records.queries_in_state("queued")
        sequence = records.next_query_file_sequence()
    if not queued:
        return SendResult(0, 0, None)
    name = sc.file_name("QRY", insurer_number, business_date.isoformat(), sequence)
    encoded, updates = [], []
    for query in queued:
        facts = people.person(query["person_id"])
        if facts is None or not facts.my_number:
            note = "宛名番号が見つかりません" if facts is None else "個人番号が未登録のため照会できません"
            updates.append((query["query_id"], {"state": "refused", "result_note": note}))
            continue
        try:
            year = burden.income_year(facts.household_id)
        except InvalidInput as exc:
            updates.append((query["query_id"], {"state": "refused", "result_note": f"所得年を決められません: {exc}"}))
            continue
        values = {
            "record_type": "2",
            "serial": len(encoded) + 1,
            "query_id": query["query_id"],
            "my_number": facts.my_number,
            "item_code": sc.ITEM_CODES[query["item"]],
            "income_year": year,
        }
        data, _ = layout.encode(sc.QUERY, values)
        encoded.append(data)
        updates.append(
            (
                query["query_id"],
                {
                    "state": "sent",
                    "household_id": facts.household_id,
                    "income_year": year,
                    "sent_at": now,
                    "request_file": name,
                },
            )
        )
    if encoded:
        drop.deliver(name, _file(sc.KIND_QUERY, insurer_number, business_date, now, sequence, encoded))
    with store.transaction() as records:
        for query_id, values in updates:
            records.update_query(query_id, **values)
    return SendResult(len(encoded), len(updates) - len(encoded), name if encoded else None)


def receive(*, store: Store, drop: FileDrop, burden: BurdenDecisions, now: dt.datetime) -> ReceiptResult:
    """2.8.2 and 2.9.3: every file the intermediate server left that was not received before: transfer results,
    requests for a manual answer, query answers (each checked, and fed into the household's burden decision)."""
    counts = {"files": 0, "transfer_results": 0, "answers": 0, "manual_requests": 0, "redetermined": 0}
    for found in drop.incoming(tuple(LAYOUTS)):
        name = inbound.stored_name(found.name)
        with store.transaction() as records:
            if records.received(name, found.sha256):
                continue
        try:
            kind, body = _read(found.name, found.content)
        except inbound.FileFault as exc:
            log.warning("an intermediate server file is unreadable", extra={"file_name": name, "sha256": found.sha256})
            with store.transaction() as records:
                records.save_receipt(_receipt(name, found.sha256, "unreadable", 0, str(exc), now))
            continue
        if kind == sc.KIND_TRANSFER_RESULT:
            counts["transfer_results"] += _transfer_result(store, name, body)
        elif kind == sc.KIND_MANUAL_REQUEST:
            counts["manual_requests"] += _manual_requests(store, body, now)
        else:
            answered, redetermined = _answers(store, burden, body, now)
            counts["answers"] += answered
            counts["redetermined"] += redetermined
        with store.transaction() as records:
            records.save_receipt(_receipt(name, found.sha256, kind, len(body), None, now))
        counts["files"] += 1
    log.info("intermediate server files received", extra=counts)
    return ReceiptResult(**counts)


def _receipt(name: str, digest: str, kind: str, count: int, error: str | None, now: dt.datetime) -> dict[str, Any]:
    return {"file_name": name, "sha256": digest, "kind": kind, "records": count, "error": error, "received_at": now}


# The file kind, the record layout and the fields every record must set, of each file the intermediate server sends.
LAYOUTS = {
    RESULT_PREFIX: (sc.KIND_TRANSFER_RESULT, sc.TRANSFER_RESULT, {"original_serial": (), "status": ("0", "1")}),
    REQUEST_PREFIX: (
        sc.KIND_MANUAL_REQUEST,
        sc.MANUAL_REQUEST,
        {"request_id": (), "person_id": (), "item_code": (), "reason": ()},
    ),
    ANSWER_PREFIX: (sc.KIND_QUERY_ANSWER, sc.QUERY_ANSWER, {"query_id": ()}),
}


def _read(name: str, content: bytes | None) -> tuple[str, list[dict[str, str]]]:
    """The file kind and the checked data records of a file, every record read before any is applied; FileFault
    naming the line and field of the first fault."""
    kind, of, required = next(v for p, v in LAYOUTS.items() if name.startswith(p))
    parsed = inbound.read(content, of)
    if parsed.header["file_kind"] != kind:
        raise inbound.FileFault(f"line 1: field file_kind (ファイル種別) is not {kind} as the file name says")
    for line, values in enumerate(parsed.records, start=2):
        for field, allowed in required.items():
            inbound.require(values, line, of, field, allowed)
    return kind, parsed.records


def _transfer_result(store: Store, name: str, results: list[dict[str, str]]) -> int:
    original = name.removeprefix(RESULT_PREFIX)
    whole = next((r for r in results if int(r["original_serial"]) == 0), None)
    with store.transaction() as records:
        transfer = records.transfer_by_file(original)
        if transfer is None:
            log.warning("a transfer result names no transfer of ours", extra={"file_name": original})
            return 0
        note = f"{whole['code']} {whole['message']}".strip() if whole else None
        records.record_transfer_result(
            transfer["transfer_id"],
            [
                {"original_serial": int(r["original_serial"]), "status": r["status"], "code": r["code"] or None}
                for r in results
                if r is not whole
            ],
            note,
            max_attempts=MAX_ATTEMPTS,
        )
    return len(results)


def _manual_requests(store: Store, body: list[dict[str, str]], now: dt.datetime) -> int:
    added = 0
    with store.transaction() as records:
        for v in body:
            added += records.add_manual_request(
                {
                    "request_id": v["request_id"],
                    "person_id": v["person_id"],
                    "item": sc.ITEMS.get(v["item_code"], v["item_code"]),
                    "requester": v["requester"],
                    "reason": sc.REASONS.get(v["reason"], v["reason"]),
                    "state": "waiting",
                    "received_at": now,
                }
            )
    return added


def _answers(store: Store, burden: BurdenDecisions, body: list[dict[str, str]], now: dt.datetime) -> tuple[int, int]:
    answered = redetermined = 0
    for values in body:
        with store.transaction() as records:
            query = records.get_query(values["query_id"])
        if query is None or query["state"] != "sent":
            # not ours, or answered already (a receipt interrupted before its file was marked received)
            log.warning("an answer names no query waiting for it", extra={"known": query is not None})
            continue
        answer = sc.check_answer(values, asked_year=query["income_year"] or 0, asked_state=query["state"])
        update: dict[str, Any] = {
            "state": answer.state,
            "answered_at": now,
            "result_code": answer.code or None,
            "result_note": answer.note,
        }
        if answer.income is not None:
            update.update({k: answer.income[k] for k in (*sc.AMOUNTS, "non_taxed")})
            fact = {**answer.income, "person_id": query["person_id"]}
            try:
                decided = burden.redetermine(query["household_id"], fact, key=f"subcopy-answer-{query['query_id']}")
            except (InvalidInput, NotFound) as exc:
                update["result_note"] = f"所得を受領しましたが負担割合を再判定できません: {exc}"
            else:
                update.update(
                    determination_id=decided["determination_id"],
                    ratio_percent=decided["ratio_percent"],
                    pending=decided["pending"],
                    result_note="所得を受領し負担割合を再判定しました"
                    + ("（他の世帯員の所得が未確定のため保留）" if decided["pending"] else ""),
                )
                redetermined += 1
        with store.transaction() as records:
            records.update_query(query["query_id"], **update)
        answered += 1
    return answered, redetermined


def decide_manual_request(
    *,
    store: Store,
    drop: FileDrop | None,
    insurer_number: str,
    request_id: str,
    decision: str,
    note: str,
    operator_id: str,
    now: dt.datetime,
) -> dict[str, Any]:
    """The clerk's answer to a request the intermediate server could not answer automatically, recorded and sent
    back; a DV person's address is never part of it (a sub-copy answer carries none)."""
    if decision not in DECISIONS:
        raise InvalidInput("decision", "decision is provide or refuse", code="UNKNOWN_KIND")
    if len(note) > 500:
        raise InvalidInput("note", "a note is at most 500 characters", code="INVALID_ARGUMENT", rule="maxLength")
    with store.transaction() as records:
        request = records.get_manual_request(request_id)
        if request is None:
            raise NotFound("manual_request", request_id)
        decided = "provided" if decision == "provide" else "refused"
        if request["state"] == decided and request["decided_by"] == operator_id:
            return request  # a retry of the same decision (a lost answer): what was recorded
        if request["state"] != "waiting":
            raise Conflict(
                f"request {request_id} was answered already ({request['state']})",
                code="ALREADY_DECIDED",
                metadata={"state": request["state"]},
            )
        snapshot = records.latest_snapshot(request["person_id"]) or {}
    values = {
        "record_type": "2",
        "serial": 1,
        "request_id": request_id,
        "person_id": request["person_id"],
        "decision": DECISIONS[decision],
        "item_code": sc.ITEM_CODES.get(request["item"], "01"),
        "qualified": "0",
    }
    if decision == "provide":
        values.update(
            insurer_number=insurer_number,
            qualified="0" if snapshot.get("lost_on") or not snapshot.get("acquired_on") else "1",
            acquired_on=snapshot.get("acquired_on", ""),
            lost_on=snapshot.get("lost_on", ""),
        )
    if drop is None:
        raise RuntimeError("svc-interchange was built without the intermediate server's drop")
    data, _ = layout.encode(sc.MANUAL_ANSWER, values)
    name = f"MAN_{insurer_number}_{request_id}.dat"
    day = now.astimezone(JST).date()
    drop.deliver(name, _file(sc.KIND_MANUAL_ANSWER, insurer_number, day, now, 1, [data]))
    with store.transaction() as records:
        records.update_manual_request(
            request_id,
            state=decided,
            decided_at=now,
            decided_by=operator_id,
            note=note or None,
            answer_file=name,
        )
        records.audit(
            operator_id=operator_id,
            action="subcopy.manual_decided",
            target_kind="person",
            target_id=request["person_id"],
            detail=f"{decided}: request {request_id}",
        )
        return records.get_manual_request(request_id)
