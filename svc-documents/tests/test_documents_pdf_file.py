"""The PDF file of a document as pdf_file writes it (not reportlab's serialiser): a cross-reference table whose
offsets are right, every font embedded, the wording's objects the same bytes in every document of a template, and
what the writer does not know saved by reportlab."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from nhi_documents.adapters import pdf_file
from nhi_documents.adapters.fonts import find_fallback_fonts, find_font
from nhi_documents.adapters.print_files import merge_plain
from nhi_documents.adapters.rendering import PdfRenderer
from nhi_documents.domain import documents, kinds, layout
from nhi_documents.domain.model import (
    Address,
    CertificateDue,
    CertificatesDue,
    HouseholdInfo,
    PersonInfo,
    QualificationInfo,
    ShareInfo,
)

D = dt.date
DAY = D(2025, 8, 1)
NOW = dt.datetime(2025, 8, 1, 1, 2, 3, tzinfo=dt.timezone.utc)
ADDRESS = Address("399-0101", "みどり市若葉町2丁目3番5号", "みどりハイツ201号室")
PRINTING = documents.Printing(
    layout.Issuer("139998", "みどり市", "みどり県みどり市若葉町1丁目1番1号", "みどり市長之印")
)
IPAMJ = "/usr/share/fonts/truetype/ipamj/ipamjm.ttf"
POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdfinfo"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts, pdfinfo) not installed")
PERSON_KINDS = (
    "eligibility_certificate",
    "qualification_notice",
    "elderly_recipient_certificate",
    "burden_category_slip",
)


def facts(name: str = "髙﨑　太郎", person_id: str = "900000001") -> documents.PersonFacts:
    person = PersonInfo(person_id, "H1", name, "タカサキ　タロウ", D(1954, 5, 2), "1", ADDRESS)
    qualification = QualificationInfo(
        person_id, DAY, True, "139998", "みどり", "1234567", "01", D(2020, 4, 1), None, "move_in", ""
    )
    due = CertificatesDue(
        person_id,
        DAY,
        tuple(
            CertificateDue(k, person_id, DAY, D(2026, 7, 31))
            for k in ("eligibility_certificate", "qualification_notice", "elderly_recipient_certificate")
        ),
    )
    household = HouseholdInfo("H1", person_id, "みどり", "1234567", ADDRESS, (person,))
    share = ShareInfo(person_id, True, 30, "現役並みⅠ", as_of=DAY)
    return documents.PersonFacts(person, qualification, household, "髙﨑　一", due, share)


def model(kind: str, f: documents.PersonFacts | None = None, *, options=None):
    spec = kinds.KINDS[kind]
    opts = {**spec.default_options(), **(options or {})}
    return documents.person_document(spec, f or facts(), PRINTING, day=DAY, created_at=NOW, options=opts, number="R7-1")


@pytest.fixture(scope="module")
def renderer() -> PdfRenderer:
    return PdfRenderer(find_font(None), find_fallback_fonts(None))


def list_document(rows: int) -> layout.DocumentModel:
    cells = [{"name": f"髙﨑　太郎{i}", "change_reason": "転入", "event_date": "令和7年8月1日"} for i in range(rows)]
    return documents.list_document(kinds.KINDS["qualification_change_list"], cells, PRINTING, day=DAY, created_at=NOW)


def written(renderer: PdfRenderer) -> dict[str, bytes]:
    """A document of each paper, a list of several pages, and a name drawn from the fallback fonts."""
    out = {kind: renderer.render(model(kind)) for kind in PERSON_KINDS}
    out["a4_carrier"] = renderer.render(model("eligibility_certificate", options={"paper": "a4_carrier"}))
    out["list"] = renderer.render(list_document(60))
    out["fallback"] = renderer.render(model("eligibility_certificate", facts("\U00020bb7野　葛\U000e0100飾")))
    return out


def xref_errors(content: bytes) -> list[str]:
    """What is wrong with the file's one cross-reference table: each in-use entry must give the offset of its own
    object, `startxref` the table's, the trailer's /Size the count of entries."""
    errors = []
    at = int(content[content.rindex(b"startxref") + 9 :].split()[0])
    if not content.startswith(b"xref\n", at):
        return [f"startxref {at} is not the table"]
    lines = content[at:].split(b"\n")
    first, count = (int(v) for v in lines[1].split())
    if first != 0:
        errors.append(f"the table starts at {first}")
    for number in range(count):
        entry = lines[2 + number]
        if len(entry) != 19 or not re.fullmatch(rb"\d{10} \d{5} [nf] ?", entry):
            errors.append(f"entry {number} is {entry!r}")
        elif entry.endswith((b"n ", b"n")) and not content.startswith(b"%d 0 obj" % number, int(entry[:10])):
            errors.append(f"object {number} is not at {int(entry[:10])}")
    size = re.search(rb"/Size (\d+)", content[at:])
    if size is None or int(size.group(1)) != count:
        errors.append(f"/Size {size and size.group(1)} for {count} entries")
    found = {int(n) for n in re.findall(rb"(?m)^(\d+) 0 obj\b", content)}
    if found != set(range(1, count)):
        errors.append(f"objects {sorted(found ^ set(range(1, count)))} are not in the table or not in the file")
    return errors


def test_the_renderer_writes_its_documents_itself(renderer):
    for name, content in written(renderer).items():
        producer = PdfReader(io.BytesIO(content)).metadata.producer
        assert producer == pdf_file.PRODUCER, name  # not reportlab's own serialiser


def test_every_cross_reference_entry_gives_its_objects_offset(renderer):
    for name, content in written(renderer).items():
        assert xref_errors(content) == [], name
        reader = PdfReader(io.BytesIO(content), strict=True)  # a strict reader finds each object where the table says
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                assert font.get_object()["/FontDescriptor"]["/FontFile2"].get_object().get_data(), name


def test_every_font_a_page_draws_with_is_in_its_resources_and_embedded(renderer):
    for name, content in written(renderer).items():
        reader = PdfReader(io.BytesIO(content), strict=True)
        for page in reader.pages:
            fonts = page["/Resources"]["/Font"]
            drawn = set(re.findall(r"(/F\d+\+\d+) [\d.]+ Tf", page.get_contents().get_data().decode("latin-1")))
            assert drawn and drawn <= set(fonts), (name, drawn - set(fonts))
            for font in drawn:
                descriptor = fonts[font].get_object()["/FontDescriptor"]
                assert descriptor["/FontName"] == fonts[font].get_object()["/BaseFont"], name


def test_a_broken_offset_is_seen(renderer):
    """The check above can fail: one offset moved by a byte is reported."""
    content = renderer.render(model("eligibility_certificate"))
    at = int(content[content.rindex(b"startxref") + 9 :].split()[0])
    entry = content.index(b" 00000 n", at) - 10
    moved = content[:entry] + b"%010d" % (int(content[entry : entry + 10]) + 1) + content[entry + 10 :]
    assert xref_errors(moved) == ["object 1 is not at %d" % (int(content[entry : entry + 10]) + 1)]


@needs_poppler
def test_poppler_reads_every_document_without_complaint_and_every_font_is_embedded(renderer, tmp_path):
    for name, content in written(renderer).items():
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(content)
        info = subprocess.run(["pdfinfo", "-isodates", str(path)], capture_output=True, text=True, check=True)
        assert info.stderr == "", (name, info.stderr)  # poppler reports a broken xref table here
        assert "2025-08-01T10:02:03+09" in info.stdout  # the real creation date, in Japan time
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
        lines = fonts.stdout.splitlines()[2:]
        assert lines and all(line.split()[-5] == "yes" for line in lines), (name, fonts.stdout)
        assert fonts.stderr == ""
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True).stdout
        assert "みどり市" in text, name
    fallback = subprocess.run(["pdffonts", str(tmp_path / "fallback.pdf")], capture_output=True, text=True).stdout
    if find_fallback_fonts(None) and IPAMJ in map(str, find_fallback_fonts(None)):
        assert "IPAmjMincho" in fallback


def test_the_title_and_issuer_come_back_from_the_metadata(renderer):
    doc = model("qualification_notice")
    reader = PdfReader(io.BytesIO(renderer.render(doc)))
    assert reader.metadata.title == doc.title and "資格情報のお知らせ" in doc.title
    assert reader.metadata.author == "みどり市"
    assert reader.metadata.creation_date == NOW


def test_the_wordings_objects_are_the_same_bytes_in_every_certificate_and_each_is_standalone(renderer):
    first = renderer.render(model("eligibility_certificate", facts("佐藤　花子", "900000011")))
    second = renderer.render(model("eligibility_certificate", facts("鈴木　次郎", "900000012")))
    streams = [set(re.findall(rb"(?s)\d+ 0 obj\n(<<[^>]*/Length1 .*?endstream)", c)) for c in (first, second)]
    assert streams[0] & streams[1]  # the wording's font program, copied
    assert streams[0] - streams[1] and streams[1] - streams[0]  # and each name's own
    reader = PdfReader(io.BytesIO(second))
    assert "鈴木" in reader.pages[0].extract_text() and "佐藤" not in reader.pages[0].extract_text()


def test_the_print_file_merge_reads_the_written_documents(renderer):
    contents = [
        renderer.render(model(kind, facts(f"髙﨑　{n}"))) for kind, n in zip(PERSON_KINDS, "一二三四", strict=True)
    ]
    merged = merge_plain(contents)
    assert merged is not None  # the plain shape: no pypdf round trip
    data, sheets = merged
    reader = PdfReader(io.BytesIO(data), strict=True)
    assert sheets == len(reader.pages) == sum(len(PdfReader(io.BytesIO(c)).pages) for c in contents)
    assert xref_errors(data) == []


def test_a_canvas_the_writer_does_not_know_is_left_to_reportlab(renderer):
    pdf = canvas.Canvas(io.BytesIO(), invariant=1)
    pdf.setFont("Helvetica", 10)  # a standard font, not embedded: not what this service draws
    pdf.drawString(10, 10, "x")
    pdf.showPage()
    assert pdf_file.write(pdf, title="t", author="a", subject="s", created=NOW) is None


def test_text_strings_and_dates():
    assert pdf_file.text_string("nhi (1)\\") == b"(nhi \\(1\\)\\\\)"
    assert pdf_file.text_string("資格") == b"<FEFF8CC7683C>"  # U+8CC7 U+683C
    jst = dt.timezone(dt.timedelta(hours=9))
    assert pdf_file.date_string(dt.datetime(2025, 8, 1, 10, 2, 3, tzinfo=jst)) == b"(D:20250801100203+09'00')"


def test_the_same_document_twice_gives_the_same_bytes(renderer):
    doc = model("eligibility_certificate")
    assert renderer.render(doc) == renderer.render(dataclasses.replace(doc))
