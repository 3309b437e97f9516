"""Raw reportlab: the postcard 資格確認書's text drawn straight onto one canvas, N certificates in one merged PDF.

The baseline of bench/documents: the same rows, notes and recipient block as the service's postcard, with the same
TrueType font registered once, two pages (front, back) per certificate, no fitting, no fallback runs, no store."""

from __future__ import annotations

import io
import pathlib
import time

from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

POSTCARD = (100 * mm, 148 * mm)
CARD = (85.6 * mm, 54 * mm)


def draw(models, font_path: pathlib.Path) -> tuple[bytes, float]:
    """One PDF of every model (domain.layout.DocumentModel on a postcard); the bytes and the seconds it took. The font
    is loaded before the clock starts, as the service loads its fonts once when it starts."""
    if "RawFont" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("RawFont", str(font_path)))
    started = time.perf_counter()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=POSTCARD, invariant=1, pageCompression=1)
    width, height = POSTCARD
    x = (width - CARD[0]) / 2
    for model in models:
        recipient = model.recipient
        pdf.setFont("RawFont", 10)
        if recipient is not None:
            pdf.drawString(10 * mm, height - 18 * mm, f"〒{recipient.postal_code}")
            pdf.drawString(10 * mm, height - 26 * mm, recipient.address)
            pdf.drawString(10 * mm, height - 36 * mm, recipient.name)
        _card(pdf, model.card, x, height - 52 * mm - CARD[1], model.title)
        pdf.setFont("RawFont", 6)
        pdf.drawString(x, height - 52 * mm - CARD[1] - 5 * mm, f"交付番号 {model.number or ''}")
        pdf.showPage()
        _card(pdf, model.reverse, x, height - 10 * mm - CARD[1], "（裏面）")
        y = height - 20 * mm - CARD[1]
        pdf.setFont("RawFont", 6)
        for note in model.notes:
            y -= 6 * 1.6
            pdf.drawString(x + 2 * mm, y, f"・{note}")
        pdf.drawString(x, 12 * mm, f"{model.issuer.name}（保険者番号 {model.issuer.insurer_number}）")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue(), time.perf_counter() - started


def _card(pdf, fields, x, y, title) -> None:
    width, height = CARD
    pdf.setLineWidth(0.6)
    pdf.roundRect(x, y, width, height, 2.5 * mm)
    pdf.setFont("RawFont", 7)
    pdf.drawCentredString(x + width / 2, y + height - 4.2 * mm, title)
    if not fields:
        return
    top = y + height - 6 * mm
    row = (height - 8 * mm) / len(fields)
    pdf.setLineWidth(0.4)
    pdf.rect(x + 2 * mm, top - row * len(fields), width - 4 * mm, row * len(fields))
    pdf.line(x + 22 * mm, top, x + 22 * mm, top - row * len(fields))
    for index, field in enumerate(fields):
        line = top - row * (index + 1)
        pdf.line(x + 2 * mm, line, x + width - 2 * mm, line)
        pdf.setFont("RawFont", 4.8)
        pdf.drawString(x + 3 * mm, line + row * 0.3, field.label)
        pdf.setFont("RawFont", 5.6)
        pdf.drawString(x + 23 * mm, line + row * 0.3, field.value)
