"""PDF rendering with reportlab: embedded TrueType fonts only (a fallback font per run of characters the primary font
lacks), every text fitted to its box (smaller, then wrapped, else refused), metadata with the real creation date.
The pages are drawn on a reportlab canvas; the file is written by pdf_file (reportlab's own serialiser only for what
it does not write).

Apart from that date the output is byte-identical for the same input (invariant=1)."""

from __future__ import annotations

import csv as csv_module
import datetime as dt
import io
import pathlib

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from nhi_common.jp import to_cp932, wareki

from ..domain import layout
from ..domain.characters import TextOverflow, UndrawableCharacter, printed_units
from ..domain.layout import DocumentModel, Field
from . import pdf_file
from .fonts import FontSet

JST = dt.timezone(dt.timedelta(hours=9))
CARD = (85.6 * mm, 54 * mm)  # ID-1, the size of a health insurance card
POSTCARD = (100 * mm, 148 * mm)
WINDOW = (20 * mm, 24 * mm, 90 * mm, 45 * mm)  # left, top, width, height of a 長3 window envelope's window
MIN_SIZE = 4.5
LIST_ROWS_PER_PAGE = 24


class PdfRenderer:
    """Draws any DocumentModel; refuses (UndrawableCharacter) a document with a character no font draws."""

    def __init__(
        self, font_path: pathlib.Path, fallback_paths: list[pathlib.Path] = (), *, ivs_base_fallback: bool = False
    ) -> None:
        self.fonts = FontSet(font_path, list(fallback_paths), ivs_base_fallback=ivs_base_fallback)
        self.font = self.fonts.primary

    def check(self, doc: DocumentModel) -> None:
        """UndrawableCharacter naming the person, the field and the character, before anything is drawn."""
        for source, text in doc.texts():
            char = self.fonts.missing(text)
            if char is not None:
                raise UndrawableCharacter(person_id=doc.person_id, field=source, char=char, kind=doc.kind)

    def substituted(self, doc: DocumentModel) -> list[tuple[str, str]]:
        """(source, sequence) of each ideographic variation sequence printed as its base character because no font
        has its variant glyph (only where the municipality allows it), for the document's reasons and the clerk."""
        return [(source, seq) for source, text in doc.texts() for seq in self.fonts.substituted(text)]

    def render(self, doc: DocumentModel) -> bytes:
        self.check(doc)
        buffer = io.BytesIO()
        size = {
            layout.CARD_ON_POSTCARD: POSTCARD,
            layout.A4_LIST: landscape(A4),
        }.get(doc.paper, A4)
        pdf = canvas.Canvas(
            buffer, pagesize=size, invariant=1, pageCompression=1, initialFontName=self.font, initialFontSize=10
        )
        wording = _wording(doc)
        shared = self.fonts.prepare(pdf._doc, wording)  # noqa: SLF001 - the canvas's document, whose fonts it holds
        page = _Page(pdf, self.fonts, doc, wording if shared else None, shared)
        {
            layout.CARD_ON_POSTCARD: page.postcard,
            layout.CARD_ON_A4_CARRIER: page.a4_carrier,
            layout.A4_WITH_CARD_CUTOUT: page.notice,
            layout.A4_FORM: page.form,
            layout.A4_LIST: page.table,
        }[doc.paper]()
        created = doc.created_at.astimezone(JST)
        written = pdf_file.write(pdf, title=doc.title, author=doc.issuer.name, subject=doc.title, created=created)
        if written is not None:
            return written
        _metadata(pdf, doc)  # what pdf_file does not write, reportlab does
        pdf.save()
        return buffer.getvalue()

    def csv(self, doc: DocumentModel, encoding: str) -> tuple[bytes, int]:
        """The list's headings and rows as CSV: UTF-8 with a BOM, or CP932 with 〓 for what it cannot carry."""
        assert doc.table is not None, doc.kind
        buffer = io.StringIO(newline="")
        writer = csv_module.writer(buffer, lineterminator="\r\n")
        writer.writerow(doc.table.headings)
        writer.writerows(doc.table.rows)
        text = buffer.getvalue()
        if encoding == "cp932":
            return to_cp932(text)
        return "\ufeff".encode() + text.encode("utf-8"), 0


# The renderer's own words on each paper, drawn beside the template's (see `_wording`).
_ISSUER_BLOCK = "保険者番号　保険者名称所在地"
RENDERER_WORDING = {
    layout.CARD_ON_POSTCARD: "〒交付番号 （裏面）注意事項・（保険者番号 ）",
    layout.CARD_ON_A4_CARRIER: "〒の送付について（裏面）交付番号 　点線に沿って切り取ってお使いください。注意事項・"
    + _ISSUER_BLOCK,
    layout.A4_WITH_CARD_CUTOUT: "〒交付年月日　注意事項・切り取り線　（マイナ保険証とあわせてお持ちください）（裏面）"
    + _ISSUER_BLOCK,
    layout.A4_FORM: "作成日　注意事項・" + _ISSUER_BLOCK,
    layout.A4_LIST: "作成日　 / 頁（保険者番号 ）",
}


def _wording(doc: DocumentModel) -> str:
    """The characters every document of the template prints whoever it is for (title, labels, notes, the issuer),
    each once in the order met: they get the primary font's first codes, so that the font subsets holding them are
    the same in each document of a renewal (FontSet.prepare)."""
    issuer = doc.issuer
    texts = [doc.title, RENDERER_WORDING.get(doc.paper, ""), issuer.name]
    if doc.paper == layout.A4_LIST:
        texts += [*doc.remarks, *(doc.table.headings if doc.table is not None else ())]
    else:
        if doc.paper != layout.CARD_ON_POSTCARD:
            texts += [issuer.address, issuer.seal]
        texts += [field.label for field in (*doc.fields, *doc.card, *doc.reverse)]
        texts += doc.notes
    key = tuple(texts)
    found = _WORDINGS.get(key)
    if found is None:
        if len(_WORDINGS) >= 1024:
            _WORDINGS.clear()
        found = _WORDINGS[key] = "".join(dict.fromkeys("".join(texts)))
    return found


_WORDINGS: dict[tuple[str, ...], str] = {}  # a template's texts -> its wording (a handful per process)


def _metadata(pdf: canvas.Canvas, doc: DocumentModel) -> None:
    pdf.setTitle(doc.title)
    pdf.setAuthor(doc.issuer.name)
    pdf.setSubject(doc.title)
    pdf.setCreator("nhi-documents")
    # invariant=1 fixes every date to 2000-01-01; the creation date written is the real one, in Japan time.
    stamp = pdf._doc._timeStamp
    created = doc.created_at.astimezone(JST)
    stamp.YMDhms = created.timetuple()[:6]
    stamp.dhh, stamp.dmm, stamp.tzname = 9, 0, "JST"


class _Page:
    """Drawing primitives on one canvas, every string through the font runs and the fitting."""

    def __init__(
        self,
        pdf: canvas.Canvas,
        fonts: FontSet,
        doc: DocumentModel,
        wording: str | None = None,
        shared: frozenset[str] = frozenset(),
    ) -> None:
        self.pdf, self.fonts, self.doc = pdf, fonts, doc
        # A text of the template's shared characters (labels, notes, the issuer: FontSet.prepare) draws the same
        # operators at the same place in every document of the template: drawn once, then copied.
        self.wording, self.shared = wording, shared

    # ----- text -----

    def text(self, x: float, y: float, text: str, size: float, *, align: str = "left") -> None:
        code = self.pdf._code  # noqa: SLF001 - the page operators of the canvas, which this class draws
        key = None
        if self.wording is not None and self.shared.issuperset(text):
            key = (self.wording, x, y, text, size, align)
            found = self.fonts.drawn.get(key)
            if found is not None:
                code.append(found)
                return
        width = self.fonts.width(text, size)
        x = {"left": x, "right": x - width, "center": x - width / 2}[align]
        operators = self.fonts.operators(self.pdf._doc, x, y, text, size)  # noqa: SLF001 - whose subsets it uses
        if operators:
            code.append(operators)
        if key is not None:
            self.fonts.drawn[key] = operators

    def fitted(
        self, text: str, size: float, room: float, height: float, source: str = "", minimum: float = MIN_SIZE
    ) -> tuple[float, list[str]]:
        """The largest size (then the fewest lines) at which `text` fits `room` × `height`; TextOverflow if none."""
        if self.fonts.width(text, size) <= room and size * 1.15 <= height + 0.01:
            return size, [text]  # what the loop below finds first, without wrapping character by character
        key = (text, size, room, height, minimum)
        found = self.fonts.fitted.get(key)
        if found is None:  # a note or label wraps the same way on every document: wrapped once
            found = self.fonts.fitted[key] = self._fit(text, size, room, height, minimum)
        if not found:
            raise TextOverflow(person_id=self.doc.person_id, field=source or "text", kind=self.doc.kind)
        return found[0], list(found[1])

    def _fit(self, text: str, size: float, room: float, height: float, minimum: float) -> tuple:
        """(size, lines) of `fitted`, or () when the text does not fit."""
        while size >= minimum:
            # at most 3 lines, the fewest at this size: the greedy wrap (one wrap, not one per count of lines)
            lines = self._wrap(text, size, room, 3)
            if lines is not None and len(lines) * size * 1.15 <= height + 0.01:
                return size, tuple(lines)
            size -= 0.25
        return ()

    def _wrap(self, text: str, size: float, room: float, count: int) -> list[str] | None:
        lines, current, width = [], "", 0.0
        for char in printed_units(text):  # a variation selector stays with its base character
            char_width = self.fonts.width(char, size)
            if width + char_width > room:
                lines.append(current)
                current, width = char, char_width
            else:
                current += char
                width += char_width
        lines.append(current)
        return lines if len(lines) <= count else None

    def box_text(
        self,
        x: float,
        y: float,
        width: float,
        height: float,
        text: str,
        size: float,
        source: str = "",
        minimum=MIN_SIZE,
    ) -> None:
        """`text` inside the box whose lower-left corner is (x, y), vertically centred."""
        size, lines = self.fitted(text, size, width, height, source, minimum)
        top = y + height / 2 + len(lines) * size * 1.15 / 2 - size
        for index, line in enumerate(lines):
            self.text(x, top - index * size * 1.15, line, size)

    # ----- blocks -----

    def rows(self, fields: tuple[Field, ...], x: float, top: float, width: float, row: float, label: float, size):
        """A ruled table of label / value rows from `top` down; returns the bottom."""
        pdf = self.pdf
        pdf.setLineWidth(0.4)
        bottom = top - row * len(fields)
        pdf.rect(x, bottom, width, top - bottom)
        pdf.line(x + label, top, x + label, bottom)
        for index, field in enumerate(fields):
            y = top - row * (index + 1)
            if index:
                pdf.line(x, y + row, x + width, y + row)
            self.box_text(x + 1 * mm, y, label - 2 * mm, row, field.label, size * 0.85)
            value_height = row
            if field.furigana:
                value_height = row * 0.62
                furigana = (x + label + 1 * mm, y + value_height, width - label - 2 * mm, row * 0.38)
                self.box_text(*furigana, field.furigana, size * 0.6, field.source, minimum=2.5)
            value_size = size * 1.25 if field.emphasis else size
            self.box_text(
                x + label + 1 * mm, y, width - label - 2 * mm, value_height, field.value, value_size, field.source
            )
        return bottom

    def card(self, fields: tuple[Field, ...], x: float, y: float, title: str, *, dashed: bool = False) -> None:
        """A card-size box (85.6 × 54 mm) with its lower-left corner at (x, y)."""
        width, height = CARD
        pdf = self.pdf
        pdf.setLineWidth(0.6)
        if dashed:
            pdf.setDash(3, 2)
        pdf.roundRect(x, y, width, height, 2.5 * mm)
        pdf.setDash()
        self.text(x + width / 2, y + height - 4.2 * mm, title, 7, align="center")
        if fields:
            room = height - 6 * mm - 2 * mm
            self.rows(fields, x + 2 * mm, y + height - 6 * mm, width - 4 * mm, room / len(fields), 20 * mm, 5.6)

    def issuer(self, x: float, y: float, *, seal: bool = True) -> None:
        issuer = self.doc.issuer
        self.text(x, y, f"保険者番号　{issuer.insurer_number}　　保険者名称　{issuer.name}", 8)
        self.text(x, y - 4.5 * mm, f"所在地　{issuer.address}", 8)
        if seal and issuer.seal:
            side = 16 * mm
            self.pdf.setLineWidth(0.8)
            self.pdf.rect(x + 140 * mm, y - 10 * mm, side, side)
            self.box_text(x + 141 * mm, y - 10 * mm, side - 2 * mm, side, issuer.seal, 9)

    def recipient(self, x: float, top: float, width: float, height: float) -> None:
        found = self.doc.recipient
        if found is None:
            return
        line = height / 4
        self.box_text(x, top - line, width, line, f"〒{found.postal_code}", 9)
        self.box_text(x, top - 3 * line, width, 2 * line, found.address, 10, "address")
        self.box_text(x, top - 4 * line, width, line, found.name, 11, "name")

    def notes(self, x: float, y: float, width: float, size: float = 7.5) -> float:
        if not self.doc.notes:
            return y
        self.text(x, y, "注意事項", size)
        for note in self.doc.notes:
            y -= size * 1.6
            self.box_text(x + 2 * mm, y - size * 0.4, width - 2 * mm, size * 1.5, f"・{note}", size)
        return y

    # ----- papers -----

    def postcard(self) -> None:
        """Front of the postcard: the recipient, then the card; the back: the card's reverse and the notes."""
        doc, pdf = self.doc, self.pdf
        width, height = POSTCARD
        self.recipient(10 * mm, height - 10 * mm, width - 20 * mm, 32 * mm)
        x = (width - CARD[0]) / 2
        self.card(doc.card, x, height - 52 * mm - CARD[1], doc.title)
        self.text(x, height - 52 * mm - CARD[1] - 5 * mm, f"交付番号 {doc.number or ''}", 6)
        pdf.showPage()
        self.card(doc.reverse, x, height - 10 * mm - CARD[1], "（裏面）")
        self.notes(x, height - 20 * mm - CARD[1], CARD[0], 6)
        self.text(x, 12 * mm, f"{doc.issuer.name}（保険者番号 {doc.issuer.insurer_number}）", 6)
        pdf.showPage()

    def a4_carrier(self) -> None:
        """The address behind the envelope window, the card front and back side by side to cut out, the notes."""
        doc, pdf = self.doc, self.pdf
        width, height = A4
        left, top, box_w, box_h = WINDOW
        self.recipient(left, height - top, box_w, box_h)
        self.text(width - 20 * mm, height - 30 * mm, doc.title + "の送付について", 11, align="right")
        y = height - 120 * mm
        self.card(doc.card, 20 * mm, y, doc.title, dashed=True)
        self.card(doc.reverse, 20 * mm + CARD[0] + 8 * mm, y, "（裏面）", dashed=True)
        self.text(20 * mm, y - 5 * mm, f"交付番号 {doc.number or ''}　点線に沿って切り取ってお使いください。", 7)
        self.notes(20 * mm, y - 15 * mm, width - 40 * mm, 8)
        self.issuer(20 * mm, 30 * mm)
        pdf.showPage()

    def notice(self) -> None:
        """資格情報のお知らせ: the letter on A4 and, at the bottom, the same facts on a card to cut out."""
        doc, pdf = self.doc, self.pdf
        width, height = A4
        left, top, box_w, box_h = WINDOW
        self.recipient(left, height - top, box_w, box_h)
        self.text(width / 2, height - 80 * mm, doc.title, 16, align="center")
        self.text(width - 20 * mm, height - 88 * mm, f"交付年月日　{_field(doc, '交付年月日')}", 9, align="right")
        bottom = self.rows(doc.fields, 20 * mm, height - 95 * mm, width - 40 * mm, 8 * mm, 45 * mm, 10)
        y = self.notes(20 * mm, bottom - 8 * mm, width - 40 * mm, 8.5)
        self.issuer(20 * mm, y - 12 * mm)
        self.text(20 * mm, 12 * mm + CARD[1] + 3 * mm, "切り取り線　（マイナ保険証とあわせてお持ちください）", 7)
        self.card(doc.card, (width - CARD[0]) / 2, 10 * mm, doc.title, dashed=True)
        if doc.reverse:
            self.card(doc.reverse, (width - CARD[0]) / 2 + CARD[0] + 4 * mm, 10 * mm, "（裏面）", dashed=True)
        pdf.showPage()

    def form(self) -> None:
        doc, pdf = self.doc, self.pdf
        width, height = A4
        self.text(width / 2, height - 25 * mm, doc.title, 16, align="center")
        self.text(width - 20 * mm, height - 33 * mm, f"作成日　{wareki(doc.issued_on)}", 9, align="right")
        bottom = self.rows(doc.fields, 20 * mm, height - 40 * mm, width - 40 * mm, 10 * mm, 55 * mm, 10.5)
        self.notes(20 * mm, bottom - 10 * mm, width - 40 * mm, 8.5)
        self.issuer(20 * mm, 35 * mm)
        pdf.showPage()

    def table(self) -> None:
        """The list, paged, with its headings on every page and the page number."""
        doc, pdf = self.doc, self.pdf
        width, height = landscape(A4)
        table = doc.table
        assert table is not None
        pages = [table.rows[i : i + LIST_ROWS_PER_PAGE] for i in range(0, len(table.rows), LIST_ROWS_PER_PAGE)]
        pages = pages or [()]
        column = (width - 20 * mm) / len(table.headings)
        row = 6.5 * mm
        for number, rows in enumerate(pages, start=1):
            self.text(width / 2, height - 15 * mm, doc.title, 14, align="center")
            self.text(width - 10 * mm, height - 15 * mm, f"作成日　{wareki(doc.issued_on)}", 8, align="right")
            self.text(width - 10 * mm, 8 * mm, f"{number} / {len(pages)} 頁", 8, align="right")
            self.text(10 * mm, 8 * mm, f"{doc.issuer.name}（保険者番号 {doc.issuer.insurer_number}）", 8)
            y = height - 22 * mm
            for remark in doc.remarks:
                self.text(10 * mm, y, remark, 9)
                y -= 5 * mm
            top = y - 2 * mm
            for index, cells in enumerate([table.headings, *rows]):
                line_y = top - row * (index + 1)
                pdf.setLineWidth(0.3)
                pdf.rect(10 * mm, line_y, width - 20 * mm, row)
                for col, cell in enumerate(cells):
                    source = "" if index == 0 else f"rows[{(number - 1) * LIST_ROWS_PER_PAGE + index - 1}]"
                    self.box_text(10 * mm + col * column + 1 * mm, line_y, column - 2 * mm, row, cell, 8, source)
            pdf.showPage()


def _field(doc: DocumentModel, label: str) -> str:
    return next((f.value for f in doc.fields if f.label == label), "")
