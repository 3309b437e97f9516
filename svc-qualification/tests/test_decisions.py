"""Decisions as resources: every decision is kept with its change and can be read back, automatic ones included."""

from __future__ import annotations

import pytest
from clients import Records
from records_steps import BACKOFFICE, CLERK, correction, current, notify, resident_move_in

from nhi_qualification.domain.errors import NotFound
from nhi_qualification.service_layer.context import Actor


def born(service, baby="000000009", household="H00000001"):
    service.apply_resident_changes(
        [
            {
                "change_id": f"birth-{baby}",
                "change_kind": "birth",
                "event_date": "2026-11-18",
                "notified_on": "2026-11-18",
                "household_id": household,
                "persons": [
                    {
                        "person_id": baby,
                        "name_kanji": "山田 陽",
                        "name_kana": "ヤマダ ヒナタ",
                        "birth_date": "2026-11-18",
                        "sex": "1",
                        "relationship": "子",
                        "listing_order": 4,
                    }
                ],
            }
        ],
        Actor("integration"),
    )


def test_an_automatic_birth_is_a_decision_that_names_the_childbirth_form_it_made_due(service):
    resident_move_in(service)
    notify(service, ["000000001", "000000002", "000000003"])
    born(service)
    [decision], cursor = service.list_decisions(person_id="000000009")
    assert cursor == ""
    assert (decision.kind, decision.reason, decision.origin, decision.automatic) == (
        "join",
        "birth",
        "resident_registry",
        True,
    )
    assert [(d.kind, d.person_id) for d in decision.decision.documents] == [
        ("childbirth_lump_sum_application", "000000009")
    ]
    assert decision.decision.persons[0].acquired_on == "2026-11-18"
    assert decision.decision.persons[0].reasons[0].rule_id == "ACQ-BIRTH"


def test_a_counter_decision_and_its_correction_are_both_kept_for_the_person(service, engine):
    resident_move_in(service)
    joined = notify(service, ["000000001"])
    Records(service.app).correct_qualification(
        correction(current(engine, "000000001")[-1], acquired_on="2026-10-25"), BACKOFFICE
    )
    decisions, _ = service.list_decisions(person_id="000000001")
    assert [(d.kind, d.origin, d.automatic) for d in decisions] == [
        ("join", "counter", False),
        ("correction", "counter", False),
    ]
    assert decisions[0].decision_id == joined["decision"]["change_id"]
    assert decisions[0].notified_on == "2026-11-05" and decisions[0].operator_id == CLERK.operator_id
    assert decisions[1].correction.corrected_fields == ["acquired_on"]
    assert decisions[1].correction.effective_date == "2026-10-25"
    assert service.get_decision(decisions[1].decision_id)["kind"] == "correction"


def test_a_household_lists_the_decisions_of_all_its_members_and_an_unknown_one_is_not_found(service):
    resident_move_in(service)
    notify(service, ["000000001", "000000002"])
    notify(service, ["000000003"])
    decisions, _ = service.list_decisions(household_id="H00000001")
    assert [list(d.person_ids) for d in decisions] == [["000000001", "000000002"], ["000000003"]]
    assert service.list_decisions(person_id="00000000%")[0] == []
    with pytest.raises(NotFound):
        service.get_decision("no-such-change")
