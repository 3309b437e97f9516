"""A person's font subset (the glyphs of their name and address) made and Flate-compressed from parts kept per glyph.

reportlab's TTFontFace.makeSubset builds the subset's TrueType file in Python glyph by glyph, and the PDF then
compresses all of it, for every certificate: the name, cvt, fpgm and prep tables copied from the font each time, and
the same common kanji (佐, 藤, 町, 丁, 目, ...) in most of them. Here the file is the same bytes makeSubset gives (a
test compares them), but its compressed stream is put together from deflate segments: the tables copied from the
font compressed once per process, each simple glyph compressed once while it keeps being drawn, and only what
depends on the subset (the table directory, cmap, hmtx, loca, head, hhea, maxp) compressed per subset. Segments
are independent raw deflate data ended by a sync flush (the last by the final block), so their concatenation inside
one zlib wrapper, with the Adler-32 of the whole file, is one valid FlateDecode stream."""

from __future__ import annotations

import struct
import threading
import zlib

from reportlab.lib.rl_accel import add32, calcChecksum
from reportlab.pdfbase import ttfonts

_MORE = ttfonts.GF_MORE_COMPONENTS
_WORDS = ttfonts.GF_ARG_1_AND_2_ARE_WORDS
_SCALE = ttfonts.GF_WE_HAVE_A_SCALE
_XY_SCALE = ttfonts.GF_WE_HAVE_AN_X_AND_Y_SCALE
_TWO_BY_TWO = ttfonts.GF_WE_HAVE_A_TWO_BY_TWO
_ZLIB_HEADER = b"\x78\x9c"
_COPIED = ("OS/2", "cvt ", "fpgm", "name", "prep")  # copied from the font as they are (those it has)
_GLYPH_LIMIT = 1 << 14  # glyphs kept compressed per font; emptied when reached


def _deflate(data: bytes, *, last: bool = False) -> bytes:
    """`data` as raw deflate blocks that any deflate data may follow (sync flush), or end (`last`)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) & 3)


def _components(data: bytes) -> list[tuple[int, int]]:
    """(offset of the glyph index, glyph index) of each component of a composite glyph."""
    out = []
    at, flags = 10, _MORE
    while flags & _MORE:
        flags, glyph = struct.unpack_from(">HH", data, at)
        out.append((at + 2, glyph))
        at += 4 + (4 if flags & _WORDS else 2)
        if flags & _SCALE:
            at += 2
        elif flags & _XY_SCALE:
            at += 4
        elif flags & _TWO_BY_TWO:
            at += 8
    return out


class SubsetMaker:
    """Compressed subsets of one TrueType face, identical once decompressed to reportlab's makeSubset."""

    def __init__(self, face: ttfonts.TTFontFace) -> None:
        self.face = face
        self._lock = threading.Lock()
        start, _length = face.get_table_pos("glyf")
        self._glyf = face._ttf_data  # noqa: SLF001 - the font file reportlab read, read in place
        self._glyf_start = start
        tables = {}
        for tag in _COPIED:
            try:
                tables[tag] = bytes(face.get_table(tag))
            except KeyError:  # cvt, fpgm and prep are optional
                continue
        tables["post"] = b"\x00\x03\x00\x00" + face.get_table("post")[4:16] + b"\x00" * 16
        self._fixed = tables
        self._checksums = {tag: calcChecksum(data) for tag, data in tables.items()}
        self._hhea = bytes(face.get_table("hhea"))
        self._maxp = bytes(face.get_table("maxp"))
        self._head = bytes(face.get_table("head"))
        self._tags = sorted([*tables, "cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp"])
        # the copied tables and the generated ones, in the file's (sorted) order, grouped in runs of each
        self._runs: list[tuple[bool, list[str]]] = []
        for tag in self._tags:
            fixed = tag in tables
            if self._runs and self._runs[-1][0] == fixed and tag != "glyf" and self._runs[-1][1][-1] != "glyf":
                self._runs[-1][1].append(tag)
            else:
                self._runs.append((fixed, [tag]))
        self._segments: dict[tuple[str, ...], tuple[bytes, bytes]] = {}  # copied run -> (its bytes, deflated)
        # glyph index -> (its data padded, its checksum, deflated, components): simple glyphs only are deflated
        self._glyphs: dict[int, tuple[bytes, int, bytes | None, list[tuple[int, int]]]] = {}

    def _glyph(self, index: int):
        found = self._glyphs.get(index)
        if found is None:
            positions = self.face.glyphPos
            start = self._glyf_start + positions[index]
            data = bytes(self._glyf[start : start + positions[index + 1] - positions[index]])
            composite = len(data) > 2 and struct.unpack_from(">h", data)[0] < 0
            components = _components(data) if composite else []
            padded = _padded(data)
            found = (data, calcChecksum(padded), None if composite else _deflate(padded), components)
            with self._lock:
                if len(self._glyphs) >= _GLYPH_LIMIT:
                    self._glyphs.clear()
                self._glyphs[index] = found
        return found

    def _fixed_run(self, tags: list[str], last: bool) -> tuple[bytes, bytes]:
        key = (*tags, last)
        found = self._segments.get(key)
        if found is None:
            data = b"".join(_padded(self._fixed[tag]) for tag in tags)
            found = self._segments[key] = (data, _deflate(data, last=last))
        return found

    def make(self, subset: list[int]) -> tuple[int, bytes]:
        """(the length of the subset's TrueType file, the file Flate-compressed with a zlib wrapper)."""
        face = self.face
        char_to_glyph = face.charToGlyph
        glyph_map = [0]
        glyph_set = {0: 0}
        code_to_glyph = []
        for code in subset:
            original = char_to_glyph.get(code, 0)
            if original not in glyph_set:
                glyph_set[original] = len(glyph_map)
                glyph_map.append(original)
            code_to_glyph.append(glyph_set[original])
        glyphs = []
        n = 0
        while n < len(glyph_map):  # the components of composite glyphs join the subset too
            glyph = self._glyph(glyph_map[n])
            for _at, component in glyph[3]:
                if component not in glyph_set:
                    glyph_set[component] = len(glyph_map)
                    glyph_map.append(component)
            glyphs.append(glyph)
            n += 1
        count = len(glyph_map)

        metrics = face.hmetrics
        hmtx = []
        for original in glyph_map:
            advance, side = metrics[original]
            hmtx += (int(advance), int(side))
        cut = len(hmtx) - 2
        while cut and hmtx[cut] == hmtx[cut - 2]:
            cut -= 2
        cut += 2
        hmtx = hmtx[:cut] + hmtx[cut + 1 :: 2]

        glyf_parts: list[tuple[bytes, int, bytes | None]] = []
        offsets = []
        position = 0
        glyf_checksum = 0
        for data, checksum, deflated, components in glyphs:
            offsets.append(position)
            padded = _padded(data)
            if components:  # its components' indices in the subset: written, checksummed and compressed here
                for at, component in components:
                    padded = padded[:at] + struct.pack(">H", glyph_set[component]) + padded[at + 2 :]
                checksum, deflated = calcChecksum(padded), None
            glyf_parts.append((padded, checksum, deflated))
            glyf_checksum = add32(glyf_checksum, checksum)
            position += len(padded)
        offsets.append(position)
        if (position + 1) >> 1 > 0xFFFF:
            loc_format, loca = 1, struct.pack(f">{len(offsets)}L", *offsets)
        else:
            loc_format, loca = 0, struct.pack(f">{len(offsets)}H", *(offset >> 1 for offset in offsets))
        head = self._head[:8] + b"\0\0\0\0" + self._head[12:50] + struct.pack(">H", loc_format) + self._head[52:]
        made = {
            "cmap": struct.pack(">11H", 0, 1, 1, 0, 0, 12, 6, 10 + 2 * len(subset), 0, 0, len(subset))
            + struct.pack(f">{len(code_to_glyph)}H", *code_to_glyph),
            "head": head,
            "hhea": self._hhea[:34] + struct.pack(">H", cut >> 1) + self._hhea[36:],
            "hmtx": struct.pack(f">{len(hmtx)}H", *hmtx),
            "loca": loca,
            "maxp": self._maxp[:4] + struct.pack(">H", count) + self._maxp[6:],
        }

        lengths = {tag: len(self._fixed[tag]) if tag in self._fixed else len(made.get(tag, b"")) for tag in self._tags}
        lengths["glyf"] = position
        checksums = dict(self._checksums)
        checksums.update({tag: calcChecksum(data) for tag, data in made.items()})
        checksums["glyf"] = glyf_checksum
        tables = len(self._tags)
        search = 1
        selector = 0
        while search * 2 <= tables:
            search *= 2
            selector += 1
        directory = [struct.pack(">lHHHH", 0x00010000, tables, search * 16, selector, tables * 16 - search * 16)]
        offset = 12 + tables * 16
        for tag in self._tags:
            directory.append(tag.encode("latin-1") + struct.pack(">LLL", checksums[tag], offset, lengths[tag]))
            offset += (lengths[tag] + 3) & ~3
        directory = b"".join(directory)
        total = add32(calcChecksum(directory), 0)
        for tag in self._tags:
            total = add32(total, checksums[tag])
        adjustment = add32(0xB1B0AFBA, -total)
        made["head"] = head[:8] + struct.pack(">L", adjustment) + head[12:]

        # the file, as raw pieces (for its Adler-32) and deflate segments
        pending = [directory]  # generated bytes not yet deflated
        segments: list[bytes] = []
        adler = zlib.adler32(directory)
        last_run = len(self._runs) - 1
        for run_index, (fixed, tags) in enumerate(self._runs):
            last = run_index == last_run
            if fixed:
                data, deflated = self._fixed_run(tags, last)
                if pending:
                    segments.append(_deflate(b"".join(pending)))
                    pending = []
                segments.append(deflated)
                adler = zlib.adler32(data, adler)
            elif tags == ["glyf"]:
                for padded, _checksum, deflated in glyf_parts:
                    if deflated is None:
                        pending.append(padded)
                    else:
                        if pending:
                            segments.append(_deflate(b"".join(pending)))
                            pending = []
                        segments.append(deflated)
                    adler = zlib.adler32(padded, adler)
            else:
                for tag in tags:
                    data = _padded(made[tag])
                    pending.append(data)
                    adler = zlib.adler32(data, adler)
        if pending:
            segments.append(_deflate(b"".join(pending), last=True))
        elif not self._runs[last_run][0]:  # the file ends in glyphs deflated before: close the stream
            segments.append(_deflate(b"", last=True))
        return offset, _ZLIB_HEADER + b"".join(segments) + struct.pack(">L", adler)
