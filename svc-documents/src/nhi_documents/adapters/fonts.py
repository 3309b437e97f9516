"""The TrueType font embedded in every PDF (reportlab's CID fonts are not embedded and render blank)."""

from __future__ import annotations

import importlib.util
import pathlib
import threading

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "IPAexGothic"
DEBIAN_FONT = pathlib.Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
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
