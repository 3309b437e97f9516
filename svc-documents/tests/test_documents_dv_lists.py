"""Rule DV in svc-documents' lists (the print queue, the 文字要件エラー対象者一覧) on a real database: a person under a DV
support measure is listed only to a caller svc-qualification lets see them (faked at its port)."""

from __future__ import annotations

import datetime as dt

from nhi_documents.adapters.blobs import FileBlobStore
from nhi_documents.adapters.characters_store import SqlUndrawableLog
from nhi_documents.adapters.jobs_store import SqlJobStore
from nhi_documents.adapters.store import SqlDocumentStore
from nhi_documents.service_layer.print_queue import PrintQueue
from nhi_documents.service_layer.services import DocumentService

DV_PERSON, OTHER = "900000002", "900000001"
SEEN = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)


class ScreeningQualification:
    """svc-qualification's ScreenListedPersons in memory: DV_PERSON is under a DV support measure."""

    def __init__(self) -> None:
        self.screened: list[tuple[list[str], str]] = []

    def hidden_persons(self, caller, person_ids, listing):
        self.screened.append((sorted(set(person_ids)), listing))
        return set() if "dv:read" in caller["scopes"] else {p for p in person_ids if p == DV_PERSON}


def test_the_print_queue_lists_a_dv_persons_items_only_to_a_caller_svc_qualification_lets_see_them(engine, tmp_path):
    qualification = ScreeningQualification()
    store = SqlJobStore(engine, FileBlobStore(tmp_path / "blobs"))
    with store.transaction() as tx:
        tx.add_due(
            [
                {"person_id": p, "household_id": "H1", "kind": "eligibility_certificate", "reason": "acquired",
                 "rule_ids": ["CERT-KIND"], "due_on": dt.date(2026, 11, 24), "source_event_id": f"e-{p}"}
                for p in (OTHER, DV_PERSON)
            ]
        )  # fmt: skip
    queue = PrintQueue(store=store, qualification=qualification)

    def listed(scopes: tuple[str, ...], person_id: str = "") -> list[str]:
        return [i["person_id"] for i in queue.list(person_id=person_id, caller={"scopes": scopes})[0]]

    assert listed(()) == [OTHER]
    assert listed((), person_id=DV_PERSON) == []
    assert listed(("dv:read",)) == [OTHER, DV_PERSON]
    assert qualification.screened[0] == ([OTHER, DV_PERSON], "documents.print_queue")
    assert len(queue.list()[0]) == 2  # the service's own read


def test_the_undrawable_character_list_names_a_dv_person_only_to_a_caller_svc_qualification_lets_see_them(engine):
    qualification = ScreeningQualification()
    log = SqlUndrawableLog(engine)
    for person_id in (OTHER, DV_PERSON):
        log.record(person_id=person_id, field="name", character="U+F0000", kind="eligibility_certificate", seen_at=SEEN)
    service = DocumentService(
        store=SqlDocumentStore(engine),
        qualification=qualification,
        renderer=None,
        insurer_number="139998",
        municipality_name="みどり市",
        undrawable=log,
    )

    def listed(scopes: tuple[str, ...]) -> list[str]:
        return [r["person_id"] for r in service.list_undrawable_characters(caller={"scopes": scopes})[0]]

    assert listed(()) == [OTHER]
    assert listed(("dv:read",)) == [OTHER, DV_PERSON]
    assert qualification.screened[0] == ([OTHER, DV_PERSON], "documents.undrawable_characters")
    assert len(service.list_undrawable_characters()[0]) == 2  # the service's own read
