"""Rule DV end to end: once a DV support-measure status is registered for one member, the household's address is in
no event on NHI_EVENTS, no outbound record (pull API and daily files), no payload svc-interchange keeps, and no
household answer to a role without the dv:read scope; records published before are scrubbed on
nhi.v1.qualification.address_withheld; a status that has ended withholds nothing."""

from __future__ import annotations

import asyncio
import pathlib
import uuid

import nats
import pytest
import sqlalchemy as sa
from scenario_steps import new_person_id, notify

from nhi_common import db
from nhi_simulators.resident import publish

pytestmark = pytest.mark.e2e

ADDRESS_FIELDS = ("postal_code", "address_code", "address", "building")
FEEDS = ("resident", "care", "healthcheck")
ROLES = ("counter", "backoffice", "auditor", "admin")  # the roles of GET /households/{id}


def household_at(running, address: dict, births: list[str], names: list[str] | None = None) -> dict:
    """A household with its own address moved in through the registry, known to svc-qualification."""
    household_id = f"H8{uuid.uuid4().int % 10**7:07d}"
    people = [
        {
            "person_id": new_person_id(),
            "name_kanji": names[order - 1] if names else "試験 花子",
            "name_kana": "シケン　ハナコ",
            "birth_date": birth,
            "sex": "2",
            "relationship": "世帯主" if order == 1 else "子",
            "listing_order": order,
            "nationality": "",
            "residence_status": "",
            "residence_expires_on": "",
            "dv_support": False,
        }
        for order, birth in enumerate(births, 1)
    ]
    publish(
        running.env["NATS_URL"],
        {
            "change_id": str(uuid.uuid4()),
            "change_kind": "move_in",
            "event_date": "2026-10-01",
            "notified_on": "2026-10-01",
            "household_id": household_id,
            "head_person_id": people[0]["person_id"],
            "previous_municipality": "",
            "address": address,
            "persons": people,
        },
    )
    counter = running.headers("counter")
    running.wait_for(lambda: running.http.get(f"/api/v1/households/{household_id}", headers=counter).status_code == 200)
    return {"household_id": household_id, "person_ids": [p["person_id"] for p in people]}


def join(running, household: dict, person_ids: list[str]) -> None:
    body = {
        "kind": "join",
        "reason": "move_in",
        "household_id": household["household_id"],
        "persons": [{"person_id": p} for p in person_ids],
        "event_date": "2026-10-01",
    }
    answer = notify(running, body)
    assert answer.status_code == 201, answer.text


def register_dv(running, household: dict, person_id: str, start: str, end: str | None = None) -> None:
    status = {"person_id": person_id, "kind": "dv_support", "start": start, "evidence": ["support_measure_record"]}
    if end:
        status["end"] = end
    body = {
        "kind": "status",
        "reason": "status",
        "household_id": household["household_id"],
        "persons": [{"person_id": person_id}],
        "event_date": start,
        "statuses": [status],
    }
    answer = notify(running, body)
    assert answer.status_code in (200, 201), answer.text


def records_of(running, person_ids: list[str]) -> list[dict]:
    """Every outbound record of these persons in every feed, read as a poller does."""
    batch = running.headers("batch")
    found = []
    for feed in FEEDS:
        after = 0
        while True:
            page = running.http.get(
                f"/api/v1/outbound/{feed}", params={"after": after, "page_size": 500}, headers=batch
            ).json()
            found += [r for r in page["records"] if r["person_id"] in person_ids]
            after = page["last_sequence"]
            if not page["more"]:
                break
    return found


def stream_last_sequence(url: str) -> int:
    async def last() -> int:
        nc = await nats.connect(url)
        try:
            return (await nc.jetstream().stream_info("NHI_EVENTS")).state.last_seq
        finally:
            await nc.close()

    return asyncio.run(last())


def stream_messages(url: str, after: int) -> list[tuple[str, bytes]]:
    """Every message NHI_EVENTS holds after sequence `after`: (subject, data), as the server gives them back."""

    async def read() -> list[tuple[str, bytes]]:
        nc = await nats.connect(url)
        try:
            js = nc.jetstream()
            last = (await js.stream_info("NHI_EVENTS")).state.last_seq
            out = []
            for seq in range(after + 1, last + 1):
                try:
                    msg = await js.get_msg("NHI_EVENTS", seq)
                except nats.js.errors.NotFoundError:
                    continue
                out.append((msg.subject, msg.data))
            return out
        finally:
            await nc.close()

    return asyncio.run(read())


def interchange_payloads(running, person_ids: list[str]) -> list[str]:
    env = running.env
    engine = db.service_engine(env["INTERCHANGE_DATABASE_URL"], env.get("INTERCHANGE_DATABASE_SCHEMA") or None)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT payload, snapshot FROM pending_aggregation WHERE person_id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)
                ),
                {"ids": person_ids},
            ).all()
        return [r.payload + (r.snapshot or "") for r in rows]
    finally:
        engine.dispose()


def household_address(running, household_id: str, *roles: str, scopes: tuple[str, ...] = ()) -> dict:
    token = running.token(*roles, scopes=scopes)
    headers = {"Authorization": f"Bearer {token}"}
    if scopes:  # dv:read reads the address of a DV household only with a purpose (kept in the audit log)
        headers["X-Purpose"] = "dv-check"
    answer = running.http.get(f"/api/v1/households/{household_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return {k: v for k, v in (answer.json()["address"] or {}).items() if v}


def test_a_dv_status_of_one_member_keeps_the_household_address_out_of_every_event_feed_payload_and_answer(running):
    marker = f"DV試験町{uuid.uuid4().int % 10**6:06d}番地"
    address = {
        "postal_code": "3990777",
        "address_code": "13999077",
        "address": marker,
        "building": "",
        "district_code": "07",
    }
    house = household_at(running, address, ["1975-04-01", "1978-06-02", "2001-08-03", "1980-01-04"])
    first, dv_person, third, late = house["person_ids"]
    join(running, house, [first, dv_person, third])
    before = running.wait_for(lambda: (lambda rs: rs if len(rs) >= 3 else None)(records_of(running, [first, third])))
    assert any(r["address"] == marker for r in before)  # published with the address before the status
    assert household_address(running, house["household_id"], "counter")["address"] == marker

    start_seq = stream_last_sequence(running.env["NATS_URL"])
    register_dv(running, house, dv_person, "2026-11-01")
    join(running, house, [late])  # an acquisition after the status: its event must not carry the address

    members = house["person_ids"]

    def scrubbed_and_heard():
        records = records_of(running, members)
        heard = any(r["person_id"] == late for r in records)
        return records if heard and all(r[k] is None for r in records for k in ADDRESS_FIELDS) else None

    records = running.wait_for(scrubbed_and_heard, timeout=60)
    assert all(r["dv_support"] is True for r in records)

    messages = stream_messages(running.env["NATS_URL"], start_seq)
    ours = [(s, d) for s, d in messages if house["household_id"].encode() in d]
    subjects = {s for s, _ in ours}
    assert "nhi.v1.qualification.address_withheld" in subjects and "nhi.v1.qualification.acquired" in subjects
    leaking = [s for s, d in messages if marker.encode() in d or b"3990777" in d]
    assert leaking == [], leaking

    batch = running.headers("batch")
    job = running.http.post("/api/v1/jobs", json={"kind": "outbound_files", "parameters": {}}, headers=batch)
    assert job.status_code in (200, 201, 202), job.text
    done = running.wait_for(
        lambda: (lambda j: j if j["state"] in ("succeeded", "failed") else None)(
            running.http.get(f"/api/v1/jobs/{job.json()['job_id']}", headers=batch).json()
        ),
        timeout=60,
    )
    assert done["state"] == "succeeded", done
    files = [p for p in pathlib.Path(running.env["INTEGRATION_OUTBOUND_DIR"]).rglob("*") if p.is_file()]
    assert files
    for path in files:
        raw = path.read_bytes()
        assert marker.encode("utf-8") not in raw and marker.encode("cp932") not in raw, path

    payloads = running.wait_for(
        lambda: (lambda ps: ps if len(ps) >= 4 else None)(interchange_payloads(running, members))
    )
    assert all(marker not in p for p in payloads)

    answers = 0
    for role in ROLES:
        assert household_address(running, house["household_id"], role) == {}, role
        answers += 1
    assert household_address(running, house["household_id"], "counter", scopes=("dv:read",))["address"] == marker
    print(
        f"DV: {len(messages)} NHI_EVENTS messages after the status ({len(ours)} of the household), "
        f"{len(records)} outbound records, {len(files)} outbound files, {len(payloads)} interchange payloads, "
        f"{answers + 1} household answers checked for the address"
    )


def test_a_dv_status_that_ended_before_the_business_date_withholds_nothing(running):
    marker = f"DV終了町{uuid.uuid4().int % 10**6:06d}番地"
    address = {
        "postal_code": "3990778",
        "address_code": "13999078",
        "address": marker,
        "building": "",
        "district_code": "07",
    }
    house = household_at(running, address, ["1975-04-01", "1978-06-02"])
    first, dv_person = house["person_ids"]
    register_dv(running, house, dv_person, "2026-01-01", end="2026-11-10")  # the business date is 2026-11-24
    start_seq = stream_last_sequence(running.env["NATS_URL"])
    join(running, house, [first])
    records = running.wait_for(lambda: records_of(running, [first]))
    assert records[0]["address"] == marker and records[0]["dv_support"] is False
    assert household_address(running, house["household_id"], "counter")["address"] == marker
    messages = stream_messages(running.env["NATS_URL"], start_seq)
    assert any(marker.encode() in d for s, d in messages if s == "nhi.v1.qualification.acquired")
