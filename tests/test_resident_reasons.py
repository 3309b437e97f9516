"""Every 異動事由 of the resident registry (domain §5.1) end to end: the registry simulator publishes the change on
resident.v1.changes (nhi-sim resident change KIND), svc-integration hands it on, svc-qualification applies Part A,
and the gateway shows the outcome. One case per reason code of docs/feeds/resident.md."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from scenario_steps import new_person_id, notify

pytestmark = pytest.mark.e2e

JOINED = "2026-10-01"
EVENT = "2026-11-10"
BEFORE = "2026-11-09"  # the last day a person who leaves on EVENT can be insured
DAY_AFTER = (dt.date.fromisoformat(EVENT) + dt.timedelta(days=1)).isoformat()
ADDRESS = {
    "postal_code": "1000001",
    "address_code": "13999001",
    "address": "みどり市泉町1丁目2番3号",
    "building": "",
    "district_code": "01",
}


def _member(person_id: str, relationship: str, birth_date: str, sex: str, order: int) -> dict:
    return {
        "person_id": person_id,
        "name_kanji": "山﨑\u3000花子" if sex == "2" else "山﨑\u3000太郎",
        "name_kana": "ヤマサキ\u3000ハナコ" if sex == "2" else "ヤマサキ\u3000タロウ",
        "birth_date": birth_date,
        "sex": sex,
        "relationship": relationship,
        "listing_order": order,
        "my_number": "",
        "nationality": "",
        "residence_status": "",
        "residence_expires_on": "",
        "dv_support": False,
    }


class Registry:
    """The registry simulator with a roster of this test's households, driven through its command line."""

    def __init__(self, running, folder) -> None:
        self.running = running
        self.roster = folder / "roster.jsonl"
        self.state = folder / "state.jsonl"

    def household(self, members: list[dict]) -> dict:
        household = {
            "household_id": f"H6{uuid.uuid4().int % 10**7:07d}",
            "head_person_id": members[0]["person_id"],
            "address": ADDRESS,
            "members": members,
        }
        with self.roster.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(household, ensure_ascii=False) + "\n")
        return household

    def change(self, kind: str, household_id: str, *flags: str, event_date: str = EVENT) -> dict:
        return self.running.simulate(
            "resident",
            "change",
            kind,
            "--household-id",
            household_id,
            "--roster",
            str(self.roster),
            "--state",
            str(self.state),
            "--event-date",
            event_date,
            *flags,
        )


@pytest.fixture
def registry(running, tmp_path):
    return Registry(running, tmp_path)


def insured_couple(running, registry: Registry) -> dict:
    """A household of two whose 転入 came from the registry and whose members joined at the counter."""
    head, spouse = new_person_id(), new_person_id()
    household = registry.household(
        [_member(head, "世帯主", "1980-05-05", "1", 1), _member(spouse, "妻", "1982-03-03", "2", 2)]
    )
    registry.change("move_in", household["household_id"], event_date=JOINED)
    counter = running.headers("counter")
    running.wait_for(
        lambda: running.http.get(f"/api/v1/households/{household['household_id']}", headers=counter).status_code == 200
    )
    joined = notify(
        running,
        {
            "kind": "join",
            "reason": "move_in",
            "household_id": household["household_id"],
            "persons": [{"person_id": head}, {"person_id": spouse}],
            "event_date": JOINED,
        },
    )
    assert joined.status_code == 201, joined.text
    return {"household_id": household["household_id"], "head": head, "spouse": spouse}


def get(running, path: str, **params) -> dict:
    answer = running.http.get(path, params=params, headers=running.headers("counter"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def view(running, person_id: str, as_of: str | None = None) -> dict:
    return get(running, f"/api/v1/persons/{person_id}/qualification", **({"as_of": as_of} if as_of else {}))


def applied(running, person_id: str, predicate) -> dict:
    """The person's qualification view once `predicate(view)` holds (the change went through the stream)."""
    return running.wait_for(lambda: (lambda v: v if predicate(v) else None)(view(running, person_id)), timeout=60)


def intake_item(running, change_id: str) -> dict:
    def found():
        items = get(running, "/api/v1/intake-items", state="open", page_size=500)["items"]
        return next((i for i in items if i["source_change_id"] == change_id), None)

    return running.wait_for(found, timeout=60)


# ----- arrivals: an intake item, then the counter's join decides the acquisition -----

ARRIVALS = {
    # change_kind: (the intake item's kind, the counter's reason, the rule that decides the acquisition)
    "move_in": ("move_in", "move_in", "ACQ-MOVE-IN"),
    "move_in_same_pref": ("move_in_same_pref", "move_in_same_pref", "ACQ-MOVE-IN-PREF"),
    "move_in_from_abroad": ("move_in", "move_in", "ACQ-MOVE-IN"),
    "ex_officio_entry": ("move_in", "move_in", "ACQ-MOVE-IN"),
}


@pytest.mark.parametrize("kind", sorted(ARRIVALS))
def test_an_arrival_waits_as_an_intake_item_and_the_counter_acquires_from_the_move_in_date(running, registry, kind):
    item_kind, reason, rule = ARRIVALS[kind]
    person = new_person_id()
    household = registry.household([_member(person, "世帯主", "1979-07-07", "1", 1)])

    sent = registry.change(kind, household["household_id"])

    item = intake_item(running, sent["change_id"])
    assert (item["kind"], item["person_ids"], item["event_date"]) == (item_kind, [person], EVENT)
    assert view(running, person)["insured"] is False
    carried = {"prefecture_acquired_on": "2019-04-01"} if kind == "move_in_same_pref" else {}
    joined = notify(
        running,
        {
            "kind": "join",
            "reason": reason,
            "household_id": household["household_id"],
            "persons": [{"person_id": person}],
            "event_date": EVENT,
            **carried,
        },
    )
    assert joined.status_code == 201, joined.text
    period = view(running, person)["period"]
    if kind == "move_in_same_pref":  # 適用開始 here; the prefecture's acquisition date carried over
        assert (period["acquired_on"], period["coverage_starts_on"]) == ("2019-04-01", EVENT)
    else:
        assert period["acquired_on"] == EVENT
    assert period["acquired_reason"] == reason
    assert rule in [r["rule_id"] for r in period["reasons"]]


# ----- departures: decided at once as if notified -----

LOSSES = {
    # change_kind: (lost_on, lost_reason, resident_status after)
    "move_out": (EVENT, "move_out", "moved_out"),
    "move_out_abroad": (EVENT, "move_out", "moved_out"),
    "ex_officio_deletion": (EVENT, "move_out", "moved_out"),
    "death": (DAY_AFTER, "death", "dead"),
}


@pytest.mark.parametrize("kind", sorted(LOSSES))
def test_a_departure_of_an_insured_person_loses_the_qualification_by_part_a(running, registry, kind):
    lost_on, lost_reason, status = LOSSES[kind]
    house = insured_couple(running, registry)

    registry.change(kind, house["household_id"], "--person-id", house["spouse"])

    spouse = applied(running, house["spouse"], lambda v: v["person"]["resident_status"] == status)
    period = view(running, house["spouse"], as_of=BEFORE)["period"]
    assert (period["lost_on"], period["lost_reason"]) == (lost_on, lost_reason)
    assert spouse["insured"] is False
    assert view(running, house["head"])["insured"] is True


def test_a_move_out_within_the_prefecture_ends_the_coverage_here(running, registry):
    house = insured_couple(running, registry)

    registry.change("move_out_same_pref", house["household_id"], "--person-id", house["spouse"])

    spouse = applied(running, house["spouse"], lambda v: v["person"]["resident_status"] == "moved_out")
    period = view(running, house["spouse"], as_of=BEFORE)["period"]
    assert period["coverage_ends_on"] == EVENT  # END-MOVE-OUT-PREF: 適用終了, the prefecture's qualification goes on
    assert spouse["insured"] is False


def test_a_planned_move_out_leaves_the_person_insured(running, registry):
    house = insured_couple(running, registry)
    version = view(running, house["spouse"])["person"]["version"]

    registry.change("move_out_planned", house["household_id"], "--person-id", house["spouse"])

    spouse = applied(running, house["spouse"], lambda v: v["person"]["version"] > version)  # the change recorded
    assert spouse["insured"] is True and spouse["period"]["lost_on"] is None
    assert spouse["person"]["resident_status"] == "resident"


def test_a_birth_into_an_nhi_household_acquires_on_the_birth_date(running, registry):
    house = insured_couple(running, registry)

    sent = registry.change("birth", house["household_id"], "--relationship", "子")

    [baby] = sent["person_ids"]
    period = applied(running, baby, lambda v: v["insured"])["period"]
    assert (period["acquired_on"], period["acquired_reason"], period["household_id"]) == (
        EVENT,
        "birth",
        house["household_id"],
    )
    assert "ACQ-BIRTH" in [r["rule_id"] for r in period["reasons"]]


# ----- changes that record attributes: the qualification stays as it was -----

RECORDED = {
    # change_kind: (flags for the spouse, the person field and the value it shows afterwards)
    "ex_officio_correction": (("--birth-date", "1982-03-04"), ("birth_date",), "1982-03-04"),
    "household_change": (("--relationship", "同居人"), ("relationship",), "同居人"),
    "name_change": (
        ("--name-kanji", "鈴木\u3000花子", "--name-kana", "スズキ\u3000ハナコ"),
        ("name_kanji",),
        "鈴木\u3000花子",
    ),
    "residence_status_change": (
        ("--nationality", "ベトナム", "--residence-status", "技能実習"),
        ("residence_status",),
        "technical_intern_training",
    ),
    "residence_period_change": (
        ("--nationality", "ベトナム", "--residence-status", "技能実習", "--residence-expires-on", "2027-06-30"),
        ("residence_expires_on",),
        "2027-06-30",
    ),
    "dv_support_change": (("--dv-support", "true"), ("dv_support",), True),
}


def _field(person: dict, path: tuple[str, ...]):
    value = person
    for key in path:
        value = (value or {}).get(key)
    return value


@pytest.mark.parametrize("kind", sorted(RECORDED))
def test_a_change_of_attributes_is_recorded_and_the_qualification_stays(running, registry, kind):
    flags, path, expected = RECORDED[kind]
    house = insured_couple(running, registry)
    before = view(running, house["spouse"])["period"]

    registry.change(kind, house["household_id"], "--person-id", house["spouse"], *flags)

    after = applied(running, house["spouse"], lambda v: _field(v["person"], path) == expected)
    assert after["insured"] is True
    assert (after["period"]["acquired_on"], after["period"]["lost_on"]) == (before["acquired_on"], None)
    assert after["period"]["version_id"] == before["version_id"]


def test_a_dv_support_person_s_address_leaves_no_outbound_feed(running, registry):
    house = insured_couple(running, registry)
    registry.change("dv_support_change", house["household_id"], "--person-id", house["spouse"], "--dv-support", "true")
    applied(running, house["spouse"], lambda v: v["person"]["dv_support"] is True)

    registry.change("death", house["household_id"], "--person-id", house["head"])  # an event for the household

    batch = running.headers("batch")

    def records():
        found, after = [], 0
        while True:
            page = running.http.get(
                "/api/v1/outbound/resident", params={"after": after, "page_size": 500}, headers=batch
            )
            doc = page.json()
            found += [r for r in doc["records"] if r["person_id"] == house["head"] and r["record_kind"] == "lost"]
            after = doc["last_sequence"]
            if not doc["more"]:
                return found

    [record] = running.wait_for(records, timeout=60)
    assert record["address"] is None and record["postal_code"] is None  # DV: the household's address stays in


# ----- household changes -----


def test_a_move_within_the_city_records_the_new_address_and_the_qualification_stays(running, registry):
    house = insured_couple(running, registry)
    before = view(running, house["head"])["period"]

    registry.change("move_within", house["household_id"], "--address", "みどり市若葉町9丁目9番9号")

    household = running.wait_for(
        lambda: (lambda h: h if h["address"]["address"] == "みどり市若葉町9丁目9番9号" else None)(
            get(running, f"/api/v1/households/{house['household_id']}")
        ),
        timeout=60,
    )
    assert sorted(m["person_id"] for m in household["members"]) == sorted([house["head"], house["spouse"]])
    after = view(running, house["head"])
    assert after["insured"] is True and after["period"]["version_id"] == before["version_id"]


def test_a_head_change_makes_the_registry_head_the_nhi_head(running, registry):
    house = insured_couple(running, registry)

    registry.change("head_change", house["household_id"], "--head-person-id", house["spouse"])

    household = running.wait_for(
        lambda: (lambda h: h if h["head_person_id"] == house["spouse"] else None)(
            get(running, f"/api/v1/households/{house['household_id']}")
        ),
        timeout=60,
    )
    assert household["nhi_head_person_id"] == house["spouse"]
    assert view(running, house["head"])["insured"] is True


@pytest.mark.parametrize("kind", ["household_split", "household_merge"])
def test_a_household_split_or_merge_takes_the_insured_person_into_the_new_household(running, registry, kind):
    house = insured_couple(running, registry)
    target = f"H5{uuid.uuid4().int % 10**7:07d}"

    registry.change(
        kind,
        house["household_id"],
        "--person-id",
        house["spouse"],
        "--new-household-id",
        target,
        "--relationship",
        "世帯主",
    )

    moved = applied(running, house["spouse"], lambda v: v["person"]["household_id"] == target)
    assert moved["insured"] is True
    members = get(running, f"/api/v1/households/{target}")["members"]
    assert [m["person_id"] for m in members] == [house["spouse"]]
    assert [m["person_id"] for m in get(running, f"/api/v1/households/{house['household_id']}")["members"]] == [
        house["head"]
    ]


def test_an_excluded_residence_status_of_an_insured_person_is_on_the_inconsistency_list_as_it_arrives(
    running, registry
):
    house = insured_couple(running, registry)

    registry.change(
        "residence_status_change",
        house["household_id"],
        *("--person-id", house["spouse"], "--nationality", "アメリカ合衆国", "--residence-status", "短期滞在"),
    )

    backoffice = running.headers("backoffice")

    def listed():
        page = running.http.get("/api/v1/inconsistencies", params={"person_id": house["spouse"]}, headers=backoffice)
        assert page.status_code == 200, page.text
        return page.json()["inconsistencies"] or None

    [finding] = running.wait_for(listed, timeout=60)  # no population job ran: the change itself was checked
    assert (finding["kind"], finding["source"], finding["state"], finding["rule"]) == (
        "residence_excluded",
        "resident",
        "open",
        "ACQ-FOREIGN",
    )
    assert view(running, house["spouse"])["insured"] is True  # the list suggests; a clerk corrects (2.2)
