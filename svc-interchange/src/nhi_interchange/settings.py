"""Settings of svc-interchange, read once from the environment."""

from __future__ import annotations

import dataclasses
import datetime as dt

from nhi_common import offering
from nhi_common.config import setting


@dataclasses.dataclass(frozen=True)
class Settings:
    database_url: str = setting(
        "INTERCHANGE_DATABASE_URL", "sqlite:///var/interchange.db", "SQLAlchemy URL of this service's database"
    )
    database_schema: str | None = setting("INTERCHANGE_DATABASE_SCHEMA", None, "PostgreSQL schema of this service")
    grpc_port: int = setting("INTERCHANGE_GRPC_PORT", "50054", "gRPC port")
    nats_url: str | None = setting("NATS_URL", "nats://127.0.0.1:4222", "NATS server with JetStream")
    file_dir: str = setting("INTERCHANGE_FILE_DIR", "var/interchange", "where exchange files are written")
    address_table: str | None = setting(
        "INTERCHANGE_ADDRESS_TABLE",
        None,
        "CSV of the 住所/行政区変換 table for the 世帯 file (docs/interchange/address-table.md); empty = no conversion",
    )
    qualification_addr: str = setting(
        "QUALIFICATION_ADDR", "127.0.0.1:50051", "address of svc-qualification (My Numbers for the 個人 file)"
    )
    insurer_number: str = setting("NHI_INSURER_NUMBER", "139998", "保険者番号 (6 digits with check digit)")
    business_date: dt.date | None = setting("NHI_BUSINESS_DATE", None, "fixed business date (業務日付)")
    job_abandoned_seconds: float = setting(
        "NHI_JOB_ABANDONED_SECONDS",
        "120",
        "seconds a job run in a thread of this service may go without a heartbeat (it beats four times in that span) "
        "before it is taken as abandoned, its process gone, and ended failed",
    )
    log_level: str = setting("LOG_LEVEL", "INFO", "log level")

    def __post_init__(self) -> None:
        offering.abandonment_setting(self.job_abandoned_seconds)  # a ConfigError stops the start
