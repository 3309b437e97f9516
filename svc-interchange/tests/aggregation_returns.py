"""A return file of the national aggregation system (RET_), as the aggregation simulator writes it: the tests of the
daily aggregation and of hostile inbound files build theirs here."""

from __future__ import annotations

from nhi_interchange.domain import layout


def returned_file(results: list[tuple[str, str, str, str, str]]) -> bytes:
    """A return file's bytes: (person_id, change_id, status, code, prefecture acquisition date) per result."""
    head, _ = layout.encode(layout.HEADER, {"record_type": "1", "serial": 0, "file_kind": "R"})
    body = []
    for n, (person_id, change_id, status, code, pref) in enumerate(results, start=1):
        values = {
            "record_type": "2",
            "serial": n,
            "file_kind": "P",
            "original_serial": n,
            "person_id": person_id,
            "change_id": change_id,
            "status": status,
            "code": code,
            "pref_acquired_on": pref,
            "message": "都道府県内の資格期間が重複しています" if code else "",
        }
        body.append(layout.encode(layout.RESULT, values)[0])
    trailer, _ = layout.encode(layout.TRAILER, {"record_type": "8", "serial": len(body) + 1, "record_count": len(body)})
    return head + b"".join(body) + trailer
