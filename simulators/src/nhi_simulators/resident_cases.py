"""One-off resident changes of any 異動事由 with every attribute a case needs (nhi-sim resident change KIND …).

The registry simulator keeps its households in a state file; a one-off change looks the household up there (or in a
roster), applies the flags to the persons it concerns, publishes the change and records the household as it is
after it. Flags that set a person's attribute apply to every person the change concerns.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
from typing import Any

from . import resident
from .municipality import random_address

# 異動事由 the registry sends (docs/feeds/resident.md), and what each does to the simulator's record of the household.
KINDS = (
    "move_in",
    "move_in_same_pref",
    "move_in_from_abroad",
    "move_within",
    "move_out_planned",
    "move_out",
    "move_out_same_pref",
    "move_out_abroad",
    "birth",
    "death",
    "ex_officio_entry",
    "ex_officio_deletion",
    "ex_officio_correction",
    "household_merge",
    "household_split",
    "head_change",
    "household_change",
    "name_change",
    "residence_status_change",
    "residence_period_change",
    "dv_support_change",
)
ARRIVALS = {"move_in", "move_in_same_pref", "move_in_from_abroad", "ex_officio_entry"}
NEW_ADDRESS = ARRIVALS | {"move_within"}
DEPARTURES = {"move_out", "move_out_same_pref", "move_out_abroad", "death", "ex_officio_deletion"}
NEW_HOUSEHOLD = {"household_merge", "household_split"}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def _my_number(text: str) -> str:
    if len(text) != 12 or not text.isascii() or not text.isdigit():
        raise argparse.ArgumentTypeError("a My Number is 12 digits (a wrong check digit is sent as given)")
    return text


def add_person_flags(parser: argparse.ArgumentParser) -> None:
    """Flags that set an attribute of the persons a change concerns (the new household's head for move-in, the
    baby for birth)."""
    group = parser.add_argument_group("person attributes")
    group.add_argument("--birth-date", type=_date, default=None, help="生年月日")
    group.add_argument("--my-number", type=_my_number, default=None, help="個人番号 (12 digits)")
    group.add_argument("--no-my-number", action="store_true", help="send no 個人番号")
    group.add_argument("--dv-support", choices=("true", "false"), default=None, help="DV等支援措置 in force or not")
    group.add_argument("--nationality", default=None, help="国籍 (empty: Japanese)")
    group.add_argument("--residence-status", default=None, help="在留資格, code or Japanese name (empty: none)")
    group.add_argument("--residence-expires-on", default=None, help="在留期間の満了日 YYYY-MM-DD (empty: none)")
    group.add_argument("--name-kanji", default=None, help="氏名")
    group.add_argument("--name-kana", default=None, help="カナ氏名 (full-width katakana)")
    group.add_argument("--sex", choices=("1", "2"), default=None)
    group.add_argument("--relationship", default=None, help="続柄")
    group.add_argument("--sequence", type=int, default=None, help="the registry's change number for each person")


def _common(sub: argparse.ArgumentParser, default_state: str) -> None:
    sub.add_argument("--nats-url", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    sub.add_argument("--event-date", type=_date, default=None, help="異動日 (default today)")
    sub.add_argument("--seed", type=int, default=None)
    sub.add_argument("--municipality", default="midori", help="id in the CloudEvents source")
    sub.add_argument(
        "--state",
        default=os.environ.get("NHI_SIM_STATE", default_state),
        help="file where the simulator keeps the households it knows",
    )
    sub.add_argument(
        "--roster", action="append", default=[], help="a demo-municipality file to look households up in (repeatable)"
    )


def add_change_parser(kinds, default_state: str) -> None:
    """`nhi-sim resident change KIND`: one change of any 異動事由 to a known household (or a new one on arrival)."""
    sub = kinds.add_parser(
        "change",
        help="one change of any 異動事由, with the attributes a case needs (person flags apply to its persons)",
    )
    sub.add_argument("change_kind", choices=KINDS, metavar="KIND", help="異動事由: " + ", ".join(KINDS))
    _common(sub, default_state)
    sub.add_argument("--household-id", default=None, help="the household (looked up by --person-id if left out)")
    sub.add_argument(
        "--person-id", action="append", default=[], help="a person the change concerns (repeatable; default all)"
    )
    sub.add_argument("--members", type=int, default=None, help="arrivals of a new household: its size (1 to 10)")
    sub.add_argument("--new-household-id", default=None, help="世帯分離 / 世帯合併: the household the persons join")
    sub.add_argument("--head-person-id", default=None, help="世帯主変更 (and 分離 / 合併): the head after the change")
    sub.add_argument("--address", default=None, help="住所 after a move (default: a random one in the city)")
    sub.add_argument("--previous-municipality", default=None, help="転入元 / 転出先")
    sub.add_argument("--notified-on", type=_date, default=None, help="届出日 (default the 異動日 or today)")
    sub.add_argument("--change-id", default=None, help="the registry's change id (default a new UUID)")
    add_person_flags(sub)


def apply_person_flags(args: argparse.Namespace, person: dict[str, Any]) -> dict[str, Any]:
    """The person with every attribute flag given applied."""
    person = dict(person)
    for flag, key in (
        ("nationality", "nationality"),
        ("residence_status", "residence_status"),
        ("residence_expires_on", "residence_expires_on"),
        ("name_kanji", "name_kanji"),
        ("name_kana", "name_kana"),
        ("sex", "sex"),
        ("relationship", "relationship"),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            person[key] = value
    if getattr(args, "birth_date", None):
        person["birth_date"] = args.birth_date.isoformat()
    if getattr(args, "my_number", None):
        person["my_number"] = args.my_number
    if getattr(args, "no_my_number", False):
        person["my_number"] = ""
    if getattr(args, "dv_support", None) is not None:
        person["dv_support"] = args.dv_support == "true"
    return person


def _known(registry: resident.Registry, household_id: str | None) -> bool:
    """A household the simulator (or a roster) knows: its arrival sends its recorded members."""
    if not household_id:
        return False
    try:
        registry.household(household_id=household_id)
    except resident.UnknownResident:
        return False
    return True


def one_off(
    args: argparse.Namespace, registry: resident.Registry, rng: random.Random, today: dt.date
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The change, and the households as the simulator keeps them afterwards. On the arrival of a new household the
    person flags apply to its head, on a birth to the baby; otherwise to every person the change concerns."""
    kind = args.change_kind
    event_date = args.event_date or today
    notified_on = args.notified_on or max(event_date, today)
    if kind in ARRIVALS and not args.person_id and not _known(registry, args.household_id):
        if args.members is not None and not 1 <= args.members <= 10:
            raise ValueError("--members must be 1 to 10")
        household = resident.move_in_household(
            rng, members=args.members, event_date=event_date, household_id=args.household_id
        )
        flagged = {household["head_person_id"]}
        chosen = {m["person_id"] for m in household["members"]}
    elif kind == "birth" and not args.person_id:
        household = registry.household(household_id=args.household_id)
        baby = resident.newborn(rng, household, event_date)
        household = {**household, "members": [*household["members"], baby]}
        flagged = chosen = {baby["person_id"]}
    else:
        household = registry.household(household_id=args.household_id, person_id=(args.person_id or [None])[0])
        chosen = set(args.person_id) or {m["person_id"] for m in household["members"]}
        if not chosen <= {m["person_id"] for m in household["members"]}:
            raise resident.UnknownResident(f"some of those persons are not in household {household['household_id']}")
        flagged = chosen
    members = [apply_person_flags(args, m) if m["person_id"] in flagged else dict(m) for m in household["members"]]
    household = {**household, "members": members}
    if kind in NEW_ADDRESS:
        if kind not in ARRIVALS or args.address:
            household["address"] = {**random_address(rng), **({"address": args.address} if args.address else {})}
    saved = [household]
    if kind in NEW_HOUSEHOLD:
        movers = [m for m in members if m["person_id"] in chosen]
        left = {**household, "members": [m for m in members if m["person_id"] not in chosen]}
        household = {
            **household,
            "household_id": args.new_household_id or f"H9{rng.randrange(10**7):07d}",
            "members": movers,
            "head_person_id": args.head_person_id or movers[0]["person_id"],
        }
        saved = [left, household]
    elif args.head_person_id:
        household["head_person_id"] = args.head_person_id
        saved = [household]
    persons = (
        household["members"] if kind == "head_change" else [m for m in household["members"] if m["person_id"] in chosen]
    )
    if kind in ARRIVALS or kind in DEPARTURES:
        previous = args.previous_municipality
        if previous is None:
            previous = rng.choice(resident.PREVIOUS_MUNICIPALITIES)
    else:
        previous = args.previous_municipality or ""
    data = resident.change(
        kind, household, persons, event_date=event_date, notified_on=notified_on, previous_municipality=previous
    )
    if args.change_id:
        data["change_id"] = args.change_id
    if args.sequence is not None:
        for person in data["persons"]:
            person["sequence"] = args.sequence
    if kind in DEPARTURES:
        saved = [{**household, "members": [m for m in household["members"] if m["person_id"] not in chosen]}]
    return data, saved
