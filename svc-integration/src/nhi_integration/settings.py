"""Settings of svc-integration, read once from the environment."""

from __future__ import annotations

import dataclasses
import datetime as dt

from nhi_common import offering
from nhi_common.config import ConfigError, setting
from nhi_common.mynumber_keys import MyNumberKeys

# A fetch from JetStream is at most this many messages (a pull request asks for them at once; svc-qualification's
# call grows by its per-change deadline with each).
MAX_BATCH = 1000
MAX_CHECK_PAGE = 100_000  # persons per ExportCoverageFacts page: what svc-qualification answers at most


@dataclasses.dataclass(frozen=True)
class Settings:
    database_url: str = setting(
        "INTEGRATION_DATABASE_URL", "sqlite:///var/integration.db", "SQLAlchemy URL of this service's database"
    )
    database_schema: str | None = setting("INTEGRATION_DATABASE_SCHEMA", None, "PostgreSQL schema of this service")
    grpc_port: int = setting("INTEGRATION_GRPC_PORT", "50053", "gRPC port")
    qualification_addr: str = setting("QUALIFICATION_ADDR", "127.0.0.1:50051", "address of svc-qualification")
    grpc_deadline_seconds: float = setting("GRPC_DEADLINE_SECONDS", "5", "deadline of every outgoing gRPC call")
    nats_url: str | None = setting("NATS_URL", "nats://127.0.0.1:4222", "NATS server with JetStream")
    business_date: dt.date | None = setting(
        "NHI_BUSINESS_DATE", None, "fixed business date (業務日付); empty = today in Japan"
    )
    log_level: str = setting("LOG_LEVEL", "INFO", "log level")
    mynumber_key: str = setting(
        "NHI_MYNUMBER_KEY", "", "My Number key version 1 (as svc-qualification's): encrypts dead letters", secret=True
    )
    mynumber_keys: str = setting("NHI_MYNUMBER_KEYS", "", "My Number key versions, version:base64key,...", secret=True)
    mynumber_key_version: str = setting("NHI_MYNUMBER_KEY_VERSION", "", "the current My Number key version")
    resident_gap_wait_seconds: float = setting(
        "RESIDENT_GAP_WAIT_SECONDS",
        "60",
        "how long a resident change behind a gap in a person's sequence waits for the missing one",
    )
    resident_batch: int = setting(
        "INTEGRATION_RESIDENT_BATCH",
        "1000",
        "resident changes taken from NATS and applied together, in one transaction and one call to svc-qualification",
    )
    outbound_batch: int = setting(
        "INTEGRATION_OUTBOUND_BATCH", "200", "qualification events turned into feed records in one transaction"
    )
    job_abandoned_seconds: float = setting(
        "NHI_JOB_ABANDONED_SECONDS",
        "120",
        "seconds a job run in a thread of this service may go without a heartbeat (it beats four times in that span) "
        "before it is taken as abandoned, its process gone, and ended failed",
    )
    check_page: int = setting(
        "INTEGRATION_CHECK_PAGE",
        "20000",
        "persons per page of the whole-population inconsistency check (one ExportCoverageFacts call and one progress "
        "update each): fewer hold less memory, more make fewer calls",
    )
    outbound_dir: str = setting(
        "INTEGRATION_OUTBOUND_DIR",
        "var/integration/outbound",
        "directory of the outbound feeds' daily files (one folder per feed)",
    )

    def __post_init__(self) -> None:
        """What the types alone do not refuse (a ConfigError here stops the process as a bad variable does)."""
        for name, value in (
            ("INTEGRATION_RESIDENT_BATCH", self.resident_batch),
            ("INTEGRATION_OUTBOUND_BATCH", self.outbound_batch),
        ):
            if not 1 <= value <= MAX_BATCH:
                raise ConfigError(f"{name}={value} is not between 1 and {MAX_BATCH}")
        if not 1 <= self.check_page <= MAX_CHECK_PAGE:
            raise ConfigError(f"INTEGRATION_CHECK_PAGE={self.check_page} is not between 1 and {MAX_CHECK_PAGE}")
        offering.abandonment_setting(self.job_abandoned_seconds)

    def mynumber_keyring(self) -> MyNumberKeys | None:
        """The My Number keys a dead letter's My Numbers are encrypted with; None (they are masked) without any."""
        if not (self.mynumber_key or self.mynumber_keys):
            return None
        return MyNumberKeys.from_settings(self.mynumber_keys, self.mynumber_key_version, self.mynumber_key)
