"""Command line of svc-qualification: serve, migrate, import-migration, work, run-job, rotate-mynumber-key,
announce-dv-ends."""

from __future__ import annotations

import argparse
import json
import sys

from nhi.common.v1 import common_pb2
from nhi_common import config, db, logs, progress
from nhi_common.errors import DomainError

from .. import bootstrap
from ..adapters import migration_import
from ..adapters.vault import MyNumberVault
from ..domain.errors import RuleViolation
from ..domain.numbers import INSURER_RULE, insurer_number_problem
from ..settings import Settings


def _settings() -> Settings:
    settings = config.load_or_exit(Settings)
    problem = insurer_number_problem(settings.insurer_number)
    if problem:
        print(
            f"configuration error: NHI_INSURER_NUMBER={settings.insurer_number}: {problem} ({INSURER_RULE})",
            file=sys.stderr,
        )
        raise SystemExit(2)
    try:
        settings.mynumber_keyring()
    except ValueError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    logs.configure_logging("svc-qualification", settings.log_level)
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nhi-qualification", description="NHI qualification records service")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="migrate the database, then serve gRPC and relay events")
    commands.add_parser("migrate", help="bring the database schema up to date")
    load = commands.add_parser("import-migration", help="load an initial data migration file (JSON Lines)")
    load.add_argument("file")
    commands.add_parser("work", help="run the job worker (pulls nhi.jobs.v1.> chunks from NATS)")
    run_job = commands.add_parser("run-job", help="start a job (age75_loss, burden_redetermination) and wait for it")
    run_job.add_argument("kind")
    run_job.add_argument("--date", default="")
    run_job.add_argument("--month", default="")
    rotate = commands.add_parser(
        "rotate-mynumber-key",
        help="re-encrypt every stored My Number under the current key version (resumable: a re-run continues)",
    )
    rotate.add_argument("--batch-size", type=int, default=500)
    release = commands.add_parser(
        "announce-dv-ends",
        help="publish address_released for each dv_support status ended before the business date (daily; once each)",
    )
    release.add_argument("--date", default="", help="the business date (default: the configured one, else today)")
    args = parser.parse_args(argv)
    if args.command != "serve":  # a server gets its environment from its supervisor or deployment
        config.use_local_state()
    settings = _settings()
    if args.command == "serve":
        import threading

        runtime = bootstrap.build(settings)
        runtime.start(settle_heap=True)
        # A job queued before a crash or while NATS was down, whose plan never went out, is picked up again.
        threading.Thread(target=runtime.jobs.resume_unplanned, name="resume-jobs", daemon=True).start()
        runtime.wait()
        return 0
    if args.command in ("work", "run-job", "rotate-mynumber-key", "announce-dv-ends"):
        config.require_existing_database(settings.database_url, "QUALIFICATION_DATABASE_URL")
    command = None
    if args.command == "run-job":  # a kind or date it cannot run is refused before anything is touched
        from . import parse

        params = {k: v for k, v in (("date", args.date), ("month", args.month)) if v}
        try:
            command = parse.start_job(common_pb2.StartJobRequest(kind=args.kind, parameters=params))
        except RuleViolation as exc:
            print(f"run-job: {exc.detail}", file=sys.stderr)
            return 2
    engine = bootstrap.make_engine(settings)
    db.migrate(engine, bootstrap.MIGRATIONS)
    if args.command == "import-migration":
        try:
            counts = migration_import.import_households(
                engine,
                MyNumberVault(settings.mynumber_keyring()),
                settings.insurer_number,
                migration_import.read_lines(args.file),
            )
        except RuleViolation as exc:
            print(f"import failed at {exc.field}: {exc.message}", file=sys.stderr)
            return 1
        print(json.dumps(counts))
    if args.command == "rotate-mynumber-key":
        return _rotate(args, settings, engine)
    if args.command in ("work", "run-job"):
        return _jobs(args, settings, engine, command)
    if args.command == "announce-dv-ends":
        return _announce_dv_ends(args, settings, engine)
    return 0


def _announce_dv_ends(args, settings: Settings, engine) -> int:
    """Rule DV: the ends of dv_support statuses, announced through the outbox (the serving process relays them)."""
    from ..service_layer import dv_release
    from ..service_layer.context import Actor
    from . import parse

    try:
        day = parse.date("--date", args.date)
    except RuleViolation as exc:
        print(f"announce-dv-ends: {exc.detail}", file=sys.stderr)
        return 2
    counts = dv_release.announce_ended(bootstrap.app_for(settings, engine), Actor("cli", business_date=day))
    print(json.dumps(counts))
    return 0


def _rotate(args, settings: Settings, engine) -> int:
    """Re-encrypt and re-hash every My Number not under the current key version; one JSON line per batch."""
    from ..adapters import mynumber_rotation

    vault = MyNumberVault(settings.mynumber_keyring())

    def report(rotated: int) -> None:
        print(json.dumps({"target_version": vault.keys.current, "rotated": rotated}), flush=True)

    result = mynumber_rotation.rotate(engine, vault, batch_size=max(1, args.batch_size), after_batch=report)
    in_use = mynumber_rotation.versions_in_use(engine)
    print(
        json.dumps(
            {
                "target_version": result.target_version,
                "rotated": result.rotated,
                "total_rotated": result.total_rotated,
                "resumed_after": result.resumed_after,
                "versions_in_use": {str(k): v for k, v in sorted(in_use.items())},
            }
        )
    )
    return 0


def _progress(job: dict) -> str:
    """One line of a running job: counts once it is planned, and an estimate of the time left."""
    if job["state"] in ("queued", "planning") or not job.get("total"):
        return json.dumps({"job_id": job["job_id"], "state": job["state"]})
    line = {k: job[k] for k in ("job_id", "state", "total", "done", "failed")}
    line["eta_seconds"] = progress.eta_seconds(job)
    return json.dumps(line)


def _jobs(args, settings: Settings, engine, command) -> int:
    """`work`: pull job chunks until stopped; `run-job`: start one job and print its progress until it ends."""
    import time

    from ..service_layer.context import Actor
    from ..service_layer.jobs import Jobs
    from . import jobs_worker

    app = bootstrap.app_for(settings, engine)
    if args.command == "work":
        if not settings.nats_url:
            print("work needs NATS_URL", file=sys.stderr)
            return 2
        return jobs_worker.run(app, settings.nats_url)
    worker = jobs_worker.Worker(app, settings.nats_url).start() if settings.nats_url else None
    jobs = worker.jobs if worker is not None else Jobs(app)
    try:
        try:
            job = jobs.start(command, Actor("cli"))
        except DomainError as exc:  # e.g. a day more than a year from the business date: refused, nothing started
            print(f"run-job: {exc.detail}", file=sys.stderr)
            return 2
        while job["state"] not in ("succeeded", "failed"):
            print(_progress(job), flush=True)
            time.sleep(1)
            job = jobs.get(job["job_id"])
        print(json.dumps(job, ensure_ascii=False))
        return 0 if job["state"] == "succeeded" else 1
    finally:
        if worker is not None:
            worker.stop()
