"""The one place that wires svc-documents together."""

from __future__ import annotations

import pathlib

from nhi.documents.v1 import documents_pb2, documents_pb2_grpc
from nhi_common import db, rpc, telemetry
from nhi_common.runtime import ServiceRuntime

from .adapters.blobs import FileBlobStore
from .adapters.characters_store import SqlUndrawableLog
from .adapters.clients import InsuredListClient, QualificationClient
from .adapters.fonts import find_fallback_fonts, find_font
from .adapters.jobs_store import SqlJobStore
from .adapters.print_files import MergedPdfFiles
from .adapters.rendering import PdfRenderer
from .adapters.store import SqlDocumentStore, metadata
from .entrypoints import jobs_worker
from .entrypoints.grpc_api import DocumentServicer
from .service_layer import renewal
from .service_layer.jobs import DocumentJobs, PrintSettings
from .service_layer.print_queue import PrintQueue
from .service_layer.services import DocumentService
from .settings import Settings

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
SERVICE_NAME = documents_pb2.DESCRIPTOR.services_by_name["DocumentService"].full_name
# A document names and addresses its person: each read is one audit row (who, which document, why).
AUDITED_READS = {
    f"/{SERVICE_NAME}/GetDocument": rpc.AuditedRead("document.read", "document", id_field="document_id"),
    f"/{SERVICE_NAME}/GetDocumentContent": rpc.AuditedRead("document.content_read", "document", id_field="document_id"),
}


class DocumentsRuntime(ServiceRuntime):
    """The service runtime plus the channel to svc-qualification, closed on stop."""

    channel: rpc.LazyChannel
    service: DocumentService
    jobs: DocumentJobs
    print_queue: PrintQueue

    @property
    def port(self) -> int:
        return self.server.port

    def stop(self) -> None:
        super().stop()
        self.channel.close()


def make_engine(settings: Settings):
    return db.service_engine(settings.database_url, settings.database_schema)


def make_renderer(settings: Settings) -> PdfRenderer:
    """The primary font and the fallbacks that draw what it lacks (文字要件); FontNotFound when one is unusable."""
    return PdfRenderer(
        find_font(settings.pdf_font),
        find_fallback_fonts(settings.pdf_fallback_fonts),
        ivs_base_fallback=settings.ivs_base_fallback,
    )


def issuing(settings: Settings, engine) -> dict:
    """What the municipality prints as the issuer, CERT-KIND's variant, and where undrawable characters are kept."""
    return {
        "insurer_address": settings.insurer_address,
        "seal_text": settings.seal_text,
        "certificate_prints_share": settings.certificate_prints_share,
        "undrawable": SqlUndrawableLog(engine),
    }


def build(settings: Settings, *, port: int | None = None) -> DocumentsRuntime:
    """A ready-to-start runtime: font found, database migrated, servicer registered, outbox relay when NATS_URL is set.

    `port` overrides DOCUMENTS_GRPC_PORT (0 = a free port, see `.port`). Raises FontNotFound without a usable font."""
    telemetry.setup_tracing("svc-documents")
    renderer = make_renderer(settings)
    engine = make_engine(settings)
    db.migrate(engine, MIGRATIONS)
    server = rpc.Server(port=settings.grpc_port if port is None else port, service_names=[SERVICE_NAME])
    outbox = metadata.tables["outbox"]
    runtime = DocumentsRuntime(
        name="svc-documents", nats_url=settings.nats_url, server=server, engine=engine, outbox=outbox
    )
    server.call_audit.reads.update(AUDITED_READS)
    runtime.channel = rpc.LazyChannel(settings.qualification_addr)
    client = QualificationClient(runtime.channel, deadline=settings.grpc_deadline_seconds)
    service = DocumentService(
        store=SqlDocumentStore(engine, FileBlobStore(settings.blob_dir)),
        qualification=client,
        renderer=renderer,
        insurer_number=settings.insurer_number,
        municipality_name=settings.municipality_name,
        fixed_business_date=settings.business_date,
        **issuing(settings, engine),
        after_commit=runtime.notify_outbox,
    )
    runtime.jobs, runtime.print_queue = batch_parts(settings, engine, service, runtime.channel)
    if runtime.bus is not None:
        runtime.jobs.dispatch = jobs_worker.publisher(runtime.bus_runtime, runtime.bus)
        runtime.sweep_stalled_jobs(
            runtime.jobs.reoffer_stalled,
            stream=jobs_worker.JOBS_STREAM,
            stall_seconds=settings.job_stall_seconds,
            what="svc-documents jobs",
        )
    documents_pb2_grpc.add_DocumentServiceServicer_to_server(
        DocumentServicer(service, runtime.jobs, runtime.print_queue), server.server
    )
    runtime.service = service
    return runtime


def check_print_settings(settings: Settings) -> PrintSettings:
    if settings.mailing not in renewal.MAILINGS:
        raise ValueError(f"DOCUMENTS_MAILING must be one of {', '.join(renewal.MAILINGS)}")
    if settings.mail_class not in renewal.MAIL_CLASSES:
        raise ValueError(f"DOCUMENTS_MAIL_CLASS must be one of {', '.join(renewal.MAIL_CLASSES)}")
    if settings.print_file_sheets < 1:
        raise ValueError("DOCUMENTS_PRINT_FILE_SHEETS must be at least 1")
    return PrintSettings(
        max_sheets=settings.print_file_sheets, mailing=settings.mailing, mail_class=settings.mail_class
    )


def batch_parts(settings: Settings, engine, service: DocumentService, channel) -> tuple[DocumentJobs, PrintQueue]:
    """The renewal jobs and the print queue over this service's database and blob directory."""
    store = SqlJobStore(engine, FileBlobStore(settings.blob_dir))
    jobs = DocumentJobs(
        service=service,
        insured=InsuredListClient(channel, deadline=settings.grpc_deadline_seconds),
        store=store,
        print_files=MergedPdfFiles(settings.print_dir),
        settings=check_print_settings(settings),
        chunk_size=settings.job_chunk_size,
    )
    return jobs, PrintQueue(store=store, qualification=service.qualification)


def build_worker(settings: Settings, *, name: str = "svc-documents-worker") -> jobs_worker.Worker:
    """`nhi-documents work`: renewal chunks and the print-queue consumer, on this process's own connections."""
    telemetry.setup_tracing("svc-documents-worker")
    renderer = make_renderer(settings)
    engine = make_engine(settings)
    db.migrate(engine, MIGRATIONS)
    channel = rpc.LazyChannel(settings.qualification_addr)
    service = DocumentService(
        store=SqlDocumentStore(engine, FileBlobStore(settings.blob_dir)),
        qualification=QualificationClient(channel, deadline=settings.grpc_deadline_seconds),
        renderer=renderer,
        insurer_number=settings.insurer_number,
        municipality_name=settings.municipality_name,
        fixed_business_date=settings.business_date,
        **issuing(settings, engine),
    )
    jobs, print_queue = batch_parts(settings, engine, service, channel)
    return jobs_worker.Worker(jobs=jobs, print_queue=print_queue, nats_url=settings.nats_url, name=name)
