"""The one place that wires svc-qualification together."""

from __future__ import annotations

import pathlib

from nhi.qualification.v1 import qualification_pb2, qualification_pb2_grpc
from nhi_common import db, rpc, telemetry
from nhi_common.runtime import ServiceRuntime

from .adapters.tables import PLUMBING
from .adapters.vault import MyNumberVault
from .entrypoints import jobs_worker
from .entrypoints.grpc_api import QualificationServicer
from .entrypoints.handlers import document_issued_handler
from .service_layer.batches import BatchService
from .service_layer.records import RecordsService
from .service_layer.services import QualificationService
from .settings import Settings

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
SERVICE_NAME = qualification_pb2.DESCRIPTOR.services_by_name["QualificationService"].full_name


def make_engine(settings: Settings):
    return db.service_engine(settings.database_url, settings.database_schema)


def build(settings: Settings, *, port: int | None = None) -> ServiceRuntime:
    """A ready-to-start runtime (migrated database, servicer, outbox relay)."""
    telemetry.setup_tracing("svc-qualification")
    engine = make_engine(settings)
    db.migrate(engine, MIGRATIONS)
    server = rpc.Server(port=settings.grpc_port if port is None else port, service_names=[SERVICE_NAME])
    runtime = ServiceRuntime(name="svc-qualification", nats_url=settings.nats_url, server=server, engine=engine,
                             outbox=PLUMBING["outbox"])
    service = QualificationService(engine=engine, vault=MyNumberVault(settings.mynumber_key),
                                   insurer_number=settings.insurer_number, insured_symbol=settings.insured_symbol,
                                   fixed_business_date=settings.business_date, after_commit=runtime.notify_outbox)
    records = RecordsService(core=service)
    batches = BatchService(core=service)
    servicer = QualificationServicer(service, records, batches)
    qualification_pb2_grpc.add_QualificationServiceServicer_to_server(servicer, server.server)
    runtime.service, runtime.records, runtime.batches = service, records, batches
    jobs_worker.attach(runtime, batches)  # with NATS, job chunks go through nhi.jobs.v1.<kind> to any replica
    if settings.nats_url:
        runtime.consume(stream="NHI_EVENTS", durable="qualification-documents", subject="nhi.v1.document.issued",
                        handler=document_issued_handler(records))
    return runtime
