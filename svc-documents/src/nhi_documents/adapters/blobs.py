"""Document bytes as files: written atomically (temp file, fsync, rename) before the row that names them; a renewal
chunk's documents in one file, each row naming its byte range.

A blob whose row never committed (a crash, a rollback) is an orphan: harmless, and `sweep` removes it."""

from __future__ import annotations

import os
import pathlib
import time
from collections.abc import Callable, Iterable

SUFFIXES = {"application/pdf": ".pdf", "text/csv": ".csv", "application/json": ".json"}


def write_atomically(path: pathlib.Path, content: bytes) -> None:
    """Whole or absent: a reader never sees half a file, and after a crash the file is either there or not."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temp, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class FileBlobStore:
    """Blobs under `root`, named by document id and fanned out by its first characters."""

    def __init__(self, root: str | pathlib.Path) -> None:
        self.root = pathlib.Path(root)

    def relative_path(self, document_id: str, media_type: str) -> str:
        return f"{document_id[:2]}/{document_id[2:4]}/{document_id}{SUFFIXES.get(media_type, '.bin')}"

    def put(self, document_id: str, media_type: str, content: bytes) -> str:
        relative = self.relative_path(document_id, media_type)
        write_atomically(self.root / relative, content)
        return relative

    def get(self, relative: str, offset: int | None = None, size: int | None = None) -> bytes:
        """The blob's bytes; with `offset` (and `size`) the byte range of one document in a chunk's blob."""
        if offset is None:
            return (self.root / relative).read_bytes()
        with open(self.root / relative, "rb") as handle:
            handle.seek(offset)
            return handle.read(size)

    def put_many(self, blob_id: str, contents: list[bytes]) -> tuple[str, list[int]]:
        """Several documents in one file (one write and fsync for a renewal chunk instead of one per document):
        its relative path and each document's offset in it."""
        relative = f"{blob_id[:2]}/{blob_id[2:4]}/{blob_id}.chunk"
        offsets, at = [], 0
        for content in contents:
            offsets.append(at)
            at += len(content)
        write_atomically(self.root / relative, b"".join(contents))
        return relative, offsets

    def sweep(self, known: Callable[[Iterable[str]], set[str]], *, older_than: float = 3600) -> int:
        """Remove the blobs no row names (`known` answers which of some paths rows name) and the temp files left by
        a crash, once older than `older_than` seconds (younger ones may belong to a transaction still open)."""
        cutoff = time.time() - older_than
        removed = 0
        candidates = [p for p in self.root.rglob("*") if p.is_file() and p.stat().st_mtime < cutoff]
        temps = [p for p in candidates if p.name.startswith(".")]
        blobs = {p.relative_to(self.root).as_posix(): p for p in candidates if not p.name.startswith(".")}
        named = known(list(blobs)) if blobs else set()
        for path in temps + [p for rel, p in blobs.items() if rel not in named]:
            path.unlink(missing_ok=True)
            removed += 1
        return removed
