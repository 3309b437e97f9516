"""What a document prints, independent of how it is drawn: fields, the reverse, notes, the recipient, a table."""

from __future__ import annotations

import dataclasses
import datetime as dt

from .model import Reason

# The paper a document is drawn on; the renderer knows their sizes.
CARD_ON_POSTCARD = "postcard"  # a card-size certificate printed on a postcard; the reverse on the back
CARD_ON_A4_CARRIER = "a4_carrier"  # the card on an A4 carrier sheet, the address behind an envelope window
A4_WITH_CARD_CUTOUT = "a4_cutout"  # A4 with a card-size part to cut out (資格情報のお知らせ)
A4_FORM = "a4_form"  # an A4 certificate, slip or application form
A4_LIST = "a4_list"  # a landscape A4 list, paged


@dataclasses.dataclass(frozen=True)
class Field:
    """One printed row; `source` names the person's data it comes from (name, address, ...) when it does."""

    label: str
    value: str
    source: str = ""
    furigana: str = ""
    emphasis: bool = False


@dataclasses.dataclass(frozen=True)
class Recipient:
    """The address block of a mailed document (window envelope, postcard)."""

    postal_code: str
    address: str
    name: str


@dataclasses.dataclass(frozen=True)
class Issuer:
    """Who issues the document: 保険者番号, 保険者名称, 所在地 and the text of the seal (公印)."""

    insurer_number: str
    name: str
    address: str
    seal: str


@dataclasses.dataclass(frozen=True)
class Table:
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclasses.dataclass(frozen=True)
class DocumentModel:
    """Everything printed on one document of a kind (never a My Number)."""

    kind: str
    title: str
    paper: str
    issuer: Issuer
    issued_on: dt.date
    created_at: dt.datetime  # the moment of rendering, written into the PDF's metadata
    person_id: str = ""
    household_id: str = ""
    fields: tuple[Field, ...] = ()
    card: tuple[Field, ...] = ()  # the card-size part (the card itself, or the cut-out of a notice)
    reverse: tuple[Field, ...] = ()  # 裏面 / 備考 section
    notes: tuple[str, ...] = ()  # 注意事項
    recipient: Recipient | None = None
    table: Table | None = None
    remarks: tuple[str, ...] = ()  # sentences printed under the title (e.g. a list whose source is not connected)
    valid_until: dt.date | None = None
    number: str | None = None  # 交付番号 of a certificate
    reasons: tuple[Reason, ...] = ()

    def texts(self) -> list[tuple[str, str]]:
        """Every printed text with the source it comes from ('' for the document's own wording)."""
        out = [("", self.title), ("", self.issuer.name), ("", self.issuer.address), ("", self.issuer.seal)]
        for field in (*self.fields, *self.card, *self.reverse):
            out += [("", field.label), (field.source, field.value), (field.source, field.furigana)]
        out += [("", note) for note in (*self.notes, *self.remarks)]
        if self.recipient is not None:
            out += [("address", self.recipient.address), ("name", self.recipient.name)]
        if self.table is not None:
            out += [("", heading) for heading in self.table.headings]
            out += [(f"rows[{i}]", value) for i, row in enumerate(self.table.rows) for value in row]
        return [(source, text) for source, text in out if text]
