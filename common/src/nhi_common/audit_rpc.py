"""nhi.common.v1.AuditService: every service lists its own audit chain (the gateway merges them by time)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from nhi.common.v1 import common_pb2, common_pb2_grpc

from . import audit, paging, plumbing, rpc
from .db import read_connection


def _moment(field: str, text: str, dialect: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise rpc.invalid(field, "must be an ISO 8601 date-time", "date-time") from None
    if value.tzinfo is None:
        raise rpc.invalid(field, "must carry its offset (Z or +09:00)", "date-time")
    value = value.astimezone(dt.timezone.utc)
    return value if dialect == "postgresql" else value.replace(tzinfo=None)  # SQLite keeps UTC without offset


class AuditServicer(common_pb2_grpc.AuditServiceServicer):
    def __init__(self, engine: sa.Engine, service: str) -> None:
        self.engine = engine
        self.service = service
        self.table = plumbing.define_tables(sa.MetaData())["audit_log"]

    @rpc.translated
    def ListAuditEvents(self, request, context):
        page = paging.parse(request.page.page_size, request.page.cursor)
        table, dialect = self.table, self.engine.dialect.name
        query = sa.select(table)
        for name in ("operator_id", "action", "target_kind", "target_id", "purpose"):
            if getattr(request, name):
                query = query.where(table.c[name] == getattr(request, name))
        since = _moment("occurred_from", request.occurred_from, dialect)
        until = _moment("occurred_to", request.occurred_to, dialect)
        if since is not None:
            query = query.where(table.c.occurred_at >= since)
        if until is not None:
            query = query.where(table.c.occurred_at < until)
        with read_connection(self.engine) as conn:
            rows, cursor = paging.keyset(conn, query, table.c.seq, page)
        return common_pb2.ListAuditEventsResponse(
            events=[self._event(r) for r in rows], page=common_pb2.PageInfo(next_cursor=cursor)
        )

    def _event(self, row) -> common_pb2.AuditEvent:
        return common_pb2.AuditEvent(
            event_id=row.event_id,
            occurred_at=audit.utc_text(row.occurred_at),
            operator_id=row.operator_id,
            action=row.action,
            target_kind=row.target_kind,
            target_id=row.target_id,
            detail=row.detail or "",
            purpose=row.purpose or "",
            service=self.service,
            seq=row.seq,
            row_hash=row.row_hash,
            prev_hash=row.prev_hash,
        )


def register(server: rpc.Server, engine: sa.Engine, service: str) -> None:
    """The service's AuditService, and the rows of its audited reads written to its chain."""
    servicer = AuditServicer(engine, service)
    common_pb2_grpc.add_AuditServiceServicer_to_server(servicer, server.server)
    server.service_names.append(common_pb2.DESCRIPTOR.services_by_name["AuditService"].full_name)

    def record(**values) -> None:
        audit.append_alone(engine, servicer.table, **values)

    server.call_audit.record = record
