"""PDF rendering with reportlab: embedded TrueType font, byte-identical output for the same input (invariant=1)."""

from __future__ import annotations

import io
import pathlib

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from ..domain.certificate import EligibilityCertificate
from .fonts import register_font

CARD_WIDTH = 170 * mm
LABEL_WIDTH = 42 * mm
ROW_HEIGHT = 9 * mm
NOTES = (
    "この確認書は、保険医療機関等で受診する際に提示してください。",
    "有効期限を過ぎたとき、または資格を喪失したときは、速やかに保険者へ返還してください。",
    "不正に使用した者は、刑法により詐欺罪として懲役の処分を受けることがあります。",
)


class PdfRenderer:
    """Renders documents as A4 PDFs in one embedded TrueType font."""

    def __init__(self, font_path: pathlib.Path) -> None:
        self.font = register_font(font_path)

    def eligibility_certificate(self, cert: EligibilityCertificate) -> bytes:
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
        pdf.setTitle(cert.title)
        pdf.setAuthor(cert.insurer_name)
        pdf.setSubject(cert.title)
        pdf.setCreator("nhi-documents")
        width, height = A4
        left = (width - CARD_WIDTH) / 2
        top = height - 25 * mm

        pdf.setFont(self.font, 18)
        pdf.drawCentredString(width / 2, top, cert.title)
        pdf.setFont(self.font, 8)
        pdf.drawRightString(left + CARD_WIDTH, top - 8 * mm, f"交付番号 {cert.certificate_number}")

        rows = cert.fields()
        box_top = top - 12 * mm
        box_height = ROW_HEIGHT * len(rows)
        pdf.setStrokeColor(colors.black)
        pdf.setLineWidth(1)
        pdf.roundRect(left, box_top - box_height, CARD_WIDTH, box_height, 3 * mm)
        pdf.setLineWidth(0.4)
        pdf.line(left + LABEL_WIDTH, box_top, left + LABEL_WIDTH, box_top - box_height)
        for index, field in enumerate(rows):
            y = box_top - ROW_HEIGHT * (index + 1)
            if index:
                pdf.line(left, y + ROW_HEIGHT, left + CARD_WIDTH, y + ROW_HEIGHT)
            baseline = y + 3 * mm
            pdf.setFont(self.font, 9)
            pdf.drawString(left + 3 * mm, baseline, field.label)
            size = 14 if field.label == "氏名" else 10.5
            size = self._fit(field.value, size, CARD_WIDTH - LABEL_WIDTH - 6 * mm)
            pdf.setFont(self.font, size)
            pdf.drawString(left + LABEL_WIDTH + 3 * mm, baseline, field.value)

        pdf.setFont(self.font, 8.5)
        y = box_top - box_height - 10 * mm
        pdf.drawString(left, y, "注意事項")
        for note in NOTES:
            y -= 5.5 * mm
            pdf.drawString(left + 3 * mm, y, f"・{note}")
        pdf.showPage()
        pdf.save()
        return buffer.getvalue()

    def _fit(self, text: str, size: float, room: float) -> float:
        while size > 6 and stringWidth(text, self.font, size) > room:
            size -= 0.5
        return size
