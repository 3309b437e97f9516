"""Command line of svc-interchange: serve, migrate, run-job (what the chart's CronJobs call)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from nhi_common import config, db, logs
from nhi_common.errors import DomainError

from .. import bootstrap
from ..settings import Settings

# CLI job names (as a CronJob spells them) and the job kinds of StartJob.
JOBS = {
    "daily-aggregation": "daily_aggregation",
    "aggregation-import": "aggregation_import",
    "subcopy-registration": "subcopy_registration",
    "subcopy-query-send": "subcopy_query_send",
    "intermediate-receipt": "intermediate_receipt",
}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nhi-interchange", description="NHI aggregation and intermediate-server link")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="migrate the database, then serve gRPC and consume events")
    commands.add_parser("migrate", help="bring the database schema up to date")
    job = commands.add_parser("run-job", help="run a job to its end and print it as JSON (exit 1 when it failed)")
    job.add_argument("kind", choices=sorted(JOBS))
    job.add_argument(
        "--date", type=_date, default=None, help="daily-aggregation: the business day cut off (default: the day before)"
    )
    args = parser.parse_args(argv)
    if args.command != "serve":  # a server gets its environment from its supervisor or deployment
        config.use_local_state()
    settings = config.load_or_exit(Settings)
    if args.command == "run-job":
        config.require_existing_database(settings.database_url, "INTERCHANGE_DATABASE_URL")
    logs.configure_logging("svc-interchange", settings.log_level)
    if args.command == "migrate":
        engine = db.make_engine(settings.database_url, schema=settings.database_schema)
        db.migrate(engine, bootstrap.MIGRATIONS)
        return 0
    try:
        if args.command == "run-job":
            return _run_job(settings, JOBS[args.kind], args.date)
        runtime = bootstrap.build(settings)
    except config.ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    runtime.start(settle_heap=True)
    runtime.wait()
    return 0


def _run_job(settings: Settings, kind: str, day: dt.date | None) -> int:
    engine = db.service_engine(settings.database_url, settings.database_schema)
    db.migrate(engine, bootstrap.MIGRATIONS)
    service = bootstrap.build_service(settings, engine)
    parameters = {"date": day.isoformat()} if day else {}
    try:
        started = service.start_job(kind=kind, parameters=parameters, business_date=None)
    except DomainError as exc:  # e.g. a day before the latest one run (STD-2.6.1): refused, nothing started
        print(f"run-job: {exc.detail}", file=sys.stderr)
        engine.dispose()
        return 2
    job = service.run_job(started["job_id"])
    print(json.dumps(job, ensure_ascii=False, default=str))
    engine.dispose()
    return 0 if job["state"] == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
