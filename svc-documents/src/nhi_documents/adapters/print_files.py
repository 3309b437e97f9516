"""Merged print files of a job and their manifest, written atomically under the print directory."""

from __future__ import annotations

import hashlib
import io
import json
import pathlib
import re
from collections.abc import Iterable
from typing import Any

from pypdf import PdfReader, PdfWriter

from .blobs import write_atomically


class MergedPdfFiles:
    """`<root>/<job id>/print-0001.pdf`, ... and `manifest.json`."""

    def __init__(self, root: str | pathlib.Path) -> None:
        self.root = pathlib.Path(root)

    def write(self, job_id: str, files: Iterable[list[bytes]], manifest: dict[str, Any]) -> list[dict[str, Any]]:
        return [self.write_one(job_id, number, documents) for number, documents in enumerate(files, start=1)]

    def write_one(self, job_id: str, number: int, documents: list[bytes]) -> dict[str, Any]:
        merged = merge_plain(documents)
        if merged is not None:
            data, sheets = merged
        else:  # a document not of the plain shape this service draws: pypdf parses and merges it
            writer = PdfWriter()
            for content in documents:
                writer.append(PdfReader(io.BytesIO(content)))
            sheets = len(writer.pages)
            buffer = io.BytesIO()
            writer.write(buffer)
            data = buffer.getvalue()
        name = f"print-{number:04d}.pdf"
        write_atomically(self.root / job_id / name, data)
        return {
            "name": name,
            "sheets": sheets,
            "documents": len(documents),
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }

    def sheets(self, content: bytes) -> int:
        """The document's pages: its page tree's /Count, read through its cross-reference table (the merge parses
        the document once more anyway); pypdf for a document of another shape."""
        count = _page_count(content)
        return count if count is not None else len(PdfReader(io.BytesIO(content)).pages)

    def write_manifest(self, job_id: str, manifest: dict[str, Any]) -> None:
        text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)
        write_atomically(self.root / job_id / "manifest.json", text.encode())


_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_REF = re.compile(rb"(\d+) 0 R\b")
_HEADER = re.compile(rb"(\d+) 0 obj\b")


def _page_count(content: bytes) -> int | None:
    """/Count of the page tree of a PDF with one classic cross-reference section and no incremental update, reading
    only the trailer, the catalog and the page tree; None otherwise."""
    try:
        end = content.rindex(b"startxref")
        at = int(content[end + 9 :].split()[0])
        head = content[at : at + 40].split(b"\n", 2)
        if head[0] != b"xref":
            return None
        first, count = (int(v) for v in head[1].split())
        entries = at + len(head[0]) + len(head[1]) + 2
        trailer = content[content.index(b"trailer", entries + 20 * count - 1) : end]
        if b"/Prev" in trailer or b"/Encrypt" in trailer or b"/XRefStm" in trailer:
            return None

        def body(number: int) -> bytes:
            entry = _XREF_ENTRY.match(content, entries + 20 * (number - first))
            if entry is None or entry.group(3) != b"n" or not first <= number < first + count:
                raise ValueError(number)
            start = int(entry.group(1))
            if _HEADER.match(content, start) is None or int(_HEADER.match(content, start).group(1)) != number:
                raise ValueError(number)
            return content[start : content.index(b"endobj", start)]

        root = int(re.search(rb"/Root (\d+) 0 R", trailer).group(1))
        pages = int(re.search(rb"/Pages (\d+) 0 R", body(root)).group(1))
        tree = body(pages)
        if b"/Parent" in tree:
            return None
        return int(re.search(rb"/Count (\d+)", tree).group(1))
    except (ValueError, AttributeError, IndexError):
        return None


def _plain(content: bytes) -> tuple[dict[int, bytes], int, list[int]] | None:
    """A PDF as reportlab writes it (one classic xref table, no object streams, no encryption, no incremental
    update): its objects by number, the number of its page tree and its pages' numbers in order; None otherwise."""
    try:
        if b"/ObjStm" in content or b"/Encrypt" in content or content.count(b"startxref") != 1:
            return None
        at = int(content[content.rindex(b"startxref") + 9 :].split()[0])
        if not content.startswith(b"xref", at):
            return None
        lines = content[at:].split(b"\n", 3)
        first, count = (int(v) for v in lines[1].split())
        offsets = {}
        for index, entry in enumerate(_XREF_ENTRY.finditer(content, at, at + 40 + count * 20)):
            if index >= count:
                break
            if entry.group(3) == b"n":
                offsets[first + index] = int(entry.group(1))
        ordered = sorted(offsets.items(), key=lambda item: item[1])
        objects = {}
        for (number, start), (_next, end) in zip(ordered, [*ordered[1:], (None, at)], strict=True):
            text = content[start:end]
            header = _HEADER.match(text)
            if header is None or int(header.group(1)) != number or b"endobj" not in text:
                return None
            objects[number] = text[: text.rindex(b"endobj") + 6] + b"\n"
        trailer = content[at : content.rindex(b"startxref")]
        root = int(re.search(rb"/Root (\d+) 0 R", trailer).group(1))
        pages = int(re.search(rb"/Pages (\d+) 0 R", objects[root]).group(1))
        kids = re.search(rb"/Kids \[([^\]]*)\]", objects[pages]).group(1)
        page_numbers = [int(n) for n in _REF.findall(kids)]
        if any(b"/Type /Page" not in objects[n] for n in page_numbers) or b"/Kids" in b"".join(
            objects[n] for n in page_numbers
        ):
            return None  # a nested page tree: not this simple shape
        info = re.search(rb"/Info (\d+) 0 R", trailer)
        skip = {root, pages, int(info.group(1)) if info else -1}
        return {n: text for n, text in objects.items() if n not in skip}, pages, page_numbers
    except (ValueError, KeyError, AttributeError, IndexError):
        return None


def merge_plain(documents: list[bytes]) -> tuple[bytes, int] | None:
    """The documents' pages, in order, in one PDF, by copying their objects renumbered (no parsing of their
    content), a stream the documents share written once: what pypdf's merge gives, in a fraction of the time and
    the size. None when a document is not of the plain shape."""
    parsed = [_plain(content) for content in documents]
    if any(p is None for p in parsed):
        return None
    out = [b"%PDF-1.4\n%\x93\x8c\x8b\x9e\n"]
    size = len(out[0])
    offsets: list[int] = []
    kids: list[int] = []
    bodies: list[tuple[int, bytes]] = []
    next_number = 3  # 1: the catalog, 2: the page tree
    # A stream without references (a font program, a ToUnicode map) met before in the same bytes is written once and
    # shared: the font subset of a template's wording is the same in each of its certificates (fonts.EmbeddedFont).
    streams: dict[bytes, int] = {}
    for objects, pages, page_numbers in parsed:
        mapping = {pages: 2}
        shared: set[int] = set()
        for number in sorted(objects):
            text = objects[number]
            cut = text.find(b"stream")
            if cut > 0 and _REF.search(text, 0, cut) is None:
                key = text[text.index(b"obj") :]
                if key in streams:
                    mapping[number] = streams[key]
                    shared.add(number)
                    continue
                streams[key] = next_number
            mapping[number] = next_number
            next_number += 1

        def renumber(match: re.Match, mapping=mapping) -> bytes:
            return b"%d 0 R" % mapping[int(match.group(1))]

        for number in sorted(objects):
            if number in shared:
                continue
            text = objects[number]
            cut = text.find(b"stream")
            head, tail = (text, b"") if cut < 0 else (text[:cut], text[cut:])
            head = _HEADER.sub(b"%d 0 obj" % mapping[number], head, count=1)
            bodies.append((mapping[number], _REF.sub(renumber, head) + tail))
        kids += [mapping[n] for n in page_numbers]
    catalog = b"1 0 obj\n<<\n/Pages 2 0 R /Type /Catalog\n>>\nendobj\n"
    tree = b"2 0 obj\n<<\n/Count %d /Kids [ %s ] /Type /Pages\n>>\nendobj\n" % (
        len(kids),
        b" ".join(b"%d 0 R" % k for k in kids),
    )
    for text in (catalog, tree, *(body for _n, body in sorted(bodies))):
        offsets.append(size)
        out.append(text)
        size += len(text)
    xref = [b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)]
    xref += [b"%010d 00000 n \n" % offset for offset in offsets]
    out += xref
    out.append(b"trailer\n<<\n/Root 1 0 R /Size %d\n>>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, size))
    return b"".join(out), len(kids)
