"""Merged print files: the documents' pages, in order, in one PDF, as a PDF reader and poppler read them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader, PdfWriter

from nhi_documents.adapters.fonts import find_fallback_fonts, find_font
from nhi_documents.adapters.print_files import MergedPdfFiles, merge_plain
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
ADDRESS = Address("399-0101", "みどり市若葉町2丁目3番5号", "")
PRINTING = documents.Printing(
    layout.Issuer("139998", "みどり市", "みどり県みどり市若葉町1丁目1番1号", "みどり市長之印")
)
KINDS = ("eligibility_certificate", "qualification_notice", "elderly_recipient_certificate")
POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdftoppm"))


def _document(renderer: PdfRenderer, kind: str, name: str) -> bytes:
    person = PersonInfo("900000001", "H1", name, "タカサキ　タロウ", D(1954, 5, 2), "1", ADDRESS)
    qualification = QualificationInfo(
        "900000001", DAY, True, "139998", "みどり", "1234567", "01", D(2020, 4, 1), None, "move_in", ""
    )
    due = CertificatesDue("900000001", DAY, tuple(CertificateDue(k, "900000001", DAY, D(2026, 7, 31)) for k in KINDS))
    household = HouseholdInfo("H1", "900000001", "みどり", "1234567", ADDRESS, (person,))
    share = ShareInfo("900000001", True, 30, "現役並みⅠ", as_of=DAY)
    facts = documents.PersonFacts(person, qualification, household, name, due, share)
    spec = kinds.KINDS[kind]
    model = documents.person_document(
        spec, facts, PRINTING, day=DAY, created_at=dt.datetime.now(dt.timezone.utc), options={}, number="R7-1"
    )
    return renderer.render(dataclasses.replace(model))


@pytest.fixture(scope="module")
def pdfs() -> list[bytes]:
    renderer = PdfRenderer(find_font(None), find_fallback_fonts(None))
    return [_document(renderer, kind, f"髙﨑　{name}") for kind, name in zip(KINDS * 2, "一二三四五六", strict=False)]


def _pypdf_merge(contents: list[bytes]) -> bytes:
    writer = PdfWriter()
    for content in contents:
        writer.append(PdfReader(io.BytesIO(content)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_the_merged_file_has_every_page_in_order_and_counts_its_sheets(pdfs, tmp_path):
    merged, sheets = merge_plain(pdfs)
    expected = [len(PdfReader(io.BytesIO(p)).pages) for p in pdfs]
    assert sheets == sum(expected) == len(PdfReader(io.BytesIO(merged), strict=True).pages)
    assert [MergedPdfFiles(tmp_path).sheets(p) for p in pdfs] == expected
    # counted from the page tree without parsing the document: also a merged file and one pypdf wrote
    assert MergedPdfFiles(tmp_path).sheets(merged) == sum(expected)
    assert MergedPdfFiles(tmp_path).sheets(_pypdf_merge(pdfs[:2])) == sum(expected[:2])
    written = MergedPdfFiles(tmp_path).write("job-1", [pdfs[:3], pdfs[3:]], {})
    assert [f["sheets"] for f in written] == [sum(expected[:3]), sum(expected[3:])]
    assert (tmp_path / "job-1" / "print-0002.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")
def test_poppler_reads_and_draws_the_merge_as_pypdf_merging_the_same_documents(pdfs, tmp_path):
    ours, theirs = tmp_path / "ours.pdf", tmp_path / "theirs.pdf"
    ours.write_bytes(merge_plain(pdfs)[0])
    theirs.write_bytes(_pypdf_merge(pdfs))

    def text(path) -> str:
        return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True).stdout

    assert text(ours) == text(theirs)
    assert all(f"髙﨑{n}".encode() in b"".join(text(ours).split()) for n in "一二三四五六")
    for path in (ours, theirs):
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(path.with_suffix(""))], check=True)
    pages = sorted(tmp_path.glob("ours-*.png"))
    assert len(pages) == sum(len(PdfReader(io.BytesIO(p)).pages) for p in pdfs)
    for page in pages:
        assert page.read_bytes() == (tmp_path / page.name.replace("ours", "theirs")).read_bytes()


def test_a_document_of_another_shape_is_still_merged(pdfs, tmp_path):
    reshaped = _pypdf_merge(pdfs[:2])  # written by pypdf, not by this service's renderer
    written = MergedPdfFiles(tmp_path).write("job-2", [[pdfs[0], reshaped]], {})
    expected = len(PdfReader(io.BytesIO(pdfs[0])).pages) + len(PdfReader(io.BytesIO(reshaped)).pages)
    assert written[0]["sheets"] == expected
    assert len(PdfReader(tmp_path / "job-2" / "print-0001.pdf").pages) == expected


def test_the_font_program_of_a_templates_wording_is_written_once_for_all_its_certificates(pdfs):
    """Two 資格確認書 for different persons (髙﨑　一, 髙﨑　四) share the font subset of the template's wording: the
    merged file holds it once, referred to by both; each keeps the subset of its own name's characters."""
    first, second = pdfs[0], pdfs[3]
    merged, _sheets = merge_plain([first, second])
    programs = []  # per document: base font name -> the object number of its font program
    pages = PdfReader(io.BytesIO(merged), strict=True).pages
    for page in (pages[0], pages[2]):  # the front of each postcard
        fonts = {}
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font["/FontDescriptor"].get_object().raw_get("/FontFile2").idnum
        programs.append(fonts)
    assert programs[0]["/AAAAAA+IPAexGothic"] == programs[1]["/AAAAAA+IPAexGothic"]
    assert programs[0]["/AAAAAB+IPAexGothic"] != programs[1]["/AAAAAB+IPAexGothic"]
    shared = PdfReader(io.BytesIO(first)).pages[0]["/Resources"]["/Font"]
    wording = next(f.get_object() for f in shared.values() if f.get_object()["/BaseFont"] == "/AAAAAA+IPAexGothic")
    program_size = len(wording["/FontDescriptor"]["/FontFile2"].get_object().get_data())
    assert len(merged) < len(first) + len(second) - program_size / 2  # the compressed program is not there twice
