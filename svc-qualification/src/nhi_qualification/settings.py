"""Settings of svc-qualification, read once from the environment."""

from __future__ import annotations

import dataclasses
import datetime as dt

from nhi_common.config import setting
from nhi_common.mynumber_keys import MyNumberKeys


@dataclasses.dataclass(frozen=True)
class Settings:
    database_url: str = setting(
        "QUALIFICATION_DATABASE_URL", "sqlite:///var/qualification.db", "SQLAlchemy URL of this service's database"
    )
    database_schema: str | None = setting("QUALIFICATION_DATABASE_SCHEMA", None, "PostgreSQL schema of this service")
    grpc_port: int = setting("QUALIFICATION_GRPC_PORT", "50051", "gRPC port")
    nats_url: str | None = setting("NATS_URL", "nats://127.0.0.1:4222", "NATS server with JetStream")
    mynumber_key: str = setting(
        "NHI_MYNUMBER_KEY",
        "",
        "base64 of 32 bytes: AES-GCM key and keyed hash of My Numbers (key version 1); or NHI_MYNUMBER_KEYS",
        secret=True,
    )
    mynumber_keys: str = setting(
        "NHI_MYNUMBER_KEYS",
        "",
        "My Number key versions, version:base64key,... (rotation: add one, then rotate-mynumber-key)",
        secret=True,
    )
    mynumber_key_version: str = setting(
        "NHI_MYNUMBER_KEY_VERSION", "", "the My Number key version new encryptions use; empty = the highest"
    )
    insurer_number: str = setting("NHI_INSURER_NUMBER", "139998", "保険者番号 (6 digits with check digit)")
    insured_symbol: str = setting("NHI_INSURED_SYMBOL", "みどり", "記号 given to new NHI households")
    business_date: dt.date | None = setting(
        "NHI_BUSINESS_DATE", None, "fixed business date (業務日付); empty = today in Japan"
    )
    log_level: str = setting("LOG_LEVEL", "INFO", "log level")
    job_stall_seconds: float = setting(
        "NHI_JOB_STALL_SECONDS",
        "300",
        "seconds a job may show no progress, with nothing of it on the work queue, before its work not done is offered again",
    )

    def mynumber_keyring(self) -> MyNumberKeys:
        """The My Number key versions; ValueError names the setting that is wrong."""
        return MyNumberKeys.from_settings(self.mynumber_keys, self.mynumber_key_version, self.mynumber_key)
