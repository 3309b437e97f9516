"""Merged print files of a job and their manifest, written atomically under the print directory."""

from __future__ import annotations

import hashlib
import io
import json
import pathlib
from typing import Any

from pypdf import PdfReader, PdfWriter

from .blobs import write_atomically


class MergedPdfFiles:
    """`<root>/<job id>/print-0001.pdf`, ... and `manifest.json`."""

    def __init__(self, root: str | pathlib.Path) -> None:
        self.root = pathlib.Path(root)

    def write(self, job_id: str, files: list[list[bytes]], manifest: dict[str, Any]) -> list[dict[str, Any]]:
        written = []
        for number, documents in enumerate(files, start=1):
            writer = PdfWriter()
            for content in documents:
                writer.append(PdfReader(io.BytesIO(content)))
            sheets = len(writer.pages)
            buffer = io.BytesIO()
            writer.write(buffer)
            data = buffer.getvalue()
            name = f"print-{number:04d}.pdf"
            write_atomically(self.root / job_id / name, data)
            written.append(
                {
                    "name": name,
                    "sheets": sheets,
                    "documents": len(documents),
                    "bytes": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
        return written

    def sheets(self, content: bytes) -> int:
        return len(PdfReader(io.BytesIO(content)).pages)

    def write_manifest(self, job_id: str, manifest: dict[str, Any]) -> None:
        text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)
        write_atomically(self.root / job_id / "manifest.json", text.encode())
