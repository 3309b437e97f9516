"""Settings of svc-qualification, read once from the environment."""

from __future__ import annotations

import dataclasses
import datetime as dt

from nhi_common.config import setting


@dataclasses.dataclass(frozen=True)
class Settings:
    database_url: str = setting(
        "QUALIFICATION_DATABASE_URL", "sqlite:///var/qualification.db", "SQLAlchemy URL of this service's database"
    )
    database_schema: str | None = setting("QUALIFICATION_DATABASE_SCHEMA", None, "PostgreSQL schema of this service")
    grpc_port: int = setting("QUALIFICATION_GRPC_PORT", "50051", "gRPC port")
    nats_url: str | None = setting("NATS_URL", "nats://127.0.0.1:4222", "NATS server with JetStream")
    mynumber_key: str = setting(
        "NHI_MYNUMBER_KEY", None, "base64 of 32 bytes: AES-GCM key and keyed hash of My Numbers", secret=True
    )
    insurer_number: str = setting("NHI_INSURER_NUMBER", "139998", "保険者番号 (6 digits with check digit)")
    insured_symbol: str = setting("NHI_INSURED_SYMBOL", "みどり", "記号 given to new NHI households")
    business_date: dt.date | None = setting(
        "NHI_BUSINESS_DATE", None, "fixed business date (業務日付); empty = today in Japan"
    )
    log_level: str = setting("LOG_LEVEL", "INFO", "log level")
