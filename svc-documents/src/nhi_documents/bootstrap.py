"""The one place that wires svc-documents together."""

from __future__ import annotations

import pathlib

from nhi.documents.v1 import documents_pb2, documents_pb2_grpc
from nhi_common import db, rpc, telemetry
from nhi_common.runtime import ServiceRuntime

from .adapters.clients import QualificationClient
from .adapters.fonts import find_font
from .adapters.rendering import PdfRenderer
from .adapters.store import SqlDocumentStore, metadata
from .entrypoints.grpc_api import DocumentServicer
from .service_layer.services import DocumentService
from .settings import Settings

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
SERVICE_NAME = documents_pb2.DESCRIPTOR.services_by_name["DocumentService"].full_name


class DocumentsRuntime(ServiceRuntime):
    """The service runtime plus the channel to svc-qualification, closed on stop."""

    channel: rpc.LazyChannel
    service: DocumentService

    @property
    def port(self) -> int:
        return self.server.port

    def stop(self) -> None:
        super().stop()
        self.channel.close()


def make_engine(settings: Settings):
    return db.service_engine(settings.database_url, settings.database_schema)


def build(settings: Settings, *, port: int | None = None) -> DocumentsRuntime:
    """A ready-to-start runtime: font found, database migrated, servicer registered, outbox relay when NATS_URL is set.

    `port` overrides DOCUMENTS_GRPC_PORT (0 = a free port, see `.port`). Raises FontNotFound without a usable font."""
    telemetry.setup_tracing("svc-documents")
    renderer = PdfRenderer(find_font(settings.pdf_font))
    engine = make_engine(settings)
    db.migrate(engine, MIGRATIONS)
    server = rpc.Server(port=settings.grpc_port if port is None else port, service_names=[SERVICE_NAME])
    outbox = metadata.tables["outbox"]
    runtime = DocumentsRuntime(
        name="svc-documents", nats_url=settings.nats_url, server=server, engine=engine, outbox=outbox
    )
    runtime.channel = rpc.LazyChannel(settings.qualification_addr)
    client = QualificationClient(runtime.channel, deadline=settings.grpc_deadline_seconds)
    service = DocumentService(
        store=SqlDocumentStore(engine),
        qualification=client,
        renderer=renderer,
        insurer_number=settings.insurer_number,
        municipality_name=settings.municipality_name,
        fixed_business_date=settings.business_date,
        after_commit=runtime.notify_outbox,
    )
    documents_pb2_grpc.add_DocumentServiceServicer_to_server(DocumentServicer(service), server.server)
    runtime.service = service
    return runtime
