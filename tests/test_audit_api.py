"""The audit log end to end: a clerk's reads through the gateway land in svc-qualification's chain with who, what,
when and why; an auditor lists them at GET /api/v1/audit-events; every service's chain verifies with nhi-audit."""

from __future__ import annotations

import subprocess
import sys
import uuid
from urllib.parse import quote

from support import RunningSuite

SERVICES = ("qualification", "documents", "integration", "interchange")


def _bearer(running: RunningSuite, *roles: str, scopes: tuple[str, ...] = ()) -> dict[str, str]:
    return {"Authorization": f"Bearer {running.token(*roles, scopes=scopes)}"}


def _events(running: RunningSuite, **filters) -> list[dict]:
    response = running.http.get("/api/v1/audit-events", params=filters, headers=running.headers("auditor"))
    assert response.status_code == 200, response.text
    return response.json()["events"]


def test_reads_are_audited_with_their_purpose_and_the_chains_verify(running: RunningSuite):
    counter = running.headers("counter")
    someone = running.http.get("/api/v1/persons", params={"page_size": 1}, headers=counter).json()["persons"][0]
    kana = someone["name_kana"][:2]
    persons = running.http.get("/api/v1/persons", params={"name_kana": kana, "page_size": 3}, headers=counter)
    assert persons.status_code == 200, persons.text
    person = persons.json()["persons"][0]
    person_id, household_id = person["person_id"], person["household_id"]

    # My Numbers unmasked need a purpose; the refusal reads nothing.
    reader = _bearer(running, "counter", scopes=("mynumber:read",))
    refused = running.http.get(f"/api/v1/persons/{person_id}", headers=reader)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "X-Purpose"
    purpose = f"窓口での本人確認 {uuid.uuid4().hex[:8]}"
    read = running.http.get(f"/api/v1/persons/{person_id}", headers={**reader, "X-Purpose": quote(purpose)})
    assert read.status_code == 200, read.text

    [row] = _events(running, purpose=purpose)
    assert (row["service"], row["action"], row["target_kind"], row["target_id"]) == (
        "qualification", "mynumber.read", "person", person_id,
    )  # fmt: skip
    assert row["operator_id"] and row["operator_id"] != "system" and len(row["row_hash"]) == 64

    # A read without the scope is audited once, its purpose taken when given; a list records its kind and count.
    running.http.get(f"/api/v1/households/{household_id}", headers={**counter, "X-Purpose": quote("世帯の確認")})
    household_rows = _events(running, action="household.read", target_id=household_id)
    assert [r["purpose"] for r in household_rows][-1] == "世帯の確認"
    searches = _events(running, action="person.search", target_kind="person")
    assert any(
        r["target_id"] == "name_kana" and r["detail"] == f"{len(persons.json()['persons'])} rows" for r in searches
    )
    assert not any(kana in (r["detail"] or "") + r["target_id"] for r in searches)  # never the value searched

    # A document names and addresses its person: fetching it is audited by svc-documents.
    created = running.http.post(
        "/api/v1/documents", json={"kind": "eligibility_certificate", "person_id": person_id}, headers=counter
    )
    assert created.status_code == 201, created.text
    document_id = created.json()["document_id"]
    fetched = running.http.get(f"/api/v1/documents/{document_id}", headers={**counter, "X-Purpose": "reissue-check"})
    assert fetched.status_code == 200, fetched.text
    [document_row] = _events(running, service="documents", action="document.read", target_id=document_id)
    assert document_row["purpose"] == "reissue-check" and document_row["target_kind"] == "document"

    # Pages through every service's rows, oldest first, without repeats.
    seen, cursor = [], None
    while True:
        params = {"page_size": 7, **({"cursor": cursor} if cursor else {})}
        page = running.http.get("/api/v1/audit-events", params=params, headers=running.headers("admin")).json()
        seen += [(e["service"], e["seq"]) for e in page["events"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) and ("qualification", row["seq"]) in seen

    for name in SERVICES:
        prefix = name.upper()
        args = [sys.executable, "-m", "nhi_common.audit_cli", "verify", "--database-url",
                running.env[f"{prefix}_DATABASE_URL"]]  # fmt: skip
        if running.env.get(f"{prefix}_DATABASE_SCHEMA"):
            args += ["--schema", running.env[f"{prefix}_DATABASE_SCHEMA"]]
        done = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and done.stdout.startswith("ok:"), (name, done.stdout, done.stderr)
