"""nhi-sim: the external systems' side of the suite, and the synthetic demo municipality."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import sys
import time
from zoneinfo import ZoneInfo

from nhi_common import config, logs

from . import aggregation, intermediate, municipality, pension, resident, resident_cases, stream, tax, welfare

DEFAULT_STATE = os.path.join("var", "simulators", "residents.jsonl")


def _today() -> dt.date:
    fixed = os.environ.get("NHI_BUSINESS_DATE")
    return dt.date.fromisoformat(fixed) if fixed else dt.datetime.now(ZoneInfo("Asia/Tokyo")).date()


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nhi-sim", description="Simulators of the systems around the NHI suite")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo-municipality", help="write the initial migration file of みどり市 (JSON Lines)")
    demo.add_argument("--households", type=int, default=1000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--today", type=_date, default=None, help="reference date (default NHI_BUSINESS_DATE or today)")
    demo.add_argument("--out", required=True)

    registry = commands.add_parser("resident", help="publish resident-registry changes on resident.v1.changes")
    kinds = registry.add_subparsers(dest="kind", required=True)
    for name, help_text in (
        ("move-in", "転入 of a new household"),
        ("death", "死亡 of a person"),
        ("move-out", "転出 of a household or some of its members"),
        ("birth", "出生 of a child into a household"),
    ):
        sub = kinds.add_parser(name, help=help_text)
        sub.add_argument("--nats-url", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
        sub.add_argument("--event-date", type=_date, default=None, help="異動日 (default today)")
        sub.add_argument("--seed", type=int, default=None)
        sub.add_argument("--municipality", default="midori", help="id in the CloudEvents source")
        sub.add_argument(
            "--state",
            default=os.environ.get("NHI_SIM_STATE", DEFAULT_STATE),
            help="file where the simulator keeps the households it knows",
        )
        sub.add_argument(
            "--roster",
            action="append",
            default=[],
            help="a demo-municipality file to look households up in (repeatable)",
        )
        if name in ("move-in", "birth"):
            resident_cases.add_person_flags(sub)
        if name == "move-in":
            sub.add_argument("--members", type=int, default=None)
            sub.add_argument("--household-id", default=None)
        elif name == "death":
            sub.add_argument("--person-id", required=True)
            sub.add_argument("--household-id", default=None)
        elif name == "move-out":
            sub.add_argument("--household-id", required=True)
            sub.add_argument("--person-id", action="append", default=[], help="only these members (repeatable)")
        else:
            sub.add_argument("--household-id", required=True)
    resident_cases.add_change_parser(kinds, DEFAULT_STATE)
    flow = kinds.add_parser(
        "stream", help="publish a day of changes (転入, 転居, 氏名変更, 転出) with per-person sequences"
    )
    flow.add_argument("--nats-url", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    flow.add_argument("--count", type=int, default=2000, help="changes (a normal day 2,000; a peak day 30,000)")
    flow.add_argument("--profile", choices=sorted(stream.PROFILES), default="normal")
    flow.add_argument("--event-date", type=_date, default=None, help="異動日 (default today)")
    flow.add_argument("--seed", type=int, default=1)
    agg = commands.add_parser("aggregation", help="the prefecture's aggregation system (国保情報集約システム)")
    agg_kinds = agg.add_subparsers(dest="kind", required=True)
    for name, help_text in (
        ("receive", "check the dropped files and return a result per record into the inbox"),
        ("seed-period", "a period another municipality of the prefecture holds for a My Number"),
    ):
        sub = agg_kinds.add_parser(name, help=help_text)
        sub.add_argument(
            "--file-dir", default=os.environ.get("INTERCHANGE_FILE_DIR", os.path.join("var", "interchange"))
        )
        sub.add_argument("--state", default=os.path.join("var", "simulators", "aggregation.json"))
        if name == "seed-period":
            sub.add_argument("--my-number", required=True)
            sub.add_argument("--insurer", required=True)
            sub.add_argument("--acquired-on", required=True, help="YYYYMMDD")
            sub.add_argument("--lost-on", default="", help="YYYYMMDD, empty while insured")
    _intermediate_parser(commands)
    pension_cmd = commands.add_parser("pension", help="publish a 国民年金 category change on pension.v1.changes")
    pension_cmd.add_argument("--nats-url", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    pension_cmd.add_argument("--person-id", required=True, help="宛名番号")
    pension_cmd.add_argument("--category", choices=("1", "2", "3"), required=True, help="1号, 2号 or 3号")
    pension_cmd.add_argument(
        "--changed-on", type=_date, default=None, help="取得日・種別変更日・喪失日 (default today)"
    )
    pension_cmd.add_argument("--event", choices=("acquired", "changed", "lost"), default="changed")
    pension_cmd.add_argument("--reason", default="", help="the pension system's 事由 (default one for the category)")
    welfare_cmd = commands.add_parser("welfare", help="publish a 生活保護 protection period on welfare.v1.changes")
    welfare_cmd.add_argument("--nats-url", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    welfare_cmd.add_argument("--person-id", required=True, help="宛名番号")
    welfare_cmd.add_argument("--started-on", type=_date, default=None, help="保護開始日 (default today)")
    welfare_cmd.add_argument("--ended-on", type=_date, default=None, help="廃止日; left out while protected")
    welfare_cmd.add_argument("--reason", default="", help="the welfare system's 事由 (default 保護開始 or 保護廃止)")
    tax_cmd = commands.add_parser("tax", help="publish a 住民税 income of a year on tax.v1.income")
    tax_cmd.add_argument("--nats-url", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    tax_cmd.add_argument("--person-id", required=True, help="宛名番号")
    tax_cmd.add_argument("--income-year", type=int, required=True, help="所得年 (the year the income was earned)")
    for item, help_text in (
        ("taxable-income", "課税所得 (課税標準額)"),
        ("total-income", "総所得金額"),
        ("kyu-tadashigaki-income", "旧ただし書所得"),
        ("gross-income", "収入額"),
        ("public-pension-income", "公的年金等収入"),
    ):
        tax_cmd.add_argument(
            f"--{item}", type=int, default=None, help=f"{help_text} in yen; left out (unknown) if not given"
        )
    tax_cmd.add_argument(
        "--non-taxed", choices=("true", "false"), default=None, help="住民税非課税; left out if not given"
    )
    return parser


def _intermediate_parser(commands) -> None:
    server = commands.add_parser("intermediate", help="the municipality's intermediate server (自治体中間サーバー)")
    kinds = server.add_subparsers(dest="kind", required=True)
    for name, help_text in (
        ("receive", "check the dropped sub-copies, answer the queries, take the manual answers"),
        ("serve", "receive every --interval seconds until stopped (what `make run` starts)"),
        ("ask", "another municipality queries one of this municipality's persons"),
        ("seed-income", "the income another municipality holds for a My Number and year"),
        ("status", "the copies registered and the other municipalities' requests with their answers"),
    ):
        sub = kinds.add_parser(name, help=help_text)
        sub.add_argument(
            "--file-dir", default=os.environ.get("INTERCHANGE_FILE_DIR", os.path.join("var", "interchange"))
        )
        sub.add_argument("--state", default=os.path.join("var", "simulators", "intermediate.json"))
        if name == "serve":
            sub.add_argument("--interval", type=float, default=5.0)
        if name == "ask":
            sub.add_argument("--insurer", default=os.environ.get("NHI_INSURER_NUMBER", "139998"))
            sub.add_argument("--person-id", required=True, help="団体内統合宛名番号 (the person id)")
            sub.add_argument("--requester", default="139006", help="the requesting body's code")
        if name == "seed-income":
            sub.add_argument("--my-number", required=True)
            sub.add_argument("--income-year", type=int, required=True)
            sub.add_argument("--non-taxed", choices=("true", "false"), default="false")
            for item in intermediate.AMOUNTS:
                sub.add_argument(f"--{item.replace('_', '-')}", type=int, default=None, help="yen; unknown if left out")


def _intermediate(args) -> int:
    server = intermediate.IntermediateServer(args.file_dir, args.state)
    if args.kind == "seed-income":
        amounts = {k: getattr(args, k) for k in intermediate.AMOUNTS}
        server.seed_income(
            my_number=args.my_number, income_year=args.income_year, non_taxed=args.non_taxed == "true", **amounts
        )
        print(json.dumps({"seeded": args.income_year}))
    elif args.kind == "ask":
        print(json.dumps(server.ask(insurer=args.insurer, person_id=args.person_id, requester=args.requester)))
    elif args.kind == "status":
        print(json.dumps(server.status(), ensure_ascii=False))
    elif args.kind == "serve":
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
        try:
            while not stop:
                try:
                    server.receive()
                except (OSError, ValueError) as exc:  # a file it cannot take stops nothing: the next round goes on
                    print(f"intermediate server: {exc}", file=sys.stderr)
                time.sleep(args.interval)
        except KeyboardInterrupt:
            pass
    else:
        print(json.dumps({"received": server.receive()}, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    # On a machine running `make run`: its NATS_URL (var/suite.json) is the default, not whatever listens on 4222.
    config.use_local_state()
    args = _parser().parse_args(argv)
    logs.configure_logging("simulators", os.environ.get("LOG_LEVEL", "INFO"))
    if args.command == "demo-municipality":
        if args.households < 1:
            print("--households must be at least 1", file=sys.stderr)
            return 2
        summary = municipality.write_migration_file(
            args.out, args.households, seed=args.seed, today=args.today or _today()
        )
        print(json.dumps({"file": args.out, **summary}, ensure_ascii=False))
        return 0
    if args.command == "aggregation":
        return _aggregation(args)
    if args.command == "intermediate":
        return _intermediate(args)
    if args.command in ("pension", "welfare", "tax"):
        return _feed(args)
    try:
        return _resident(args)
    except resident.UnknownResident as exc:
        print(f"unknown resident: {exc} (give --roster FILE or use ids from an earlier move-in)", file=sys.stderr)
        return 2
    except TimeoutError:
        print(f"NATS at {args.nats_url} did not answer", file=sys.stderr)
        return 1


def _resident(args) -> int:
    if args.kind == "stream":
        changes = stream.generate(
            args.count, profile=args.profile, event_date=args.event_date or _today(), seed=args.seed
        )
        print(json.dumps({"published": stream.publish_all(args.nats_url, changes), "profile": args.profile}))
        return 0
    rng = random.Random(args.seed)
    today = _today()
    event_date = args.event_date or today
    notified_on = max(event_date, today)
    registry = resident.Registry(args.state, args.roster)
    if args.kind == "change":
        return _one_off(args, registry, rng, today)
    if args.kind == "move-in":
        if args.members is not None and not 1 <= args.members <= 10:
            print("--members must be 1 to 10", file=sys.stderr)
            return 2
        household = resident.move_in_household(
            rng, members=args.members, event_date=event_date, household_id=args.household_id
        )
        data = resident.change(
            "move_in",
            household,
            household["members"],
            event_date=event_date,
            notified_on=notified_on,
            previous_municipality=rng.choice(resident.PREVIOUS_MUNICIPALITIES),
        )
        household["members"][0] = resident_cases.apply_person_flags(args, household["members"][0])
        data["persons"][0] = resident.wire_person(household["members"][0])
        persons = household["members"]
    elif args.kind == "birth":
        household = registry.household(household_id=args.household_id)
        baby = resident_cases.apply_person_flags(args, resident.newborn(rng, household, event_date))
        household = {**household, "members": [*household["members"], baby]}
        data = resident.change("birth", household, [baby], event_date=event_date, notified_on=notified_on)
        persons = [baby]
    elif args.kind == "death":
        household = registry.household(household_id=args.household_id, person_id=args.person_id)
        persons = [m for m in household["members"] if m["person_id"] == args.person_id]
        data = resident.change("death", household, persons, event_date=event_date, notified_on=notified_on)
        household = {**household, "members": [m for m in household["members"] if m["person_id"] != args.person_id]}
    else:
        household = registry.household(household_id=args.household_id)
        chosen = set(args.person_id) or {m["person_id"] for m in household["members"]}
        persons = [m for m in household["members"] if m["person_id"] in chosen]
        if len(persons) != len(chosen):
            raise resident.UnknownResident(f"some of those persons are not in household {args.household_id}")
        data = resident.change("move_out", household, persons, event_date=event_date, notified_on=notified_on)
        household = {**household, "members": [m for m in household["members"] if m["person_id"] not in chosen]}
    event = resident.publish(args.nats_url, data, municipality_id=args.municipality)
    registry.save(household)
    print(
        json.dumps(
            {
                "household_id": data["household_id"],
                "person_ids": [p["person_id"] for p in persons],
                "change_id": data["change_id"],
                "event_id": event.id,
            }
        )
    )
    return 0


def _one_off(args, registry: resident.Registry, rng: random.Random, today: dt.date) -> int:
    """nhi-sim resident change KIND: publish one change of any 異動事由; print its ids."""
    try:
        data, households = resident_cases.one_off(args, registry, rng, today)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    event = resident.publish(args.nats_url, data, municipality_id=args.municipality)
    for household in households:
        registry.save(household)
    summary = {
        "household_id": data["household_id"],
        "person_ids": [p["person_id"] for p in data["persons"]],
        "change_id": data["change_id"],
        "event_id": event.id,
    }
    print(json.dumps(summary))
    return 0


def _aggregation(args) -> int:
    system = aggregation.AggregationSystem(args.file_dir, args.state)
    if args.kind == "seed-period":
        system.seed_period(
            my_number=args.my_number, insurer=args.insurer, acquired_on=args.acquired_on, lost_on=args.lost_on
        )
        print(json.dumps({"seeded": args.insurer}))
        return 0
    print(json.dumps({"received": system.receive()}, ensure_ascii=False))
    return 0


def _feed(args) -> int:
    """One pension change, welfare period or income record, published; prints its ids."""
    try:
        if args.command == "pension":
            data = pension.change(
                args.person_id,
                category=args.category,
                changed_on=args.changed_on or _today(),
                event=args.event,
                reason=args.reason,
            )
            event = pension.publish(args.nats_url, data)
        elif args.command == "welfare":
            data = welfare.period(
                args.person_id, started_on=args.started_on or _today(), ended_on=args.ended_on, reason=args.reason
            )
            event = welfare.publish(args.nats_url, data)
        else:
            amounts = {key: getattr(args, key) for key in tax.AMOUNTS}
            non_taxed = None if args.non_taxed is None else args.non_taxed == "true"
            data = tax.income(args.person_id, income_year=args.income_year, non_taxed=non_taxed, **amounts)
            event = tax.publish(args.nats_url, data)
    except TimeoutError:
        print(f"NATS at {args.nats_url} did not answer", file=sys.stderr)
        return 1
    record_id = data.get("change_id") or data.get("record_id")
    print(json.dumps({"person_id": args.person_id, "record_id": record_id, "event_id": event.id}))
    return 0
