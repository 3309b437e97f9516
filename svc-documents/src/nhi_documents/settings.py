"""Settings of svc-documents, read once from the environment."""

from __future__ import annotations

import dataclasses
import datetime as dt

from nhi_common.config import setting


@dataclasses.dataclass(frozen=True)
class Settings:
    database_url: str = setting(
        "DOCUMENTS_DATABASE_URL", "sqlite:///var/documents.db", "SQLAlchemy URL of this service's database"
    )
    database_schema: str | None = setting("DOCUMENTS_DATABASE_SCHEMA", None, "PostgreSQL schema of this service")
    grpc_port: int = setting("DOCUMENTS_GRPC_PORT", "50052", "gRPC port")
    qualification_addr: str = setting("QUALIFICATION_ADDR", "127.0.0.1:50051", "address of svc-qualification")
    grpc_deadline_seconds: float = setting("GRPC_DEADLINE_SECONDS", "5", "deadline of every outgoing gRPC call")
    nats_url: str | None = setting("NATS_URL", "nats://127.0.0.1:4222", "NATS server with JetStream")
    pdf_font: str | None = setting(
        "NHI_PDF_FONT", None, "TrueType font embedded in PDFs; empty = IPAex Gothic from the venv or Debian"
    )
    insurer_number: str = setting(
        "NHI_INSURER_NUMBER", "139998", "保険者番号 printed on certificates (synthetic default)"
    )
    municipality_name: str = setting(
        "NHI_MUNICIPALITY_NAME", "みどり市", "保険者名 printed on certificates (synthetic default)"
    )
    business_date: dt.date | None = setting(
        "NHI_BUSINESS_DATE", None, "fixed business date (業務日付); empty = today in Japan"
    )
    log_level: str = setting("LOG_LEVEL", "INFO", "log level")
