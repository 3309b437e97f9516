"""The one place that wires svc-qualification together, each part given what it needs when it is made."""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Callable

import sqlalchemy as sa

from nhi.qualification.v1 import qualification_pb2, qualification_pb2_grpc
from nhi_common import db, rpc, telemetry
from nhi_common.bus import BatchConsumer
from nhi_common.mynumber_keys import MyNumberKeys
from nhi_common.runtime import ServiceRuntime

from .adapters.tables import PLUMBING
from .adapters.unit_of_work import SqlUnitOfWork
from .adapters.vault import MyNumberVault
from .entrypoints import jobs_worker
from .entrypoints.grpc_api import AUDITED_READS, QualificationServicer
from .entrypoints.handlers import documents_issued_handler
from .service_layer.app import App
from .service_layer.jobs import Jobs
from .settings import Settings

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
SERVICE_NAME = qualification_pb2.DESCRIPTOR.services_by_name["QualificationService"].full_name


def make_engine(settings: Settings):
    return db.service_engine(settings.database_url, settings.database_schema)


def make_app(
    engine: sa.Engine,
    *,
    mynumber_key: str | MyNumberKeys,
    insurer_number: str,
    insured_symbol: str,
    business_date: dt.date | None = None,
    after_commit: Callable[[], None] = lambda: None,
) -> App:
    """The use cases' dependencies over a database: units of work, the My Number vault, the numbering."""

    def uow(*, read_only: bool = False, reading: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, read_only=read_only, reading=reading, after_commit=after_commit)

    return App(
        uow=uow,
        vault=MyNumberVault(mynumber_key),
        insurer_number=insurer_number,
        insured_symbol=insured_symbol,
        fixed_business_date=business_date,
    )


def app_for(settings: Settings, engine: sa.Engine, after_commit: Callable[[], None] = lambda: None) -> App:
    return make_app(
        engine,
        mynumber_key=settings.mynumber_keyring(),
        insurer_number=settings.insurer_number,
        insured_symbol=settings.insured_symbol,
        business_date=settings.business_date,
        after_commit=after_commit,
    )


def build(settings: Settings, *, port: int | None = None) -> ServiceRuntime:
    """A ready-to-start runtime (migrated database, servicer, outbox relay, job worker with NATS)."""
    telemetry.setup_tracing("svc-qualification")
    engine = make_engine(settings)
    db.migrate(engine, MIGRATIONS)
    server = rpc.Server(port=settings.grpc_port if port is None else port, service_names=[SERVICE_NAME])
    runtime = ServiceRuntime(
        name="svc-qualification", nats_url=settings.nats_url, server=server, engine=engine, outbox=PLUMBING["outbox"]
    )
    app = app_for(settings, engine, runtime.notify_outbox)
    # With NATS, job chunks go through nhi.jobs.v1.<kind> to any replica; without, they run in this process.
    dispatch = jobs_worker.publisher(runtime.bus_runtime, runtime.bus) if runtime.bus is not None else None
    jobs = Jobs(app, dispatch=dispatch)
    qualification_pb2_grpc.add_QualificationServiceServicer_to_server(QualificationServicer(app, jobs), server.server)
    server.call_audit.reads.update(AUDITED_READS)
    runtime.app, runtime.jobs = app, jobs
    if runtime.bus is not None:
        jobs_worker.consume(runtime, jobs)
        runtime.sweep_stalled_jobs(
            jobs.reoffer_stalled,
            stream=jobs_worker.STREAM,
            stall_seconds=settings.job_stall_seconds,
            what="svc-qualification jobs",
        )
        # The certificates svc-documents issues, a fetch of them in one transaction (the annual renewal's pace: its
        # relay sends a chunk's events at once, and each transaction costs some ten statements and a WAL flush).
        runtime.consumers.append(
            BatchConsumer(
                runtime.bus,
                stream="NHI_EVENTS",
                durable="qualification-documents",
                subject="nhi.v1.document.issued",
                handle_batch=documents_issued_handler(app),
                batch=250,
            )
        )
    return runtime
