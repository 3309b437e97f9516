"""The TrueType fonts embedded in every PDF (reportlab's CID fonts are not embedded and render blank): the primary
font, and the fallback fonts that draw what it lacks (文字要件, e.g. 𠮷 U+20BB7 from IPAmj明朝).

Ideographic variation sequences (IVS, a base character + U+E0100..E01EF) are drawn with the variant glyph of the first
font whose cmap format 14 table has the sequence (IPAmj明朝 maps them to its MJ glyphs). reportlab draws by code
point only, so each variant glyph gets a private code point (plane 15) in that font's character map, and the PDF's
ToUnicode CMap maps that code back to the base character and its selector: text extraction gives the sequence."""

from __future__ import annotations

import functools
import importlib.util
import pathlib
import threading

from fontTools.ttLib import TTFont as FontFile
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.pdfbase import pdfdoc, pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from ..domain.characters import clusters

FONT_NAME = "IPAexGothic"
DEBIAN_FONT = pathlib.Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
# Tried in order when NHI_PDF_FALLBACK_FONTS is empty; those present are used.
DEBIAN_FALLBACKS = (
    pathlib.Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"),
    pathlib.Path("/usr/share/fonts/truetype/ipamj/ipamjm.ttf"),
)
_lock = threading.Lock()
_registered: dict[str, str] = {}
PRIVATE_BASE = 0xF0000  # supplementary private use area A: the codes given to variant glyphs
_sequences: dict[int, str] = {}  # private code -> the base character + selector its glyph draws (for ToUnicode)
_private: dict[tuple[str, int], int] = {}  # (font name, glyph id) -> its private code


class FontNotFound(RuntimeError):
    """No usable TrueType font for Japanese text."""


def _venv_font() -> pathlib.Path | None:
    """ipaexg.ttf shipped inside the japanize_matplotlib wheel, located without importing that package."""
    try:
        spec = importlib.util.find_spec("japanize_matplotlib")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = pathlib.Path(location) / "fonts" / "ipaexg.ttf"
        if candidate.is_file():
            return candidate
    return None


def find_font(configured: str | None = None) -> pathlib.Path:
    """NHI_PDF_FONT when set (it must exist), else IPAex Gothic from the venv, else Debian's fonts-ipaexfont-gothic."""
    if configured:
        path = pathlib.Path(configured)
        if not path.is_file():
            raise FontNotFound(f"NHI_PDF_FONT={configured!r} is not a readable font file")
        return path
    tried = []
    venv = _venv_font()
    if venv is not None:
        return venv
    tried.append("japanize_matplotlib/fonts/ipaexg.ttf in the Python environment")
    if DEBIAN_FONT.is_file():
        return DEBIAN_FONT
    tried.append(str(DEBIAN_FONT))
    raise FontNotFound(
        "no Japanese TrueType font for PDFs: tried "
        + ", ".join(tried)
        + "; set NHI_PDF_FONT to an IPAex Gothic (ipaexg.ttf) file, install the Debian package "
        "fonts-ipaexfont-gothic, or `pip install --no-deps japanize-matplotlib==1.1.3`"
    )


def register_font(path: pathlib.Path) -> str:
    """Register `path` with reportlab once per process; returns the font name to draw with."""
    key = str(path.resolve())
    with _lock:
        if key in _registered:
            return _registered[key]
        name = FONT_NAME if not _registered else f"{FONT_NAME}-{len(_registered)}"
        try:
            pdfmetrics.registerFont(EmbeddedFont(name, key))
        except Exception as exc:  # noqa: BLE001 - reportlab raises TTFError and friends
            raise FontNotFound(f"{key} cannot be used as a TrueType font: {exc}") from exc
        _registered[key] = name
        return name


class _Serialised(pdfdoc.PDFObject):
    """A PDF object whose bytes were made once: the same in every document that embeds it."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document) -> bytes:  # noqa: ARG002 - reportlab's signature
        return self.data


class _SerialisedStream(_Serialised):
    __RefOnly__ = 1  # a stream is always an indirect object


class _Descriptor(pdfdoc.PDFObject):
    """A subset's FontDescriptor: its bytes made once, around the reference to its font program."""

    def __init__(self, head: bytes, program_ref, tail: bytes) -> None:
        self.head, self.program_ref, self.tail = head, program_ref, tail

    def format(self, document) -> bytes:
        return self.head + pdfdoc.format(self.program_ref, document) + self.tail


class _Table:
    """A table of a font file read in place, by slices."""

    def __init__(self, data: bytes, start: int, length: int) -> None:
        self.data, self.start, self.length = data, start, length

    def __getitem__(self, part: slice) -> bytes:
        start, stop, _step = part.indices(self.length)
        return self.data[self.start + start : self.start + stop]


def _tables(face: ttfonts.TTFontFace):
    """The face's get_table without its copies: makeSubset copied whole tables of the font file for every subset it
    made (glyf: 5.6 MB in IPAex Gothic, 40 MB in IPAmj明朝) to read a few glyphs. The glyph table is read in place;
    the others are copied once (the font file does not change while the process runs)."""
    copied = functools.lru_cache(maxsize=32)(face.get_table)

    def get_table(tag: str):
        if tag == "glyf":
            start, length = face.get_table_pos(tag)
            return _Table(face._ttf_data, start, length)  # noqa: SLF001 - the face's file, read by reportlab alike
        return copied(tag)

    return get_table


class EmbeddedFont(TTFont):
    """reportlab's TrueType font, embedded as subsets of at most 256 glyphs, where the subsets holding a template's
    wording (`prepare`: titles, labels, notes, the issuer) are made, compressed and serialised once per process and
    copied into every document of that template. A document is still a standalone PDF with every glyph it draws:
    only the work of making the same font program again for each certificate of a renewal is saved."""

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        self.face.get_table = _tables(self.face)
        # (subset's base font name, its codes, compression) -> (widths, ToUnicode stream, font program stream)
        self._shared: dict[tuple[str, tuple[int, ...], int], tuple[bytes, bytes, bytes]] = {}
        # wording -> the codes `prepare` gives it (assignments, subsets, next code, shared subsets)
        self._prepared: dict[str, tuple[dict[int, int], list[list[int]], int, int]] = {}
        self._descriptors: dict[str, list[bytes]] = {}  # subset's base font name -> its descriptor around the ref

    def subset_maker(self):
        """The maker of this font's subsets from their glyphs' compressed parts (font_subsets), made once."""
        maker = self.__dict__.get("_subset_maker")
        if maker is None:
            from .font_subsets import SubsetMaker  # noqa: PLC0415 - it reads this module's faces

            with _lock:
                maker = self.__dict__.get("_subset_maker")
                if maker is None:
                    maker = self._subset_maker = SubsetMaker(self.face)
        return maker

    def prepare(self, doc: pdfdoc.PDFDocument, wording: str) -> bool:
        """Give the characters of `wording` their codes first, in a document where nothing is drawn yet, and start
        whatever else the document draws (names, addresses, dates) on a subset of its own: the wording's subsets
        are then the same in every document of the template. The font is the document's first (F1). False when
        something was drawn already (the subsets are then the document's own)."""
        state = self._assignState(doc)
        if state.nextCode != 1 or getattr(state, "shared", None) is not None or doc.fontMapping:
            return False
        prepared = self._prepared.get(wording)
        if prepared is None:
            self.splitString(wording, doc)
            if state.nextCode & 0xFF:
                state.nextCode = (state.nextCode | 0xFF) + 1
            state.shared = len(state.subsets)
            prepared = (dict(state.assignments), [list(s) for s in state.subsets], state.nextCode, state.shared)
            with _lock:
                if len(self._prepared) >= 256:
                    self._prepared.clear()
                self._prepared[wording] = prepared
        else:  # the codes the wording was given before: the same, copied
            assignments, subsets, state.nextCode, state.shared = prepared
            state.assignments, state.subsets = dict(assignments), [list(s) for s in subsets]
        self.getSubsetInternalName(0, doc)
        return True

    def shared_characters(self, doc: pdfdoc.PDFDocument) -> frozenset[str]:
        """The characters whose codes lie in the document's shared subsets (the wording's, ASCII)."""
        state = self._assignState(doc)
        limit = getattr(state, "shared", 0) * 256
        return frozenset(chr(code) for code, n in state.assignments.items() if 0 < n < limit)

    def addObjects(self, doc: pdfdoc.PDFDocument) -> None:
        """reportlab's TTFont.addObjects (same objects, same order), the template's subsets from `_shared`."""
        state = self._assignState(doc)
        state.frozen = 1
        shared = getattr(state, "shared", 0) if isinstance(doc.encrypt, pdfdoc.NoEncryption) else 0
        for n, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(n, doc)[1:]
            base_font_name = (b"".join((ttfonts.SUBSETN(n), b"+", self.face.name, self.face.subfontNameX))).decode(
                "pdfdoc"
            )
            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.__Comment__ = f"Font {self.fontName} subset {n}"
            pdf_font.Name = internal_name
            pdf_font.BaseFont = base_font_name
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            if n < shared:
                widths, cmap, program = self._serialised(doc, base_font_name, subset)
            else:
                widths, cmap, program = self._objects(doc, base_font_name, subset)
            pdf_font.Widths = widths
            pdf_font.ToUnicode = doc.Reference(cmap, "toUnicodeCMap:" + base_font_name)
            program_ref = doc.Reference(program, f"fontFile:{self.face.filename}({base_font_name})")
            pdf_font.FontDescriptor = doc.Reference(
                self._descriptor(base_font_name, program_ref), "fontDescriptor:" + base_font_name
            )
            doc.Reference(pdf_font, internal_name)
            doc.idToObject["BasicFonts"].dict[internal_name] = pdf_font

    def _objects(self, doc, base_font_name: str, subset: list[int]):
        widths = pdfdoc.PDFArray(list(map(self.face.getCharWidth, subset)))
        cmap = pdfdoc.PDFStream()
        cmap.content = ttfonts.makeToUnicodeCMap(base_font_name, subset)
        program = pdfdoc.PDFStream()
        program.content = self.face.makeSubset(subset)
        program.dictionary["Length1"] = len(program.content)
        if doc.compression:
            cmap.filters = [pdfdoc.PDFZCompress]
            program.filters = [pdfdoc.PDFZCompress]
        return widths, cmap, program

    def _serialised(self, doc, base_font_name: str, subset: list[int]):
        key = (base_font_name, tuple(subset), doc.compression)
        found = self._shared.get(key)
        if found is None:
            widths, cmap, program = self._objects(doc, base_font_name, subset)
            found = (
                pdfdoc.format(widths, doc),
                pdfdoc.format(cmap, doc, toplevel=1),
                pdfdoc.format(program, doc, toplevel=1),
            )
            with _lock:
                if len(self._shared) >= 64:  # templates and their variants: a handful; never grows without end
                    self._shared.clear()
                self._shared[key] = found
        # new objects each time: reportlab names an object after the document that registers it
        return _Serialised(found[0]), _SerialisedStream(found[1]), _SerialisedStream(found[2])

    def _descriptor(self, base_font_name: str, program_ref) -> _Descriptor:
        """reportlab's FontDescriptor of a subset, its bytes but the font program's reference made once."""
        head, tail = self.descriptor_parts(base_font_name)
        return _Descriptor(head, program_ref, tail)

    def descriptor_parts(self, base_font_name: str) -> tuple[bytes, bytes]:
        """The bytes of a subset's FontDescriptor before and after the reference to its font program (`N 0 R`)."""
        found = self._descriptors.get(base_font_name)
        if found is None:
            marker = b"\x00program\x00"
            found = pdfdoc.format(self._descriptor_dictionary(base_font_name, marker), None).split(marker)
            self._descriptors[base_font_name] = found
        return found[0], found[1]

    def _descriptor_dictionary(self, base_font_name: str, program_ref) -> pdfdoc.PDFDictionary:
        """reportlab's FontDescriptor of a subset (TTFontFace.addSubsetObjects)."""
        face = self.face
        return pdfdoc.PDFDictionary(
            {
                "Type": "/FontDescriptor",
                "Ascent": face.ascent,
                "CapHeight": face.capHeight,
                "Descent": face.descent,
                "Flags": (face.flags & ~ttfonts.FF_NONSYMBOLIC) | ttfonts.FF_SYMBOLIC,
                "FontBBox": pdfdoc.PDFArray(face.bbox),
                "FontName": pdfdoc.PDFName(base_font_name),
                "ItalicAngle": face.italicAngle,
                "StemV": face.stemV,
                "FontFile2": program_ref,
                "MissingWidth": face.defaultWidth,
            }
        )


def find_fallback_fonts(configured: str | None = None) -> list[pathlib.Path]:
    """NHI_PDF_FALLBACK_FONTS (comma-separated paths, each must exist), else IPAex Mincho and IPAmj明朝 where
    installed (Debian fonts-ipaexfont-mincho, fonts-ipamj-mincho)."""
    if configured:
        paths = [pathlib.Path(part.strip()) for part in configured.split(",") if part.strip()]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise FontNotFound(f"NHI_PDF_FALLBACK_FONTS names fonts that are not readable files: {', '.join(missing)}")
        return paths
    return [p for p in DEBIAN_FALLBACKS if p.is_file()]


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap, with characters beyond the BMP (𠮷 U+20BB7) as UTF-16 surrogate pairs: reportlab
    writes 4 hex digits, so text extraction read U+20BB7 as U+20BB."""
    cmap = ttfonts._rl_make_to_unicode_cmap(fontname, subset)
    for index, code in enumerate(subset):
        if code > 0xFFFF:
            utf16 = _sequences.get(code, chr(code)).encode("utf-16-be").hex().upper()
            cmap = cmap.replace(f"<{index:02X}> <{code:04X}>", f"<{index:02X}> <{utf16}>")
    return cmap


@functools.lru_cache(maxsize=16)
def variation_sequences(path: str) -> dict[tuple[int, int], tuple[int, float] | None]:
    """(base, selector) -> (glyph id, advance width in 1/1000 em) of the variant, or None where the font's default
    glyph of the base is the variant, from the font's cmap format 14 table (empty for a font without one)."""
    font = FontFile(path, lazy=True)
    try:
        tables = [t for t in font["cmap"].tables if t.format == 14]
        out: dict[tuple[int, int], tuple[int, float] | None] = {}
        if not tables:
            return out
        metrics, units = font["hmtx"], font["head"].unitsPerEm
        for table in tables:
            for selector, entries in table.uvsDict.items():
                for base, glyph in entries:
                    if glyph is None:
                        out[(base, selector)] = None
                    else:
                        out[(base, selector)] = (font.getGlyphID(glyph), metrics[glyph][0] * 1000 / units)
        return out
    finally:
        font.close()


def _private_code(name: str, glyph: int, width: float, sequence: str) -> int:
    """The private code point that draws `glyph` (`width` wide) of the registered font `name`, allocated once per
    process."""
    with _lock:
        code = _private.get((name, glyph))
        if code is not None:
            return code
        face = pdfmetrics.getFont(name).face
        code = PRIVATE_BASE + len(_sequences)
        while code in face.charToGlyph or code in _sequences:
            code += 1
        face.charToGlyph[code] = glyph
        face.charWidths[code] = width
        _sequences[code] = sequence
        _private[(name, glyph)] = code
        return code


if not hasattr(ttfonts, "_rl_make_to_unicode_cmap"):
    ttfonts._rl_make_to_unicode_cmap = ttfonts.makeToUnicodeCMap
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap


class _Bounded(dict):
    """A dict emptied when it reaches `limit` entries: a cache of what a run of similar documents repeats."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key, value) -> None:
        if len(self) >= self.limit:
            self.clear()
        super().__setitem__(key, value)


class FontSet:
    """The primary font and its fallbacks; splits a text into runs each drawn by the first font that has it."""

    def __init__(
        self, primary: pathlib.Path, fallbacks: list[pathlib.Path] = (), *, ivs_base_fallback: bool = False
    ) -> None:
        paths = [primary] + [p for p in fallbacks if p.resolve() != primary.resolve()]
        self.names = [register_font(p) for p in paths]
        self._paths = [str(p.resolve()) for p in paths]
        self.primary = self.names[0]
        self._cmaps = [pdfmetrics.getFont(name).face.charToGlyph for name in self.names]
        # No font has a sequence's variant glyph: print the base character (True, the municipality's choice, listed
        # for the clerk) or refuse the document (False).
        self.ivs_base_fallback = ivs_base_fallback
        # A renewal draws the same labels, notes and characters on every page: each is looked up and measured once.
        self._font_of: dict[str, str | None] = {}
        self._variant_of: dict[tuple[str, str], tuple[str, str] | None] = {}
        self._unit_width = functools.lru_cache(maxsize=1 << 16)(self._measure)
        self._runs = functools.lru_cache(maxsize=1 << 16)(self._split)
        self._missing = functools.lru_cache(maxsize=1 << 16)(self._find_missing)
        # (text, size, room, height, minimum) -> (size, lines) of a text wrapped to its box, () if it does not fit
        self.fitted: _Bounded = _Bounded(1 << 14)
        self._shared_characters: _Bounded = _Bounded(256)  # wording -> the characters of its shared subsets
        # (wording, x, y, text, size, align) -> the page operators drawing a text of shared characters: the same in
        # every document of the template
        self.drawn: _Bounded = _Bounded(1 << 14)
        self._fonts = {name: pdfmetrics.getFont(name) for name in self.names}

    def prepare(self, doc, wording: str) -> frozenset[str]:
        """Before anything is drawn on `doc`: the primary font's codes for the template's wording first, so that its
        subsets are shared by every document of the template (EmbeddedFont.prepare). The characters drawn with the
        same codes in every document of the template (empty when that could not be arranged)."""
        font = pdfmetrics.getFont(self.primary)
        if not isinstance(font, EmbeddedFont) or not font.prepare(doc, wording):
            return frozenset()
        found = self._shared_characters.get(wording)
        if found is None:
            found = self._shared_characters[wording] = font.shared_characters(doc)
        return found

    def font_for(self, char: str) -> str | None:
        try:
            return self._font_of[char]
        except KeyError:
            code = ord(char)
            if code >= PRIVATE_BASE:  # vendor 外字 (planes 15-16) in the data, and the codes given to variant glyphs
                self._font_of[char] = None
                return None
            found = next((name for name, cmap in zip(self.names, self._cmaps, strict=True) if code in cmap), None)
            self._font_of[char] = found
            return found

    def variant(self, base: str, selector: str) -> tuple[str, str] | None:
        """(font name, the character to draw) for the variant glyph of base + selector, from the first font whose
        cmap format 14 table has the sequence; None when no configured font has it."""
        key = (base, selector)
        if key in self._variant_of:
            return self._variant_of[key]
        found = None
        for name, path, cmap in zip(self.names, self._paths, self._cmaps, strict=True):
            sequences = variation_sequences(path)
            entry = sequences.get((ord(base), ord(selector)), -1)
            if entry == -1:
                continue
            if entry is None:  # the font's default glyph of the base is this variant
                if ord(base) in cmap:
                    found = (name, base)
                    break
                continue
            glyph, width = entry
            found = (name, chr(_private_code(name, glyph, width, base + selector)))
            break
        self._variant_of[key] = found
        return found

    def _draw(self, base: str, selector: str) -> tuple[str, str] | None:
        """(font name, character) drawing one printed character, or None when it cannot be drawn as asked."""
        if selector and 0xE0100 <= ord(selector) <= 0xE01EF:
            found = self.variant(base, selector)
            if found is not None or not self.ivs_base_fallback:
                return found
        name = self.font_for(base)
        return None if name is None else (name, base)

    def missing(self, text: str) -> str | None:
        """The first character of `text` no font draws, or ideographic variation sequence whose variant glyph no
        font has (unless the base may be printed instead), or None."""
        return self._missing(text)

    def _find_missing(self, text: str) -> str | None:
        for base, selector in clusters(text):
            if base not in " \n" and self._draw(base, selector) is None:
                return base + selector if self.font_for(base) is not None else base
        return None

    def substituted(self, text: str) -> list[str]:
        """The ideographic variation sequences of `text` printed as their base character (no font has the
        variant and the municipality allows it), each once."""
        out: list[str] = []
        if not self.ivs_base_fallback:
            return out
        for base, selector in clusters(text):
            if selector and 0xE0100 <= ord(selector) <= 0xE01EF and self.variant(base, selector) is None:
                if base + selector not in out:
                    out.append(base + selector)
        return out

    def runs(self, text: str) -> tuple[tuple[str, str], ...]:
        """(font name, text) runs (see `_split`), each text split once."""
        return self._runs(text)

    def _split(self, text: str) -> tuple[tuple[str, str], ...]:
        """(font name, text) runs. An ideographic variation sequence is drawn with its variant glyph (see
        `variant`); a standardized variation selector (VS1-16) is dropped and its base drawn; a selector itself is
        never drawn (it would print a box)."""
        out: list[tuple[str, str]] = []
        for base, selector in clusters(text):
            name, char = self._draw(base, selector) or (self.primary, base)
            if out and out[-1][0] == name:
                out[-1] = (name, out[-1][1] + char)
            else:
                out.append((name, char))
        return tuple(out)

    def operators(self, doc, x: float, y: float, text: str, size: float) -> str:
        """The page operators drawing `text` from (x, y) at `size` on `doc`'s page: one text object, each run in the
        subsets of its font (the codes the characters get in `doc`), each moving the next along by its glyphs'
        widths, as reportlab's drawString of each run at its place draws it; '' for a text with nothing to draw."""
        parts = []
        size_text = fp_str(size)
        for name, part in self.runs(text):
            font = self._fonts[name]
            for subset, chunk in font.splitString(part, doc):
                parts.append(f"{font.getSubsetInternalName(subset, doc)} {size_text} Tf ({escapePDF(chunk)}) Tj")
        if not parts:
            return ""
        return f"BT 1 0 0 1 {fp_str(x, y)} Tm {' '.join(parts)} ET"

    def width(self, text: str, size: float) -> float:
        return self._unit_width(text) * size

    def _measure(self, text: str) -> float:
        """The width of `text` at size 1 (a TrueType width is proportional to the size)."""
        return sum(pdfmetrics.stringWidth(part, name, 1) for name, part in self.runs(text))
