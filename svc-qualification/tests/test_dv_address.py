"""Rule DV on a real database: a dv_support status registered at the counter withholds the household's address
from its members' events and from a caller without the dv:read scope, for as long as the status holds."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from clients import Batches, Records
from test_batches_service import add_household
from test_service import CLERK, notification, outbox_rows, resident_move_in

from nhi_common import db
from nhi_devtools import testing
from nhi_qualification import bootstrap
from nhi_qualification.adapters.tables import households, person_versions, persons, status_periods
from nhi_qualification.service_layer import dv_release, queries, renewal_facts
from nhi_qualification.service_layer.context import Actor

ADDRESS = {"postal_code": "399-0132", "address": "みどり市北野3丁目19番19号"}
DV_READER = Actor("clerk-dv", scopes=frozenset({"dv:read"}))


def with_address(engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.update(households).values(address=json.dumps(ADDRESS, ensure_ascii=False)))


def register_dv(service, person_id: str, start: str, end: str | None = None) -> None:
    status = {"person_id": person_id, "kind": "dv_support", "start": start, "evidence": ["support_measure_record"]}
    if end:
        status["end"] = end
    service.submit_notification(
        notification([person_id], kind="status", reason="status", event_date=start, statuses=[status]), CLERK
    )


def test_a_dv_status_of_one_member_withholds_the_household_address_from_events_and_from_callers_without_the_scope(
    service, engine
):
    resident_move_in(service)
    with_address(engine)
    assert service.get_household("H00000001", CLERK)["address"] == ADDRESS
    before = len(outbox_rows(engine))
    register_dv(service, "000000003", "2026-11-01")
    [withheld] = [r for r in outbox_rows(engine)[before:] if r.nats_subject.endswith(".address_withheld")]
    data = json.loads(withheld.data) if isinstance(withheld.data, str) else withheld.data
    assert (data["household_id"], data["dv_person_id"]) == ("H00000001", "000000003")
    assert sorted(data["person_ids"]) == ["000000001", "000000002", "000000003"] and "address" not in data

    assert service.get_household("H00000001", CLERK)["address"] == {}
    assert service.get_household("H00000001", DV_READER)["address"] == ADDRESS
    events, _ = service.list_audit_events("clerk-dv", "dv.address_read", 10, "")
    assert [(e["target_kind"], e["target_id"]) for e in events] == [("household", "H00000001")]

    before = len(outbox_rows(engine))
    service.submit_notification(notification(["000000001", "000000002"]), CLERK)
    joined = [json.loads(r.data) if isinstance(r.data, str) else r.data for r in outbox_rows(engine)[before:]]
    acquired = [d for d in joined if "acquired_on" in d and d.get("person_id") in ("000000001", "000000002")]
    assert len(acquired) == 2 and all(d["address"] == {} for d in acquired), acquired


def test_the_address_is_back_once_the_dv_status_has_ended(service, engine):
    resident_move_in(service)
    with_address(engine)
    before = len(outbox_rows(engine))
    register_dv(service, "000000003", "2026-01-01", end="2026-11-10")  # the business date is 2026-11-24
    assert not [r for r in outbox_rows(engine)[before:] if r.nats_subject.endswith(".address_withheld")]
    assert service.get_household("H00000001", CLERK)["address"] == ADDRESS
    before = len(outbox_rows(engine))
    service.submit_notification(notification(["000000001"]), CLERK)
    [acquired] = [
        d
        for d in (json.loads(r.data) if isinstance(r.data, str) else r.data for r in outbox_rows(engine)[before:])
        if "acquired_on" in d
    ]
    assert acquired["address"] == ADDRESS


def after(day: str, actor: Actor = CLERK) -> Actor:
    """The actor on another business date (X-Business-Date)."""
    return dataclasses.replace(actor, business_date=dt.date.fromisoformat(day))


def test_a_dv_person_is_searched_and_listed_only_with_the_dv_read_scope_and_that_listing_is_audited(service, engine):
    resident_move_in(service)
    service.submit_notification(notification(["000000001", "000000002", "000000003"]), CLERK)
    register_dv(service, "000000003", "2026-11-01")

    found, _ = service.search_persons({"household_id": "H00000001"}, 50, "", CLERK)
    assert [p["person_id"] for p in found] == ["000000001", "000000002"]  # the others of the household stay
    found, _ = service.search_persons({"household_id": "H00000001"}, 50, "", DV_READER)
    assert [p["person_id"] for p in found] == ["000000001", "000000002", "000000003"]
    assert [p["dv_support"] for p in found] == [False, False, True]
    events, _ = service.list_audit_events("clerk-dv", "dv.person_listed", 10, "")
    assert [(e["target_kind"], e["target_id"]) for e in events] == [("person", "000000003")]

    changes, _ = Records(service.app).list_changes(
        from_date="", to_date="", operator_id="", reason="", kind="", page_size=50, cursor=""
    )
    assert changes and all("000000003" not in c["person_ids"] for c in changes)
    assert all("000000003" not in c["before_json"] + c["after_json"] for c in changes)
    assert not [c for c in changes if c["kind"] == "status"]  # the DV status change names only that person
    shown, _ = Records(service.app).list_changes(
        from_date="", to_date="", operator_id="", reason="", kind="", page_size=50, cursor="", actor=DV_READER
    )
    assert [c["kind"] for c in shown if "000000003" in c["person_ids"]] == ["join", "status"]


def test_the_intake_list_names_a_dv_person_only_with_the_dv_read_scope(service):
    """The household's item, done once the counter notified its statuses, names the DV person only to dv:read."""
    resident_move_in(service)
    register_dv(service, "000000003", "2026-11-01")
    [item], _ = service.list_intake_items("done", 50, "")
    assert item["person_ids"] == ["000000001", "000000002"]
    [item], _ = service.list_intake_items("done", 50, "", actor=DV_READER)
    assert item["person_ids"] == ["000000001", "000000002", "000000003"]


def test_the_restriction_ends_with_the_status_period_and_its_end_is_announced_once(service, engine, app):
    resident_move_in(service)
    with_address(engine)
    service.submit_notification(notification(["000000001", "000000002", "000000003"]), CLERK)
    register_dv(service, "000000003", "2026-11-01", end="2026-12-10")  # the business date is 2026-11-24

    last_day = after("2026-12-10")
    assert service.get_household("H00000001", last_day)["address"] == {}
    assert "000000003" not in [
        p["person_id"] for p in service.search_persons({"household_id": "H00000001"}, 50, "", last_day)[0]
    ]
    assert dv_release.announce_ended(app, last_day) == {"announced": 0, "still_withheld": 0}

    ended = after("2026-12-11")
    assert service.get_household("H00000001", ended)["address"] == ADDRESS
    found, _ = service.search_persons({"household_id": "H00000001"}, 50, "", ended)
    assert [(p["person_id"], p["dv_support"]) for p in found][-1] == ("000000003", False)

    before = len(outbox_rows(engine))
    assert dv_release.announce_ended(app, ended) == {"announced": 1, "still_withheld": 0}
    assert dv_release.announce_ended(app, after("2026-12-12")) == {"announced": 0, "still_withheld": 0}
    [released] = outbox_rows(engine)[before:]
    assert released.nats_subject == "nhi.v1.qualification.address_released"
    data = json.loads(released.data) if isinstance(released.data, str) else released.data
    assert (data["household_id"], data["dv_person_id"], data["status_end"]) == ("H00000001", "000000003", "2026-12-10")
    assert sorted(data["person_ids"]) == ["000000001", "000000002", "000000003"] and "address" not in data


def test_a_household_with_another_member_still_under_dv_is_not_released(service, engine, app):
    resident_move_in(service)
    service.submit_notification(notification(["000000001", "000000002", "000000003"]), CLERK)
    register_dv(service, "000000003", "2026-11-01", end="2026-12-10")
    register_dv(service, "000000002", "2026-11-01")
    assert dv_release.announce_ended(app, after("2026-12-11")) == {"announced": 0, "still_withheld": 1}
    assert service.get_household("H00000001", after("2026-12-11"))["address"] == {}


def test_the_age75_target_list_names_a_dv_person_only_with_the_dv_read_scope(service, engine):
    add_household(engine, "H0000003", [("300000001", "1951-12-10", True)])
    add_household(engine, "H0000005", [("500000001", "1951-12-10", True)])
    with engine.begin() as conn:
        conn.execute(
            sa.insert(status_periods).values(
                status_id="dv-500000001",
                person_id="500000001",
                kind="dv_support",
                start=dt.date(2026, 11, 1),
                change_id="c-dv",
                recorded_at=dt.datetime.now(dt.timezone.utc),
            )
        )
    batches = Batches(service.app)
    started = batches.start_job("age75_loss", {"date": "2026-12-10"}, Actor("batch-01"))
    batches.wait(30)
    assert batches.get_job(started["job_id"])["state"] == "succeeded"
    assert [r["person_id"] for r in batches.target_list(started["job_id"])["rows"]] == ["300000001"]
    shown = batches.target_list(started["job_id"], actor=DV_READER)["rows"]
    assert sorted(r["person_id"] for r in shown) == ["300000001", "500000001"]


@pytest.mark.parametrize("backend", testing.backends())
def test_the_migration_gives_back_the_registry_flag_a_dv_status_had_overwritten(backend, tmp_path):
    people = {
        "P1": (
            True,
            [("resident.move_in c1", False), ("status.dv_support c2", True), ("status.card_registration c", True)],
        ),
        "P2": (True, [("resident.move_in c1", True), ("status.dv_support c2", True)]),
        "P3": (True, [("resident.move_in c1", True)]),
        "P4": (True, [("status.dv_support c2", True), ("resident.address c4", True)]),
    }
    with testing.database(backend, tmp_path, "dv_flag") as (url, schema):
        engine = db.make_engine(url, schema=schema)
        try:
            config = Config()
            config.set_main_option("script_location", str(bootstrap.MIGRATIONS))
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "0013")
            now = dt.datetime.now(dt.timezone.utc)
            with engine.begin() as conn:
                conn.execute(sa.insert(households).values(household_id="H1", head_person_id="P1", updated_at=now))
                for person_id, (flag, history) in people.items():
                    conn.execute(
                        sa.insert(persons).values(
                            person_id=person_id, household_id="H1", name_kanji="試験", name_kana="シケン",
                            birth_date=dt.date(1980, 1, 1), sex="1", listing_order=1, dv_support=flag, updated_at=now,
                        )
                    )  # fmt: skip
                    for version, (cause, value) in enumerate(history, 1):
                        conn.execute(
                            sa.insert(person_versions).values(
                                person_id=person_id, version=version, recorded_at=now, cause=cause,
                                attributes=json.dumps({"dv_support": value}),
                            )
                        )  # fmt: skip
            db.migrate(engine, bootstrap.MIGRATIONS)
            with engine.connect() as conn:
                flags = dict(conn.execute(sa.select(persons.c.person_id, persons.c.dv_support)).all())
        finally:
            engine.dispose()
    # P1: only the status set it; P2, P3: the registry's; P4: a registry change after the status left it set
    assert flags == {"P1": False, "P2": True, "P3": True, "P4": True}


def test_lists_for_batches_withhold_the_postal_code_and_flag_the_person_while_the_status_holds(service, engine, app):
    resident_move_in(service)
    with_address(engine)
    service.submit_notification(notification(["000000001", "000000002", "000000003"]), CLERK)
    register_dv(service, "000000003", "2026-11-01", end="2026-12-10")

    def postal_codes(day: str) -> set[str]:
        rows, _ = queries.list_insured_persons(
            app, as_of=None, after="", limit=10, births=(None, None), actor=after(day)
        )
        return {r["postal_code"] for r in rows if r["household_id"] == "H00000001"}

    def dv_facts(day: str) -> dict[str, str]:
        facts = queries.export_coverage_facts(app, as_of=None, after="", limit=10, person_ids=(), actor=after(day))
        rows = [dict(zip(facts["columns"], r, strict=True)) for r in csv.reader(io.StringIO(facts["rows"].decode()))]
        return {r["person_id"]: r["dv_support"] for r in rows}

    assert postal_codes("2026-12-10") == {""}  # every member's: the address is the household's
    assert postal_codes("2026-12-11") == {ADDRESS["postal_code"]}
    assert dv_facts("2026-12-10") == {"000000001": "0", "000000002": "0", "000000003": "1"}
    assert dv_facts("2026-12-11")["000000003"] == "0"

    def renewal(day: str) -> tuple[bool, dict]:
        facts = renewal_facts.renewal_facts(app, ["000000003"], set(), after(day))
        [entry] = facts["persons"]
        [household] = facts["households"]
        return entry["person"]["dv_support"], household["address"]

    assert renewal("2026-12-10") == (True, {})
    assert renewal("2026-12-11") == (False, ADDRESS)


def test_the_certificate_ledger_lists_a_dv_persons_certificates_only_with_the_dv_read_scope(service):
    resident_move_in(service)
    records = Records(service.app)
    for person_id in ("000000001", "000000003"):
        records.record_certificate_issued(
            {"kind": "eligibility_certificate", "person_id": person_id, "issued_on": "2026-11-05"}, CLERK
        )
    register_dv(service, "000000003", "2026-11-01", end="2026-12-10")

    def listed(actor: Actor) -> list[str]:
        found, _ = records.list_certificates(
            person_id="", state="", outstanding_after_loss=False, page_size=10, cursor="", actor=actor
        )
        return [c["person_id"] for c in found]

    assert listed(CLERK) == ["000000001"]
    assert listed(DV_READER) == ["000000001", "000000003"]
    assert listed(after("2026-12-11")) == ["000000001", "000000003"]  # the status has ended


def test_a_decision_lists_a_dv_persons_part_only_with_the_dv_read_scope(service):
    resident_move_in(service)
    service.submit_notification(notification(["000000001", "000000003"]), CLERK)
    register_dv(service, "000000003", "2026-11-01", end="2026-12-10")

    def listed(actor: Actor) -> list[tuple[str, list[str], list[str], list[str]]]:
        found, _ = service.list_decisions(household_id="H00000001", page_size=50, actor=actor)
        return [
            (
                d.kind,
                list(d.person_ids),
                [p.person_id for p in d.decision.persons],
                [c.person_id for c in d.decision.certificates_to_issue],
            )
            for d in found
            if d.kind in ("join", "status")
        ]

    everyone = ["000000001", "000000003"]
    assert listed(DV_READER) == [("join", everyone, everyone, everyone), ("status", ["000000003"], [], ["000000003"])]
    only_first = ["000000001"]
    # the join keeps the other person, without the DV person's part; the DV status names nobody else: not listed
    assert listed(CLERK) == [("join", only_first, only_first, only_first)]
    assert service.list_decisions(person_id="000000003", page_size=50, actor=CLERK)[0] == []
    assert listed(after("2026-12-11")) == listed(DV_READER)  # the status has ended
    events, _ = service.list_audit_events("clerk-dv", "dv.person_listed", 10, "")
    assert [e["target_id"] for e in events] == ["000000003", "000000003"]  # the two lists under dv:read


def test_another_services_list_is_screened_by_the_dv_status_on_the_callers_business_date_and_audited_by_name(service):
    resident_move_in(service)
    register_dv(service, "000000003", "2026-11-01", end="2026-12-10")
    page = ["000000001", "000000003", "000000003", "999999999"]  # a person twice, one unknown here

    def screened(actor: Actor) -> tuple[frozenset[str], tuple[str, ...]]:
        dv = queries.screen_listed(service.app, actor, page, "documents.print_queue")
        return dv.hidden, dv.shown

    assert screened(CLERK) == (frozenset({"000000003"}), ())
    assert screened(after("2026-12-11")) == (frozenset(), ())  # the status has ended
    assert screened(DV_READER) == (frozenset(), ("000000003",))
    events, _ = service.list_audit_events("clerk-dv", "dv.person_listed", 10, "")
    assert [(e["target_id"], e["detail"]) for e in events] == [("000000003", "documents.print_queue")]
