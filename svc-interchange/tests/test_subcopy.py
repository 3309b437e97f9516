"""Sub-copies with the intermediate server (2.8, 2.9) on a real database, real file drops and the intermediate-server
simulator; svc-qualification (persons, burden decisions) faked at its port."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from nhi.common.v1 import common_pb2
from nhi_common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from nhi_common.events import Event
from nhi_common.paging import Page
from nhi_devtools import testing
from nhi_interchange import bootstrap
from nhi_interchange.adapters.files import DirectoryDrop
from nhi_interchange.adapters.store import SqlStore
from nhi_interchange.domain import layout
from nhi_interchange.domain import subcopy as sc
from nhi_interchange.service_layer import subcopy
from nhi_interchange.service_layer.ports import PersonFacts
from nhi_interchange.service_layer.services import InterchangeService
from nhi_simulators.intermediate import IntermediateServer

DAY = dt.date(2026, 12, 5)
DURING_DAY = dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC)
PEOPLE = {
    "000000001": PersonFacts("000000001", "H1", "123456789018", False),
    "000000002": PersonFacts("000000002", "H2", "234567890121", True),  # DV support measure
    "000000003": PersonFacts("000000003", "H3", "", False),
}


def acquired(person_id: str, **extra) -> Event:
    """svc-qualification's event of a join, as svc-interchange hears it (the address is the household's)."""
    data = {
        "person_id": person_id,
        "household_id": "H1",
        "head_person_id": person_id,
        "name_kanji": "山田 太郎",
        "name_kana": "ヤマダ タロウ",
        "birth_date": "1955-04-01",
        "sex": "1",
        "address": {"postal_code": "1000001", "address_code": "13101001001", "district_code": "0101"},
        "dv_support": False,
        "change_id": f"c-{person_id}",
        "period_id": f"p-{person_id}",
        "insurer_number": "139998",
        "symbol": "みどり",
        "number": "0000001",
        "branch_no": "01",
        "acquired_on": "2026-12-01",
        "lost_on": "",
        "coverage_starts_on": "2026-12-01",
        "coverage_ends_on": "",
        "reason": "move_in",
        **extra,
    }
    kind = "lost" if data["lost_on"] else "acquired"
    return Event.new(
        source="urn:nhi:svc-qualification", type=f"jp.nhi.qualification.{kind}.v1", subject=person_id, data=data
    )


class FakePeople:
    def __init__(self) -> None:
        self.screened: list[tuple[list[str], str]] = []

    def person(self, person_id):
        return PEOPLE.get(person_id)

    def hidden_persons(self, caller, person_ids, listing):
        self.screened.append((sorted(set(person_ids)), listing))
        if "dv:read" in caller["scopes"]:
            return set()
        return {p for p in person_ids if p in PEOPLE and PEOPLE[p].dv_support}


class FakeBurden:
    def __init__(self) -> None:
        self.calls = []

    def income_year(self, household_id):
        return 2025

    def redetermine(self, household_id, income, *, key):
        self.calls.append((household_id, income, key))
        ratio = 30 if (income.get("taxable_income") or 0) >= 1_450_000 else 20
        return {"determination_id": f"d-{len(self.calls)}", "ratio_percent": ratio, "pending": False}


@pytest.fixture(params=testing.backends())
def setup(request, tmp_path):
    with testing.migrated_engine(request.param, tmp_path, "interchange", bootstrap.MIGRATIONS) as engine:
        burden = FakeBurden()
        drop = DirectoryDrop(tmp_path / "files" / bootstrap.INTERMEDIATE)
        service = InterchangeService(
            SqlStore(engine),
            intermediate=drop,
            people=FakePeople(),
            burden=burden,
            insurer_number="139998",
            clock=lambda: DURING_DAY,
        )
        server = IntermediateServer(tmp_path / "files", tmp_path / "intermediate.json")
        yield service, server, burden, drop


def changes(service):
    service.record_qualification_event(acquired("000000001"))
    service.record_qualification_event(acquired("000000002", household_id="H2", dv_support=True))
    service.record_qualification_event(acquired("000000003", household_id="H3", symbol=""))


def rows(service, kind):
    return service.list_report(kind, page=Page(100, None))[0]


def test_changed_persons_are_transferred_and_the_server_registers_them(setup):
    service, server, _burden, drop = setup
    changes(service)

    transfer = service.register_subcopies(DAY)

    assert (transfer.records, transfer.errors, transfer.no_auto_answer) == (2, 1, 1)
    content = (drop.outbox / transfer.file_name).read_bytes()
    assert len(content) == 4 * layout.RECORD_SIZE
    first = layout.decode(sc.SUBCOPY, content[layout.RECORD_SIZE : 2 * layout.RECORD_SIZE])
    assert (first["person_id"], first["action"], first["no_auto_answer"]) == ("000000001", "1", "0")
    dv = layout.decode(sc.SUBCOPY, content[2 * layout.RECORD_SIZE : 3 * layout.RECORD_SIZE])
    assert (dv["person_id"], dv["no_auto_answer"]) == ("000000002", "1")
    assert "みどり市" not in content.decode("cp932") and "1000001" not in content.decode("cp932")  # no address
    [listed] = service.list_transfers(page=Page(10, None))[0]
    assert (listed["state"], listed["records"], listed["accepted"]) == ("sent", 2, 0)

    [summary] = server.receive()["subcopies"]
    assert (summary["accepted"], summary["rejected"]) == (2, 0)
    received = service.receive_intermediate()
    assert received.transfer_results == 2

    [listed] = service.list_transfers(page=Page(10, None))[0]
    assert (listed["state"], listed["accepted"], listed["rejected"], listed["no_auto_answer"]) == (
        "registered",
        2,
        0,
        1,
    )
    assert listed["result_at"] and listed["file_name"] == transfer.file_name
    targets = {r["person_id"]: r for r in rows(service, "subcopy_target_list")}
    assert targets["000000001"]["transfer_status"] == "登録済"
    assert targets["000000002"]["transfer_status"] == "登録済・自動応答不可"
    assert targets["000000003"]["transfer_status"] == "作成不可（S001）"
    assert targets["000000001"]["change_type"] == "新規" and targets["000000001"]["name"] == "山田 太郎"

    assert service.receive_intermediate().files == 0  # a file is received once
    assert service.register_subcopies(DAY).transfer_id is None  # nobody changed since
    service.record_qualification_event(acquired("000000001", lost_on="2026-12-04", change_id="c-lost"))
    again = service.register_subcopies(DAY)
    assert (again.records, again.errors) == (1, 0)
    assert again.file_name.endswith("_000002.dat")


def test_a_dv_person_is_never_answered_automatically_and_the_clerks_decision_goes_back(setup):
    service, server, _burden, _drop = setup
    changes(service)
    service.register_subcopies(DAY)
    server.receive()
    service.receive_intermediate()

    automatic = server.ask(insurer="139998", person_id="000000001", requester="139006")
    assert automatic["state"] == "answered_automatically" and automatic["answer"]["acquired_on"] == "20261201"
    held = server.ask(insurer="139998", person_id="000000002", requester="139006")
    assert held["state"] == "waiting" and "answer" not in held

    assert service.receive_intermediate().manual_requests == 1
    clerk = common_pb2.RequestContext(operator_id="clerk-03", scopes=["mynumber:read"])
    with pytest.raises(PermissionDenied):  # rule DV: the queue is of DV support-measure persons
        service.list_manual_requests(state="waiting", page=Page(10, None), caller=clerk)
    with pytest.raises(PermissionDenied):
        service.decide_manual_request(
            request_id=held["request_id"], decision="refuse", note="", operator_id="clerk-03", caller=clerk
        )
    reader = common_pb2.RequestContext(operator_id="clerk-03", scopes=["dv:read"], purpose="manual-answer")
    [request] = service.list_manual_requests(state="waiting", page=Page(10, None), caller=reader)[0]
    assert (request["request_id"], request["person_id"], request["reason"]) == (
        held["request_id"],
        "000000002",
        "dv_support",
    )

    decided = service.decide_manual_request(
        request_id=held["request_id"],
        decision="refuse",
        note="支援措置中のため提供しない",
        operator_id="clerk-03",
        caller=reader,
    )
    assert audited(service) == [
        ("clerk-03", "dv.person_listed", "000000002", "interchange.subcopy_manual_requests"),
        ("clerk-03", "subcopy.manual_decided", "000000002", f"refused: request {held['request_id']}"),
    ]
    assert (decided["state"], decided["decided_by"], decided["note"]) == (
        "refused",
        "clerk-03",
        "支援措置中のため提供しない",
    )
    assert decided["answer_file"].startswith("MAN_")
    [answer] = server.receive()["manual_answers"]
    assert answer["answers"] == [{"request_id": held["request_id"], "state": "refused"}]
    assert server.status()["requests"][held["request_id"]]["state"] == "refused"
    assert service.list_manual_requests(state="waiting", page=Page(10, None))[0] == []

    with pytest.raises(Conflict):
        service.decide_manual_request(request_id=held["request_id"], decision="provide", note="", operator_id="c")
    retried = service.decide_manual_request(
        request_id=held["request_id"], decision="refuse", note="支援措置中のため提供しない", operator_id="clerk-03"
    )
    assert retried == decided  # a retry of the same decision answers what was recorded, and sends nothing again
    assert len(list(server.outbox.glob("MAN_*.dat"))) == 1
    with pytest.raises(InvalidInput) as refused:
        service.decide_manual_request(request_id=held["request_id"], decision="maybe", note="", operator_id="c")
    assert refused.value.field == "decision"


def audited(service) -> list[tuple[str, str, str, str]]:
    """svc-interchange's own audit rows: who, what, whom, and the detail."""
    table = service.store.plumbing.tables["audit_log"]
    with service.store.engine.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.seq)).all()
    return [(r.operator_id, r.action, r.target_id, r.detail) for r in rows]


def test_a_query_answer_feeds_the_pending_burden_decision_of_the_household(setup):
    service, server, burden, drop = setup
    changes(service)
    asked = service.query_subcopy(person_id="000000001", item="income", operator_id="clerk-01", idempotency_key="k1")
    again = service.query_subcopy(person_id="000000001", item="income", operator_id="clerk-01", idempotency_key="k1")
    assert again["query_id"] == asked["query_id"]
    with pytest.raises(NotFound):
        service.query_subcopy(person_id="000000099", item="income", operator_id="clerk-01")
    unknown = service.query_subcopy(person_id="000000002", item="income", operator_id="clerk-01")
    no_number = service.query_subcopy(person_id="000000003", item="income", operator_id="clerk-01")
    server.seed_income(
        my_number="123456789018", income_year=2025, non_taxed=False, taxable_income=2_000_000, gross_income=None
    )

    sent = service.send_queries(DAY)

    assert (sent.sent, sent.refused) == (2, 1)
    assert service.get_query(no_number["query_id"])["state"] == "refused"
    assert service.get_query(asked["query_id"])["income_year"] == 2025
    [summary] = server.receive()["queries"]
    assert (summary["answered"], summary["queries"]) == (1, 2)

    received = service.receive_intermediate()

    assert (received.answers, received.redetermined) == (2, 1)
    answered = service.get_query(asked["query_id"])
    assert (answered["state"], answered["taxable_income"], answered["gross_income"]) == ("answered", 2_000_000, None)
    assert (answered["determination_id"], answered["ratio_percent"], answered["pending"]) == ("d-1", 30, False)
    [(household, income, key)] = burden.calls
    assert (household, income["person_id"], income["income_year"]) == ("H1", "000000001", 2025)
    assert key == f"subcopy-answer-{asked['query_id']}"
    assert service.get_query(unknown["query_id"])["state"] == "not_found"
    assert service.receive_intermediate().answers == 0  # received once
    listed = service.list_queries(person_id="000000001", page=Page(10, None))[0]
    assert [q["query_id"] for q in listed] == [asked["query_id"]]


def test_an_answer_for_another_year_fails_the_result_check():
    values = {"status": "0", "income_year": "2024", "taxable_income": "100", "non_taxed": "0"}
    answer = sc.check_answer(values, asked_year=2025, asked_state="sent")
    assert answer.state == "failed" and answer.income is None and "2024" in answer.note
    assert sc.check_answer({**values, "income_year": "2025"}, asked_year=2025, asked_state="sent").income == {
        "income_year": 2025,
        "non_taxed": False,
        "taxable_income": 100,
        "gross_income": None,
        "kyu_tadashigaki_income": None,
        "public_pension_income": None,
        "total_income": None,
    }


def test_a_file_the_server_could_not_read_refuses_the_transfer(setup):
    service, _server, _burden, drop = setup
    changes(service)
    transfer = service.register_subcopies(DAY)
    path = drop.outbox / transfer.file_name
    path.write_bytes(path.read_bytes()[:-10])  # damaged on the way
    server = IntermediateServer(drop.root.parent, drop.root.parent / "other-state.json")
    [summary] = server.receive()["subcopies"]
    assert summary["refused"] == "C001"
    service.receive_intermediate()
    [listed] = service.list_transfers(page=Page(10, None))[0]
    assert (listed["state"], listed["accepted"], listed["rejected"]) == ("refused", 0, 2)
    assert listed["result_note"].startswith("C001")


def test_a_refused_transfer_is_sent_again_by_the_next_registration_without_a_new_change(setup):
    service, server, _burden, drop = setup
    changes(service)
    first = service.register_subcopies(DAY)
    path = drop.outbox / first.file_name
    path.write_bytes(path.read_bytes()[:-10])  # damaged on the way: the server refuses the whole file
    server.receive()
    service.receive_intermediate()

    again = service.register_subcopies(DAY)
    assert (again.records, again.retried, again.errors) == (2, 2, 0)  # the record in error waits for a change
    [summary] = server.receive()["subcopies"]
    assert (summary["accepted"], summary["rejected"]) == (2, 0)
    service.receive_intermediate()
    refused, resent = service.list_transfers(page=Page(10, None))[0]
    assert (refused["state"], refused["retried"], refused["retry_exhausted"]) == ("refused", 0, 0)
    assert (resent["state"], resent["records"], resent["retried"], resent["retry_exhausted"]) == (
        "registered",
        2,
        2,
        0,
    )
    statuses = [r["transfer_status"] for r in rows(service, "subcopy_target_list") if r["person_id"] == "000000001"]
    assert statuses == ["登録不可", "登録済・再送1回目"]
    assert service.register_subcopies(DAY).transfer_id is None  # nothing rejected is left


def test_a_record_rejected_on_every_attempt_is_re_sent_at_most_max_attempts_times(setup):
    service, server, _burden, _drop = setup
    # the deletion (an undone join) of a person whose sub-copy the server never registered: C008 on every attempt
    service.record_qualification_event(acquired("000000001", void=True))
    for attempt in range(1, subcopy.MAX_ATTEMPTS + 1):
        sent = service.register_subcopies(DAY)
        assert (sent.records, sent.retried) == (1, 0 if attempt == 1 else 1)
        server.receive()
        service.receive_intermediate()
    assert service.register_subcopies(DAY).transfer_id is None  # the attempts are used up
    transfers = service.list_transfers(page=Page(10, None))[0]
    assert [(t["rejected"], t["retried"], t["retry_exhausted"]) for t in transfers] == [(1, 0, 0), (1, 1, 0), (1, 1, 1)]

    targets = [r["transfer_status"] for r in rows(service, "subcopy_target_list")]
    assert targets == ["登録不可（C008）", "登録不可（C008）・再送1回目", "登録不可（C008）・再送2回目"]

    # the person's next change is sent, and accepted
    service.record_qualification_event(acquired("000000001", change_id="c-again"))
    fresh = service.register_subcopies(DAY)
    assert (fresh.records, fresh.retried) == (1, 0)
    [summary] = server.receive()["subcopies"]
    assert (summary["accepted"], summary["rejected"]) == (1, 0)


def burden_changed(person_id: str, *, pending: bool, income_year: int = 2025) -> Event:
    data = {
        "person_id": person_id,
        "household_id": "H1",
        "change_id": f"b-{person_id}-{pending}",
        "change_kind": "burden",
        "effective_date": "2026-12-05",
        "determination_id": "d-0",
        "ratio_percent_new": 20,
        "pending": pending,
        "income_year": income_year,
    }
    return Event.new(
        source="urn:nhi:svc-qualification", type="jp.nhi.qualification.changed.v1", subject=person_id, data=data
    )


def test_a_pending_burden_decision_of_a_mover_queues_an_income_query_once(setup):
    service, _server, _burden, _drop = setup
    service.record_qualification_event(acquired("000000001"))  # reason move_in
    service.record_qualification_event(acquired("000000003", household_id="H3", reason="birth"))

    service.record_qualification_event(burden_changed("000000001", pending=True))
    service.record_qualification_event(burden_changed("000000003", pending=True))  # born here: nothing to ask
    service.record_qualification_event(burden_changed("000000001", pending=False))

    queries = service.list_queries(person_id="", page=Page(10, None))[0]
    assert [(q["person_id"], q["item"], q["state"], q["operator_id"]) for q in queries] == [
        ("000000001", "income", "queued", "svc-interchange")
    ]
    again = burden_changed("000000001", pending=True)
    service.record_qualification_event(again)  # another pending decision of the same year asks nothing more
    assert len(service.list_queries(person_id="", page=Page(10, None))[0]) == 1


def test_the_subcopy_target_list_names_a_dv_person_only_to_a_caller_svc_qualification_lets_see_them(setup):
    service, _server, _burden, _drop = setup
    changes(service)
    service.register_subcopies(DAY)

    def listed(scopes: tuple[str, ...]) -> list[str]:
        found, _ = service.list_report("subcopy_target_list", page=Page(100, None), caller={"scopes": scopes})
        return sorted(r["person_id"] for r in found)

    assert listed(()) == ["000000001", "000000003"]
    assert listed(("dv:read",)) == ["000000001", "000000002", "000000003"]
    assert service.people.screened[0] == (["000000001", "000000002", "000000003"], "interchange.subcopy_target_list")
    assert len(rows(service, "subcopy_target_list")) == 3  # the service's own read
    service.list_report("interchange_import_list", page=Page(100, None), caller={"scopes": ()})
    assert len(service.people.screened) == 2  # a list of files, not of persons, is not screened
