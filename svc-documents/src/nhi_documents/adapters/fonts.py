"""The TrueType fonts embedded in every PDF (reportlab's CID fonts are not embedded and render blank): the primary
font, and the fallback fonts that draw what it lacks (文字要件, e.g. 𠮷 U+20BB7 from IPAmj明朝)."""

from __future__ import annotations

import functools
import importlib.util
import pathlib
import threading

from reportlab.pdfbase import pdfmetrics, ttfonts
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
            pdfmetrics.registerFont(TTFont(name, key))
        except Exception as exc:  # noqa: BLE001 - reportlab raises TTFError and friends
            raise FontNotFound(f"{key} cannot be used as a TrueType font: {exc}") from exc
        _registered[key] = name
        return name


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
            utf16 = chr(code).encode("utf-16-be").hex().upper()
            cmap = cmap.replace(f"<{index:02X}> <{code:04X}>", f"<{index:02X}> <{utf16}>")
    return cmap


if not hasattr(ttfonts, "_rl_make_to_unicode_cmap"):
    ttfonts._rl_make_to_unicode_cmap = ttfonts.makeToUnicodeCMap
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap


class FontSet:
    """The primary font and its fallbacks; splits a text into runs each drawn by the first font that has it."""

    def __init__(self, primary: pathlib.Path, fallbacks: list[pathlib.Path] = ()) -> None:
        self.names = [register_font(primary)] + [
            register_font(p) for p in fallbacks if p.resolve() != primary.resolve()
        ]
        self.primary = self.names[0]
        self._cmaps = [pdfmetrics.getFont(name).face.charToGlyph for name in self.names]
        # A renewal draws the same labels, notes and characters on every page: each is looked up and measured once.
        self._font_of: dict[str, str | None] = {}
        self._unit_width = functools.lru_cache(maxsize=1 << 16)(self._measure)

    def font_for(self, char: str) -> str | None:
        try:
            return self._font_of[char]
        except KeyError:
            code = ord(char)
            found = next((name for name, cmap in zip(self.names, self._cmaps, strict=True) if code in cmap), None)
            self._font_of[char] = found
            return found

    def missing(self, text: str) -> str | None:
        """The first character of `text` no font draws (its variation selector aside), or None."""
        for base, _selector in clusters(text):
            if base not in " \n" and self.font_for(base) is None:
                return base
        return None

    def runs(self, text: str) -> list[tuple[str, str]]:
        """(font name, text) runs. An ideographic variation sequence is drawn as its base character, from a font
        that has it; the selector itself is never drawn (it would print a box)."""
        out: list[tuple[str, str]] = []
        for base, _selector in clusters(text):
            name = self.font_for(base) or self.primary
            if out and out[-1][0] == name:
                out[-1] = (name, out[-1][1] + base)
            else:
                out.append((name, base))
        return out

    def width(self, text: str, size: float) -> float:
        return self._unit_width(text) * size

    def _measure(self, text: str) -> float:
        """The width of `text` at size 1 (a TrueType width is proportional to the size)."""
        return sum(pdfmetrics.stringWidth(part, name, 1) for name, part in self.runs(text))
