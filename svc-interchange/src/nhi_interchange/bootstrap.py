"""The one place that wires svc-interchange together."""

from __future__ import annotations

import datetime as dt
import pathlib
from zoneinfo import ZoneInfo

from nhi.interchange.v1 import interchange_pb2, interchange_pb2_grpc
from nhi_common import db, offering, rpc, telemetry
from nhi_common.config import ConfigError
from nhi_common.runtime import ServiceRuntime

from .adapters.address_table import AddressTableFile
from .adapters.files import DirectoryDrop
from .adapters.numbers import QualificationNumbers
from .adapters.qualification import QualificationLink
from .adapters.store import SqlStore
from .adapters.tables import PLUMBING
from .domain.address import TableError
from .entrypoints.grpc_api import InterchangeServicer
from .entrypoints.handlers import QualificationConsumer
from .service_layer.services import InterchangeService
from .settings import Settings

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
JST = ZoneInfo("Asia/Tokyo")
INTERMEDIATE = "intermediate"  # <INTERCHANGE_FILE_DIR>/intermediate/{outbox,inbox}: the intermediate server's drop
SERVICE_NAME = interchange_pb2.DESCRIPTOR.services_by_name["InterchangeService"].full_name


def build(settings: Settings, *, port: int | None = None) -> ServiceRuntime:
    telemetry.setup_tracing("svc-interchange")
    engine = db.service_engine(settings.database_url, settings.database_schema)
    db.migrate(engine, MIGRATIONS)
    service = build_service(settings, engine)
    server = rpc.Server(port=settings.grpc_port if port is None else port, service_names=[SERVICE_NAME])
    runtime = ServiceRuntime(
        name="svc-interchange", nats_url=settings.nats_url, server=server, engine=engine, outbox=PLUMBING["outbox"]
    )
    interchange_pb2_grpc.add_InterchangeServiceServicer_to_server(InterchangeServicer(service), server.server)
    if settings.nats_url:
        runtime.consumers.append(QualificationConsumer(runtime.bus, service))
    # A job runs in a thread of this process: one left queued or running by a process that is gone ends failed.
    runtime.sweepers.append(
        offering.StallSweeper(service.fail_abandoned_jobs, every=service.abandonment.every, what="svc-interchange jobs")
    )
    runtime.service = service
    return runtime


def build_service(settings: Settings, engine) -> InterchangeService:
    """The use cases over this service's database, svc-qualification and the file directories."""
    link = QualificationLink(settings.qualification_addr)
    addresses = AddressTableFile(settings.address_table) if settings.address_table else None
    if addresses is not None:
        try:
            addresses.load()  # a malformed table stops the start, naming its line
        except TableError as exc:
            raise ConfigError(f"INTERCHANGE_ADDRESS_TABLE: {exc}") from None
    return InterchangeService(
        SqlStore(engine),
        numbers=QualificationNumbers(settings.qualification_addr),
        drop=DirectoryDrop(settings.file_dir),
        intermediate=DirectoryDrop(pathlib.Path(settings.file_dir) / INTERMEDIATE),
        addresses=addresses,
        people=link,
        burden=link,
        register=link,
        insurer_number=settings.insurer_number,
        business_date=lambda: settings.business_date or dt.datetime.now(JST).date(),
        abandonment=offering.abandonment_setting(settings.job_abandoned_seconds),
    )
