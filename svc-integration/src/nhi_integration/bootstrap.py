"""The one place that wires svc-integration together."""

from __future__ import annotations

import pathlib

from nhi.integration.v1 import integration_pb2, integration_pb2_grpc
from nhi_common import db, offering, rpc, telemetry
from nhi_common.runtime import ServiceRuntime

from .adapters.clients import QualificationClient
from .adapters.feed_store import SqlFeedStore
from .adapters.outbound_store import CsvDailyFiles, SqlOutboundStore
from .adapters.qualification_reads import QualificationFeedClient
from .adapters.store import SqlStore
from .adapters.tables import PLUMBING
from .domain.outbound import FIELDS as OUTBOUND_FIELDS
from .entrypoints import feed_handlers, outbound_handlers
from .entrypoints.feed_grpc import FeedsApi, business_day
from .entrypoints.grpc_api import IntegrationServicer
from .entrypoints.handlers import ResidentBatchConsumer
from .service_layer.feed_imports import FeedImports
from .service_layer.income import IncomeIntake
from .service_layer.inconsistency import Inconsistencies
from .service_layer.jobs import Jobs
from .service_layer.outbound import OutboundFeeds
from .service_layer.pension import PensionIntake
from .service_layer.resident_checks import ResidentChecks
from .service_layer.services import IntegrationService
from .service_layer.welfare import WelfareIntake
from .settings import Settings

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
SERVICE_NAME = integration_pb2.DESCRIPTOR.services_by_name["IntegrationService"].full_name


class IntegrationRuntime(ServiceRuntime):
    """The service runtime plus the channel to svc-qualification, closed on stop."""

    channel: rpc.LazyChannel
    service: IntegrationService
    checks: ResidentChecks | None = None

    def start(self, *, settle_heap: bool = False) -> None:
        if self.checks is not None:
            self.checks.start()
        super().start(settle_heap=settle_heap)

    def stop(self) -> None:
        super().stop()
        if self.checks is not None:
            self.checks.stop()
        self.channel.close()


def make_engine(settings: Settings):
    return db.service_engine(settings.database_url, settings.database_schema)


def build(settings: Settings, *, port: int | None = None) -> IntegrationRuntime:
    """A ready-to-start runtime: migrated database, servicer, and the resident-change consumer."""
    telemetry.setup_tracing("svc-integration")
    engine = make_engine(settings)
    db.migrate(engine, MIGRATIONS)
    server = rpc.Server(port=settings.grpc_port if port is None else port, service_names=[SERVICE_NAME])
    runtime = IntegrationRuntime(
        name="svc-integration", nats_url=settings.nats_url, server=server, engine=engine, outbox=PLUMBING["outbox"]
    )
    runtime.channel = rpc.LazyChannel(settings.qualification_addr)
    client = QualificationClient(
        runtime.channel, deadline=settings.grpc_deadline_seconds, business_date=settings.business_date
    )
    service = IntegrationService(
        store=SqlStore(engine, settings.mynumber_keyring()),
        sink=client,
        gap_wait_seconds=settings.resident_gap_wait_seconds,
    )
    feeds = build_feeds(runtime, settings, engine, service.store)
    # A job runs in a thread of this process: one left queued or running by a process that is gone ends failed.
    runtime.sweepers.append(
        offering.StallSweeper(
            feeds.jobs.fail_abandoned, every=feeds.jobs.abandonment.every, what="svc-integration jobs"
        )
    )
    runtime.checks = ResidentChecks(inconsistencies=feeds.inconsistencies, today=lambda: feeds.day(""))
    service.on_applied = runtime.checks.add
    integration_pb2_grpc.add_IntegrationServiceServicer_to_server(IntegrationServicer(service, feeds), server.server)
    if settings.nats_url:
        runtime.consumers.append(ResidentBatchConsumer(runtime.bus, service, batch=settings.resident_batch))
    runtime.service = service
    return runtime


def build_feeds(runtime: IntegrationRuntime, settings: Settings, engine, imports_store) -> FeedsApi:
    """The pension, welfare and income intakes, the inconsistency list, the outbound feeds and the jobs, with their consumers."""
    client = QualificationFeedClient(
        runtime.channel,
        deadline=settings.grpc_deadline_seconds,
        business_date=settings.business_date,
        coverage_page=settings.check_page,
    )
    store = SqlFeedStore(engine)
    inconsistencies = Inconsistencies(store=store, qualification=client)
    income = IncomeIntake(store=store, qualification=client)
    pension = PensionIntake(store=store, inconsistencies=inconsistencies)
    welfare = WelfareIntake(store=store, inconsistencies=inconsistencies)
    day = business_day(settings.business_date)
    outbound = OutboundFeeds(
        store=SqlOutboundStore(engine),
        files=CsvDailyFiles(settings.outbound_dir, columns=OUTBOUND_FIELDS),
        today=day,
        committed=runtime.notify_outbox,
    )
    if settings.nats_url:
        runtime.consumers.append(
            outbound_handlers.OutboundConsumer(runtime.bus, outbound, batch=settings.outbound_batch)
        )
        runtime.consume(
            stream=feed_handlers.PENSION_STREAM,
            durable=feed_handlers.PENSION_DURABLE,
            subject=feed_handlers.PENSION_SUBJECT,
            handler=feed_handlers.pension_handler(pension, day),
        )
        runtime.consume(
            stream=feed_handlers.WELFARE_STREAM,
            durable=feed_handlers.WELFARE_DURABLE,
            subject=feed_handlers.WELFARE_SUBJECT,
            handler=feed_handlers.welfare_handler(welfare, day),
        )
        runtime.consume(
            stream=feed_handlers.TAX_STREAM,
            durable=feed_handlers.TAX_DURABLE,
            subject=feed_handlers.TAX_SUBJECT,
            handler=feed_handlers.income_handler(income),
        )
    return FeedsApi(
        imports=FeedImports(imports=imports_store, income=income, pension=pension, welfare=welfare),
        inconsistencies=inconsistencies,
        jobs=Jobs(
            store=store,
            inconsistencies=inconsistencies,
            outbound=outbound,
            abandonment=offering.abandonment_setting(settings.job_abandoned_seconds),
        ),
        day=day,
        outbound=outbound,
    )
