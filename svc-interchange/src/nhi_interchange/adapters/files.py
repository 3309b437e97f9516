"""The file drop of the aggregation link: atomic delivery into the outbox, the returned files in the inbox."""

from __future__ import annotations

import hashlib
import logging
import os
import pathlib
from collections.abc import Iterable, Iterator

from ..domain.inbound import MAX_BYTES, InboundFile

log = logging.getLogger(__name__)
TEMP_PREFIX = ".tmp-"  # the peer ignores names that start with this; a crash leaves only such a name behind
RETURN_PREFIX = "RET_"


class DirectoryDrop:
    """`<root>/outbox` for what we send, `<root>/inbox` for what the aggregation system returns."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = pathlib.Path(root)
        self.outbox = self.root / "outbox"
        self.inbox = self.root / "inbox"

    def deliver(self, name: str, chunks: Iterable[bytes]) -> tuple[int, str]:
        """Write under a temporary name, fsync, rename over `name`, fsync the directory; size and SHA-256."""
        self.outbox.mkdir(parents=True, exist_ok=True)
        temp = self.outbox / f"{TEMP_PREFIX}{name}.{os.getpid()}"
        digest, size = hashlib.sha256(), 0
        try:
            with open(temp, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.outbox / name)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _fsync_dir(self.outbox)
        return size, digest.hexdigest()

    def returned(self) -> Iterator[InboundFile]:
        return self.incoming((RETURN_PREFIX,))

    def incoming(self, prefixes: tuple[str, ...]) -> Iterator[InboundFile]:
        """The `.dat` files of the inbox whose name starts with one of `prefixes`, by name, each read when reached:
        one file in memory at a time, and none larger than MAX_BYTES (its digest streamed, its content None)."""
        if not self.inbox.is_dir():
            return
        for path in sorted(self.inbox.iterdir()):
            if not (path.name.startswith(prefixes) and path.suffix == ".dat" and path.is_file()):
                continue
            try:
                found = _read(path)
            except OSError as exc:  # gone meanwhile, or not ours to read: the next poll tries again
                log.warning("an inbox file cannot be opened", extra={"error": exc.__class__.__name__})
                continue
            yield found


def _read(path: pathlib.Path) -> InboundFile:
    digest, size, chunks = hashlib.sha256(), 0, []
    with open(path, "rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
            if size <= MAX_BYTES:
                chunks.append(chunk)
            else:
                chunks.clear()
    return InboundFile(path.name, digest.hexdigest(), size, b"".join(chunks) if size <= MAX_BYTES else None)


def _fsync_dir(path: pathlib.Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
