"""One document's PDF file written from a reportlab canvas whose pages are drawn, without reportlab's generic
serialiser (PDFDocument.format: an object tree formatted value by value for every document).

The objects are few and of fixed shapes: the catalog, the page tree, the Info dictionary (the real creation date), the
font resources, each page and its compressed content, and for every font subset drawn its Font dictionary,
FontDescriptor, embedded font program (FontFile2) and ToUnicode map. The subsets of a template's wording
(fonts.EmbeddedFont.prepare) come first, numbered the same in every document of the template: those objects are
written once per process and copied as bytes. The rest is written per document, with its cross-reference table.

A canvas this writer does not know how to write (images, forms, annotations, colours, a font that is not an
EmbeddedFont, encryption, outlines) is saved by reportlab as before."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import zlib

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfdoc, ttfonts
from reportlab.pdfgen import canvas as rl_canvas

from .fonts import EmbeddedFont

HEADER = b"%PDF-1.4\n%\x93\x8c\x8b\x9e\n"
PRODUCER = "nhi-documents (ReportLab)"
_CATALOG, _PAGES, _INFO, _FONTS = 1, 2, 3, 4  # the fixed objects; a template's shared subsets follow from 5
_lock = threading.Lock()
# (font name, its shared subsets, first object number) -> (objects' bytes, [(internal name, Font object number)])
_shared_blocks: dict[tuple, tuple[list[bytes], list[tuple[str, int]]]] = {}
# (font name, subset) -> (widths, ToUnicode stream body, font program stream body, descriptor head/tail) of a person's
# subset: the same characters (a reissue, the same name drawn again) are not subset and compressed again
_subsets: dict[tuple, tuple[bytes, bytes, bytes]] = {}


class _Unsupported(Exception):
    """The canvas uses something this writer does not write: reportlab saves it."""


def text_string(value: str) -> bytes:
    """A PDF text string: literal when printable ASCII, else UTF-16BE with its byte order mark, in hex."""
    if value.isascii() and value.isprintable():
        return b"(" + value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode() + b")"
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"


def date_string(moment: dt.datetime) -> bytes:
    """D:YYYYMMDDHHmmSS+HH'mm' of an aware moment, in its own offset."""
    offset = moment.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return b"(D:%s%s%02d'%02d')" % (
        moment.strftime("%Y%m%d%H%M%S").encode(),
        sign.encode(),
        minutes // 60,
        minutes % 60,
    )


def _stream(number: int, dictionary: bytes, data: bytes) -> bytes:
    return b"%d 0 obj\n<<\n%s /Length %d\n>>\nstream\n%s\nendstream\nendobj\n" % (number, dictionary, len(data), data)


def _widths(values: list[float]) -> bytes:
    lines = [fp_str(*values[i : i + 16]) for i in range(0, len(values), 16)]
    return ("[ " + " \n  ".join(lines) + " ]").encode()


def _subset_parts(font: EmbeddedFont, n: int, subset: list[int], *, shared: bool = False):
    """Subset `n` of `font`: its base font name, widths array, compressed ToUnicode map, font program stream
    (dictionary entries, compressed data) and FontDescriptor around the program's reference. A person's subset is
    made from the glyphs' parts kept compressed (font_subsets); a template's (`shared`, made once) is compressed
    whole, the smaller, as it is copied into every document."""
    face = font.face
    base_font_name = b"".join((ttfonts.SUBSETN(n), b"+", face.name, face.subfontNameX))
    key = (font.fontName, base_font_name, tuple(subset), shared)
    found = _subsets.get(key)
    if found is None:
        name = base_font_name.decode("pdfdoc")
        widths = _widths(list(map(face.getCharWidth, subset)))
        cmap = zlib.compress(ttfonts.makeToUnicodeCMap(name, subset).encode("latin-1"))
        if shared:
            raw = face.makeSubset(subset)
            length, data = len(raw), zlib.compress(raw)
        else:
            length, data = font.subset_maker().make(subset)
        program = b"/Filter [ /FlateDecode ] /Length1 %d" % length, data
        head, tail = font.descriptor_parts(name)
        found = (base_font_name, widths, cmap, program, (head, tail))
        with _lock:
            if len(_subsets) >= 512:
                _subsets.clear()
            _subsets[key] = found
    return found


def _subset_objects(
    font: EmbeddedFont, n: int, subset: list[int], internal: str, first: int, *, shared: bool = False
) -> list[bytes]:
    """The four objects of a subset numbered from `first`: ToUnicode, FontFile2, FontDescriptor, Font."""
    parts = _subset_parts(font, n, subset, shared=shared)
    base_font_name, widths, cmap, (program_dict, program), (head, tail) = parts
    return [
        _stream(first, b"/Filter [ /FlateDecode ]", cmap),
        _stream(first + 1, program_dict, program),
        b"%d 0 obj\n%s%d 0 R%s\nendobj\n" % (first + 2, head, first + 1, tail),
        b"%d 0 obj\n<<\n/BaseFont /%s /FirstChar 0 /FontDescriptor %d 0 R /LastChar %d /Name /%s /Subtype /TrueType"
        b" \n  /ToUnicode %d 0 R /Type /Font /Widths %s\n>>\nendobj\n"
        % (first + 3, base_font_name, first + 2, len(subset) - 1, internal.encode(), first, widths),
    ]


def _shared_block(font: EmbeddedFont, subsets: list[list[int]], prefix: str, first: int):
    key = (font.fontName, prefix, tuple(map(tuple, subsets)), first)
    found = _shared_blocks.get(key)
    if found is None:
        objects: list[bytes] = []
        names = []
        for n, subset in enumerate(subsets):
            internal = f"{prefix}+{n}"
            objects += _subset_objects(font, n, subset, internal, first + 4 * n, shared=True)
            names.append((internal, first + 4 * n + 3))
        found = (objects, names)
        with _lock:
            if len(_shared_blocks) >= 64:
                _shared_blocks.clear()
            _shared_blocks[key] = found
    return found


def _fonts(doc: pdfdoc.PDFDocument) -> list[tuple[EmbeddedFont, object]]:
    """The document's fonts in the order of their internal names (F1, F2, ...) and their subset states."""
    fonts = []
    for font in doc.delayedFonts:
        if not isinstance(font, EmbeddedFont):
            raise _Unsupported(font)
        fonts.append((font, font.state[doc]))
    if len(doc.fontMapping) != len(fonts):
        raise _Unsupported("fonts")
    return fonts


def _pages(pdf: rl_canvas.Canvas) -> list[pdfdoc.PDFPage]:
    doc = pdf._doc  # noqa: SLF001 - the canvas's document: its pages and fonts are what is written
    if pdf._code or not isinstance(doc.encrypt, pdfdoc.NoEncryption) or getattr(doc, "_digiSigs", None):  # noqa: SLF001
        raise _Unsupported("state")
    outline = doc.outline
    if outline.buildtree or outline.destinationstotitles or set(vars(doc.Catalog)) != {"Pages", "Outlines"}:
        raise _Unsupported("catalog")
    pages = doc.Pages.pages
    for page in pages:
        if (
            page.XObjects
            or page.Annots
            or page.ExtGState
            or page._shadingUsed  # noqa: SLF001
            or page._colorsUsed  # noqa: SLF001
            or page.Contents
            or page.Resources
            or any(getattr(page, box, None) for box in ("CropBox", "ArtBox", "BleedBox", "TrimBox", "Dur"))
        ):
            raise _Unsupported("page")
    return pages


def write(pdf: rl_canvas.Canvas, *, title: str, author: str, subject: str, created: dt.datetime) -> bytes | None:
    """The canvas's document as one PDF file (every page shown), with the Info dictionary given; None where the
    canvas uses what this writer does not write (the caller saves it with reportlab)."""
    try:
        pages = _pages(pdf)
        fonts = _fonts(pdf._doc)  # noqa: SLF001
    except _Unsupported:
        return None
    objects: list[bytes] = []  # objects 5, 6, ... in order
    font_refs: list[tuple[str, int]] = []
    number = _FONTS + 1
    people: list[tuple[EmbeddedFont, int, list[int], str]] = []  # subsets written per document
    for font, state in fonts:
        shared = getattr(state, "shared", 0)
        if shared:
            block, names = _shared_block(font, state.subsets[:shared], state.internalName, number)
            objects += block
            font_refs += names
            number += 4 * shared
        people += [(font, n, state.subsets[n], f"{state.internalName}+{n}") for n in range(shared, len(state.subsets))]
        state.frozen = 1
    digest = hashlib.md5(usedforsecurity=False)
    kids = []
    for page in pages:
        content = page.stream
        data = zlib.compress(content.encode("utf-8") if isinstance(content, str) else content)
        digest.update(data)
        box = page.MediaBox
        if box:
            box_text = pdfdoc.format(box, None)
        else:
            sizes = (page.pageheight, page.pagewidth) if page.Rotate in (90, 270) else (page.pagewidth, page.pageheight)
            box_text = b"[ 0 0 %s ]" % fp_str(*sizes).encode()
        objects.append(_stream(number, b"/Filter [ /FlateDecode ]", data))
        objects.append(
            b"%d 0 obj\n<<\n/Contents %d 0 R /MediaBox %s /Parent %d 0 R /Resources <<\n/Font %d 0 R"
            b" /ProcSet [ /PDF /Text ]\n>> /Rotate %d /Type /Page\n>>\nendobj\n"
            % (number + 1, number, box_text, _PAGES, _FONTS, page.Rotate or 0)
        )
        kids.append(number + 1)
        number += 2
    for font, n, subset, internal in people:
        block = _subset_objects(font, n, subset, internal, number)
        for part in block[:2]:
            digest.update(part)
        objects += block
        font_refs.append((internal, number + 3))
        number += 4
    digest.update(title.encode())
    identifier = digest.hexdigest().encode()
    stamp = date_string(created)
    fixed = [
        b"1 0 obj\n<<\n/PageMode /UseNone /Pages 2 0 R /Type /Catalog\n>>\nendobj\n",
        b"2 0 obj\n<<\n/Count %d /Kids [ %s ] /Type /Pages\n>>\nendobj\n"
        % (len(kids), b" ".join(b"%d 0 R" % kid for kid in kids)),
        b"3 0 obj\n<<\n/Author %s /CreationDate %s /Creator (nhi-documents) /ModDate %s /Producer %s /Subject %s"
        b" /Title %s\n>>\nendobj\n"
        % (text_string(author), stamp, stamp, text_string(PRODUCER), text_string(subject), text_string(title)),
        b"4 0 obj\n<<\n%s\n>>\nendobj\n" % b" ".join(b"/%s %d 0 R" % (name.encode(), ref) for name, ref in font_refs),
    ]
    out = [HEADER]
    offsets = []
    at = len(HEADER)
    for body in (*fixed, *objects):
        offsets.append(at)
        out.append(body)
        at += len(body)
    out.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1))
    out.append(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.append(
        b"trailer\n<<\n/ID [ <%s> <%s> ] /Info 3 0 R /Root 1 0 R /Size %d\n>>\nstartxref\n%d\n%%%%EOF\n"
        % (identifier, identifier, len(offsets) + 1, at)
    )
    return b"".join(out)
