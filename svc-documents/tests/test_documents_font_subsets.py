"""A person's font subset made from compressed parts kept per glyph (font_subsets) is, once decompressed, the very
TrueType file reportlab's makeSubset makes of the same characters."""

from __future__ import annotations

import pathlib
import random
import struct
import zlib

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from nhi_documents.adapters.font_subsets import SubsetMaker
from nhi_documents.adapters.fonts import find_fallback_fonts, find_font, register_font

# A Latin font with composite glyphs (é is e + ´): IPAex Gothic and IPAmj明朝 have none.
DEJAVU = pathlib.Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def faces():
    for path in [find_font(None), *find_fallback_fonts(None)]:
        yield pdfmetrics.getFont(register_font(path)).face


def check(face, subsets) -> None:
    maker = SubsetMaker(face)
    for subset in subsets:
        length, data = maker.make(subset)
        expected = face.makeSubset(subset)
        assert zlib.decompress(data) == expected, subset[:10]
        assert length == len(expected)


def test_a_persons_subset_is_the_file_reportlab_makes():
    rnd = random.Random(8)
    for face in faces():
        codes = sorted(code for code in face.charToGlyph if code > 0x7F)
        subsets = [rnd.sample(codes, size) for size in (1, 2, 7, 25, 60, 255)]
        subsets.append([ord(c) for c in "佐藤翔太みどり市泉町丁目番号"])
        check(face, subsets + subsets)  # the second time from the glyphs kept


def test_a_character_the_font_lacks_is_drawn_as_its_missing_glyph_as_reportlab_does():
    face = next(faces())
    missing = next(code for code in range(0xE000, 0xF900) if code not in face.charToGlyph)
    check(face, [[missing, ord("佐")], [ord("佐"), missing, ord("藤")]])


@pytest.mark.skipif(not DEJAVU.is_file(), reason="DejaVu Sans (fonts-dejavu-core) not installed")
def test_composite_glyphs_get_their_components_renumbered():
    face = TTFont("DejaVuSubsetTest", str(DEJAVU)).face
    start, _length = face.get_table_pos("glyf")

    def composite(code: int) -> bool:
        glyph = face.charToGlyph.get(code)
        if glyph is None or face.glyphPos[glyph + 1] - face.glyphPos[glyph] <= 2:
            return False
        return struct.unpack_from(">h", face._ttf_data, start + face.glyphPos[glyph])[0] < 0

    accented = [ord(c) for c in "éüÅçñ" if composite(ord(c))]
    assert accented, "DejaVu Sans draws é with components"
    check(face, [accented, [ord("a"), *accented, ord("e")], [*accented, ord("z")]])
