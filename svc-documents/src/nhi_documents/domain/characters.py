"""文字要件: every character of a document is drawn by some configured font, or the document is not issued."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from nhi_common.errors import DomainError

CHARACTERS_RULE = "STD-文字"  # the standard's character requirement (行政事務標準文字, MJ+ with IVS)
UNDRAWABLE_CHARACTER = "UNDRAWABLE_CHARACTER"
TEXT_OVERFLOW = "TEXT_OVERFLOW"


_SELECTOR = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def is_variation_selector(char: str) -> bool:
    """VS1-16 (U+FE00..FE0F) and the ideographic variation selectors VS17-256 (U+E0100..E01EF)."""
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def clusters(text: str) -> Iterator[tuple[str, str]]:
    """(base character, its variation selector or '') for each printed character of `text`."""
    if _SELECTOR.search(text) is None:  # most texts: every character on its own
        return zip(text, itertools.repeat(""))
    return _clusters(text)


def _clusters(text: str) -> Iterator[tuple[str, str]]:
    index = 0
    while index < len(text):
        base = text[index]
        selector = ""
        if index + 1 < len(text) and is_variation_selector(text[index + 1]):
            selector = text[index + 1]
            index += 1
        index += 1
        if not is_variation_selector(base):  # a stray selector with no base draws nothing
            yield base, selector


def code_point(char: str) -> str:
    """U+20BB7, as the standard's character tables name a character; an ideographic variation sequence as its two
    code points, U+845B U+E0102."""
    return " ".join(f"U+{ord(c):04X}" for c in char)


def printed_units(text: str) -> Iterator[str]:
    """Each printed character of `text` with its variation selector, never split apart (for wrapping)."""
    for base, selector in clusters(text):
        yield base + selector


class UndrawableCharacter(DomainError):
    """No configured font draws a character of a person's data (or the variant glyph of an ideographic variation
    sequence, where the municipality does not allow printing its base character): the document is not issued
    (STD-文字)."""

    def __init__(self, *, person_id: str, field: str, char: str, kind: str) -> None:
        super().__init__(
            field or "document",
            f"{code_point(char)} in the {field or 'text'} of person {person_id or '-'} cannot be drawn by any"
            f" configured font; the {kind} is not issued (add a font that has it to NHI_PDF_FALLBACK_FONTS)",
            rule=CHARACTERS_RULE,
            code=UNDRAWABLE_CHARACTER,
            metadata={"person_id": person_id, "field": field, "character": code_point(char), "kind": kind},
        )
        self.person_id = person_id
        self.source = field
        self.char = char
        self.kind = kind


class TextOverflow(DomainError):
    """A text does not fit its box even at the smallest size in the most lines: refused rather than cut."""

    def __init__(self, *, person_id: str, field: str, kind: str) -> None:
        super().__init__(
            field or "document",
            f"the {field or 'text'} of person {person_id or '-'} does not fit its box on the {kind}",
            rule=CHARACTERS_RULE,
            code=TEXT_OVERFLOW,
            metadata={"person_id": person_id, "field": field, "kind": kind},
        )
