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
    pdf_fallback_fonts: str | None = setting(
        "NHI_PDF_FALLBACK_FONTS",
        None,
        "comma-separated TrueType fonts for characters the primary font lacks; empty = IPAex Mincho and IPAmj明朝 "
        "where installed",
    )
    insurer_address: str = setting(
        "NHI_INSURER_ADDRESS",
        "みどり県みどり市若葉町1丁目1番1号",
        "所在地 of the insurer printed on documents (synthetic)",
    )
    seal_text: str = setting(
        "NHI_SEAL_TEXT", "みどり市長之印", "text of the seal (公印) printed on documents (synthetic)"
    )
    certificate_prints_share: bool = setting(
        "NHI_CERTIFICATE_PRINTS_SHARE",
        "false",
        "CERT-KIND's variant: print the 70-74 share and 発効期日 on the 資格確認書 (default: on the 高齢受給者証)",
    )
    ivs_base_fallback: bool = setting(
        "NHI_PDF_IVS_BASE_FALLBACK",
        "false",
        "an ideographic variation sequence (IVS) whose variant glyph no configured font has: print its base "
        "character and list it for the clerk (true), or refuse the document (false)",
    )
    business_date: dt.date | None = setting(
        "NHI_BUSINESS_DATE", None, "fixed business date (業務日付); empty = today in Japan"
    )
    blob_dir: str = setting(
        "DOCUMENTS_BLOB_DIR", "var/documents/blobs", "directory of the issued documents' files (written atomically)"
    )
    print_dir: str = setting(
        "DOCUMENTS_PRINT_DIR", "var/documents/print", "directory of the renewal's merged print files and manifests"
    )
    print_file_sheets: int = setting("DOCUMENTS_PRINT_FILE_SHEETS", "1000", "at most this many sheets per print file")
    mailing: str = setting("DOCUMENTS_MAILING", "household", "renewal envelopes: household | person")
    mail_class: str = setting(
        "DOCUMENTS_MAIL_CLASS", "registered_simple", "renewal mail class: registered_simple (簡易書留) | ordinary"
    )
    job_chunk_size: int = setting("DOCUMENTS_JOB_CHUNK_SIZE", "200", "persons per chunk of a documents job")
    job_stall_seconds: float = setting(
        "NHI_JOB_STALL_SECONDS",
        "300",
        "seconds a job may show no progress, with nothing of it on the work queue, before its work not done is offered again",
    )
    log_level: str = setting("LOG_LEVEL", "INFO", "log level")
