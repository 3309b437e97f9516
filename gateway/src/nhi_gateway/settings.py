"""Settings of the gateway, read once from the environment."""

from __future__ import annotations

import dataclasses

from nhi_common.config import Var, setting


@dataclasses.dataclass(frozen=True)
class Settings:
    jwt_secret: str = setting("NHI_JWT_SECRET", None, "HS256 secret of the bearer tokens", secret=True)
    host: str = setting("GATEWAY_HOST", "127.0.0.1", "address the HTTP server listens on")
    port: int = setting("GATEWAY_PORT", "8080", "HTTP port")
    jwt_issuer: str = setting("NHI_JWT_ISSUER", "nhi-local", "expected `iss` of bearer tokens")
    jwt_audience: str = setting("NHI_JWT_AUDIENCE", "nhi-api", "expected `aud` of bearer tokens")
    qualification_addr: str = setting("QUALIFICATION_ADDR", "127.0.0.1:50051", "address of svc-qualification")
    documents_addr: str = setting("DOCUMENTS_ADDR", "127.0.0.1:50052", "address of svc-documents")
    integration_addr: str = setting("INTEGRATION_ADDR", "127.0.0.1:50053", "address of svc-integration")
    interchange_addr: str = setting("INTERCHANGE_ADDR", "127.0.0.1:50054", "address of svc-interchange")
    grpc_deadline_seconds: float = setting("GRPC_DEADLINE_SECONDS", "5", "deadline of every outgoing gRPC call")
    log_level: str = setting("LOG_LEVEL", "INFO", "log level")
    # Last and with a default of its own, so that code building Settings directly need not name it.
    workers: int = dataclasses.field(
        default=1,
        metadata={
            "var": Var(
                "GATEWAY_WORKERS",
                "1",
                "uvicorn worker processes; 2 or more spreads requests over as many processes (cores)",
            )
        },
    )
