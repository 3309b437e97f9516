"""Every kind of document (domain §4) rendered and read back: the Japanese fields with pdftotext, pages that are not
blank with pdftoppm, the fallback font for 𠮷 and IVS with pdffonts, and the refusal of a character no font draws."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import pathlib
import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from fontTools.ttLib import TTFont
from google.protobuf import json_format
from pypdf import PdfReader

from nhi_common import progress
from nhi_common.jp import to_cp932
from nhi_documents.adapters.blobs import FileBlobStore
from nhi_documents.adapters.characters_store import SqlUndrawableLog
from nhi_documents.adapters.fonts import find_fallback_fonts, find_font
from nhi_documents.adapters.jobs_store import SqlJobStore
from nhi_documents.adapters.print_files import MergedPdfFiles
from nhi_documents.adapters.rendering import PdfRenderer
from nhi_documents.adapters.store import SqlDocumentStore, metadata
from nhi_documents.domain import documents, kinds, layout
from nhi_documents.domain.characters import TextOverflow, UndrawableCharacter
from nhi_documents.domain.model import (
    Address,
    CertificateDue,
    CertificatesDue,
    HouseholdInfo,
    PersonInfo,
    QualificationInfo,
    ShareInfo,
    StatusInfo,
)
from nhi_documents.entrypoints.batches_api import to_job
from nhi_documents.service_layer.job_ports import InsuredPerson
from nhi_documents.service_layer.jobs import DocumentJobs
from nhi_documents.service_layer.services import DocumentService

D = dt.date
DAY = D(2025, 8, 1)  # 令和7年8月1日
NOW = dt.datetime(2025, 8, 1, 1, 2, 3, tzinfo=dt.timezone.utc)
POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdftoppm"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts, pdftoppm) not installed")
IPAMJ = "/usr/share/fonts/truetype/ipamj/ipamjm.ttf"
ADDRESS = Address("399-0101", "みどり市若葉町2丁目3番5号", "みどりハイツ201号室")
ISSUER = layout.Issuer("139998", "みどり市", "みどり県みどり市若葉町1丁目1番1号", "みどり市長之印")
PRINTING = documents.Printing(ISSUER)


def person(**changes) -> PersonInfo:
    base = PersonInfo("900000001", "H1", "髙﨑　太郎", "タカサキ　タロウ", D(1954, 5, 2), "1", ADDRESS)
    return dataclasses.replace(base, **changes)


QUAL = QualificationInfo(
    "900000001", DAY, True, "139998", "みどり", "1234567", "01", D(2020, 4, 1), None, "move_in", ""
)
DUE = CertificatesDue(
    "900000001",
    DAY,
    tuple(
        CertificateDue(kind, "900000001", D(2025, 8, 1), D(2026, 7, 31))
        for kind in ("eligibility_certificate", "qualification_notice", "elderly_recipient_certificate")
    ),
)


def facts(p: PersonInfo | None = None, share: ShareInfo | None = None, **changes) -> documents.PersonFacts:
    p = p or person()
    household = HouseholdInfo("H1", p.person_id, "みどり", "1234567", ADDRESS, (p,))
    share = share or ShareInfo(p.person_id, True, 30, "現役並みⅠ", as_of=DAY)
    return dataclasses.replace(documents.PersonFacts(p, QUAL, household, "髙﨑　一", DUE, share), **changes)


@pytest.fixture(scope="module")
def renderer() -> PdfRenderer:
    return PdfRenderer(find_font(None), find_fallback_fonts(None))


def model(kind: str, f: documents.PersonFacts | None = None, *, options=None, rows=()):
    spec = kinds.KINDS[kind]
    if not spec.per_person:
        return documents.list_document(spec, rows, PRINTING, day=DAY, created_at=NOW)
    opts = {**spec.default_options(), **(options or {})}
    if kind == "prenatal_reduction_slip":
        opts.setdefault("expected_on", "2025-10-10")
    return documents.person_document(spec, f or facts(), PRINTING, day=DAY, created_at=NOW, options=opts, number="R7-1")


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pdf_text(content: bytes, tmp_path, *, raw: bool = False) -> str:
    """The text; `raw` keeps the drawing order, so the wrapped lines of one table cell stay together."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return run("pdftotext", *(["-raw"] if raw else []), "-enc", "UTF-8", str(path), "-")


def flat(text: str) -> str:
    """The text without the spaces and line breaks a wrapped box or a layout puts between characters."""
    return "".join(text.split())


# What every kind prints, beyond its title: (Japanese label or value that must come back from the PDF).
PERSON_FIELDS = ("髙﨑", "太郎", "昭和29年5月2日", "記号みどり", "1234567", "令和7年8月1日")
REQUIRED = {
    "eligibility_certificate": (*PERSON_FIELDS, "保険者番号", "139998", "有効期限", "令和8年7月31日", "世帯主"),
    "qualification_notice": (*PERSON_FIELDS, "139998", "3割", "令和8年7月31日", "切り取り線"),
    "elderly_recipient_certificate": (*PERSON_FIELDS, "3割", "発効期日", "令和7年8月1日", "令和8年7月31日"),
    "enrollment_certificate": (*PERSON_FIELDS, "資格取得年月日", "令和2年4月1日", "転入", "証明日", "みどり市長之印"),
    "specific_same_household_slip": (*PERSON_FIELDS, "世帯番号", "後期高齢者医療移行日"),
    "former_dependant_slip": (*PERSON_FIELDS, "旧被扶養者の期間", "令和2年4月1日"),
    "burden_category_slip": (*PERSON_FIELDS, "3割", "現役並みⅠ", "発効日"),
    "prenatal_reduction_slip": (*PERSON_FIELDS, "令和7年10月10日", "単胎", "2025年9月分から2025年12月分まで"),
    "funeral_expense_application": (*PERSON_FIELDS, "死亡年月日", "喪主"),
    "involuntary_unemployment_slip": (*PERSON_FIELDS, "世帯主", "離職年月日", "離職理由コード", "軽減対象期間"),
    "childbirth_lump_sum_application": (*PERSON_FIELDS, "出生年月日", "500,000円", "直接支払制度"),
}
LIST_ROWS = {
    "qualification_change_list": [{"name": "髙﨑　太郎", "change_reason": "転入", "event_date": "令和7年8月1日"}],
    "age75_target_list": [{"name": "髙﨑　花子", "birthday_75": "令和7年9月1日", "burden_ratio": "2割"}],
}


@needs_poppler
@pytest.mark.parametrize("kind", list(kinds.KINDS))
def test_every_kind_reads_back_in_japanese(kind, renderer, tmp_path):
    spec = kinds.KINDS[kind]
    rows = LIST_ROWS.get(kind, [])
    text = flat(pdf_text(renderer.render(model(kind, rows=rows)), tmp_path, raw=not spec.per_person))
    assert flat(spec.title) in text
    if spec.per_person:
        for expected in REQUIRED[kind]:
            assert flat(expected) in text, f"{expected} missing from {kind}"
        assert "懲役" not in text
        return
    for _key, heading in spec.columns:
        assert heading in text
    assert "令和7年8月1日" in text and "139998" in text  # 作成日 and the insurer on every list
    for row in rows:
        assert all(flat(value) in text for value in row.values())
    assert (documents.NOT_CONNECTED in text) == (not spec.source_connected)
    assert (documents.NO_ROWS in text) == (not rows)


def test_every_kind_has_a_code_a_japanese_title_and_formats():
    for code, spec in kinds.KINDS.items():
        assert spec.code == code and code.isascii() and not code.isascii() or spec.title
        assert any("\u3040" <= ch <= "\u9fff" for ch in spec.title), code
        assert spec.formats == (("pdf", "csv") if spec.group == kinds.LIST else ("pdf",))
    assert len(kinds.KINDS) == 18


@needs_poppler
@pytest.mark.parametrize(
    "kind",
    ["eligibility_certificate", "qualification_notice", "funeral_expense_application", "qualification_change_list"],
)
def test_pages_are_not_blank(kind, renderer, tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(renderer.render(model(kind, rows=LIST_ROWS.get(kind, []))))
    run("pdftoppm", "-r", "40", "-gray", str(path), str(tmp_path / "page"))
    pages = sorted(tmp_path.glob("page*.pgm"))
    assert pages
    for page in pages:
        data = page.read_bytes()
        pixels = data[data.index(b"255\n") + 4 :]  # the binary PGM body after its header
        dark = sum(1 for value in pixels if value < 128)
        assert dark > len(pixels) * 0.002, f"{page.name} of {kind} is blank"


@needs_poppler
def test_the_a4_carrier_places_the_address_for_the_window_and_the_postcard_has_a_back(renderer, tmp_path):
    carrier = renderer.render(model("eligibility_certificate", options={"paper": "a4_carrier"}))
    postcard = renderer.render(model("eligibility_certificate"))
    info = {}
    for name, content in (("carrier", carrier), ("postcard", postcard)):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(content)
        info[name] = run("pdfinfo", str(path))
    assert re.search(r"Pages:\s+1\n", info["carrier"]) and "595.276 x 841.89" in info["carrier"]  # A4
    assert re.search(r"Pages:\s+2\n", info["postcard"]) and "283.465 x 419.528" in info["postcard"]  # 100x148mm
    text = flat(pdf_text(carrier, tmp_path))
    assert "〒399-0101" in text and "様" in text and "資格確認書の送付について" in text


@needs_poppler
def test_fonts_are_all_embedded_and_the_metadata_has_the_real_creation_date(renderer, tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(renderer.render(model("eligibility_certificate")))
    fonts = run("pdffonts", str(path)).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # the emb column
    info = run("pdfinfo", "-isodates", str(path))
    assert "2025-08-01T10:02:03+09" in info  # NOW in Japan time, not reportlab's invariant 2000-01-01
    assert "国民健康保険 資格確認書" in info


@needs_poppler
def test_characters_ipaex_lacks_are_drawn_from_ipamj_mincho(renderer, tmp_path):
    name = "\U00020bb7野　髙﨑　葛\U000e0100飾"  # 𠮷 (U+20BB7), 髙, 﨑, and 葛 with the IVS selector U+E0100
    content = renderer.render(model("eligibility_certificate", facts(person(name_kanji=name))))
    text = pdf_text(content, tmp_path)
    # the variant glyph is drawn and reads back as the sequence (test_documents_ivs checks the glyphs themselves)
    assert "\U00020bb7野" in text and "髙﨑" in text and "葛\U000e0100飾" in text
    (tmp_path / "doc.pdf").write_bytes(content)
    fonts = run("pdffonts", str(tmp_path / "doc.pdf"))
    mj = [line for line in fonts.splitlines() if "IPAmjMincho" in line]
    assert mj and mj[0].split()[-5] == "yes"


def test_ipamj_is_the_fallback_found_on_this_machine():
    if not shutil.os.path.exists(IPAMJ):
        pytest.skip("fonts-ipamj-mincho is not installed")
    assert str(IPAMJ) in [str(p) for p in find_fallback_fonts(None)]


def test_a_character_no_font_draws_names_the_person_the_field_and_the_character(renderer):
    with pytest.raises(UndrawableCharacter) as refused:
        renderer.render(model("eligibility_certificate", facts(person(name_kanji="髙﨑　\U000f0000郎"))))
    error = refused.value
    assert error.code == "UNDRAWABLE_CHARACTER" and error.rule == "STD-文字"
    assert error.field == "name" and error.metadata["character"] == "U+F0000"
    assert error.metadata["person_id"] == "900000001"


@needs_poppler
def test_a_very_long_address_shrinks_or_wraps_and_comes_back_whole(renderer, tmp_path):
    long_address = "みどり県みどり市大字若葉町字東山田二丁目三番地の五十六" * 2
    p = person(address=Address("399-0101", long_address, "みどりハイツ第二別館西棟1201号室"))
    for kind in ("eligibility_certificate", "enrollment_certificate"):
        text = flat(pdf_text(renderer.render(model(kind, facts(p))), tmp_path))
        assert flat(long_address) in text, kind


def test_an_address_that_cannot_fit_is_refused_not_cut(renderer):
    p = person(address=Address("399-0101", "若葉町" * 200))
    with pytest.raises(TextOverflow) as refused:
        renderer.render(model("eligibility_certificate", facts(p)))
    assert refused.value.field == "address"
    # the same address for another person (a wrapping already tried is not tried again) is refused naming that one
    with pytest.raises(TextOverflow) as again:
        renderer.render(model("eligibility_certificate", facts(dataclasses.replace(p, person_id="900000002"))))
    assert again.value.field == "address" and again.value.metadata["person_id"] == "900000002"


def _font_programs(content: bytes) -> dict[str, bytes]:
    """The embedded font programs of a PDF by their subset's base font name."""
    out = {}
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            out[str(font["/BaseFont"])] = font["/FontDescriptor"]["/FontFile2"].get_object().get_data()
    return out


@needs_poppler
def test_certificates_of_one_template_share_the_font_subset_of_its_wording_and_each_stands_alone(renderer, tmp_path):
    """A renewal draws the same labels, notes and issuer on every certificate: the font subset holding them is the
    same bytes in each (made once), the person's own characters are in a subset of their own, and each PDF still
    embeds every glyph it draws and reads back alone."""
    other = person(person_id="900000002", name_kanji="鈴木　一郎", name_kana="スズキ　イチロウ")
    first = renderer.render(model("eligibility_certificate"))
    second = renderer.render(model("eligibility_certificate", facts(other)))
    assert renderer.render(model("eligibility_certificate")) == first  # the same input gives the same bytes
    one, two = _font_programs(first), _font_programs(second)
    assert one["/AAAAAA+IPAexGothic"] == two["/AAAAAA+IPAexGothic"]  # the template's wording
    assert one["/AAAAAB+IPAexGothic"] != two["/AAAAAB+IPAexGothic"]  # 髙﨑　太郎 and 鈴木　一郎
    for content, name in ((first, "髙﨑太郎"), (second, "鈴木一郎")):
        text = flat(pdf_text(content, tmp_path))
        assert name in text and "資格確認書" in text and "保険者番号" in text and "注意事項" in text
        (tmp_path / "doc.pdf").write_bytes(content)
        fonts = run("pdffonts", str(tmp_path / "doc.pdf")).splitlines()[2:]
        assert len(fonts) >= 2 and all(line.split()[-5] == "yes" for line in fonts), fonts
    assert "鈴木" not in flat(pdf_text(first, tmp_path))


@needs_poppler
def test_gender_identity_display_prints_the_used_name_in_front_and_the_registered_one_behind(renderer, tmp_path):
    status = StatusInfo("gender_identity_display", D(2024, 1, 1), None, "髙﨑　みなみ")
    p = person(statuses=(status,))
    text = pdf_text(renderer.render(model("eligibility_certificate", facts(p))), tmp_path)
    front, back = text.split("\f")[0], text.split("\f")[1]
    assert "みなみ" in front and "太郎" not in front and "裏面参照" in front
    assert "戸籍上の氏名" in back and "太郎" in back and "戸籍上の性別" in back and "男" in back
    elderly = flat(pdf_text(renderer.render(model("elderly_recipient_certificate", facts(p))), tmp_path))
    assert "性別" not in elderly  # the 高齢受給者証 has no sex field


@needs_poppler
def test_dv_person_address_is_left_off_what_goes_to_a_third_party(renderer, tmp_path):
    p = person(dv_support=True)
    third_party = flat(pdf_text(renderer.render(model("enrollment_certificate", facts(p))), tmp_path))
    assert "2丁目3番5号" not in third_party and "住所" not in third_party
    own = flat(pdf_text(renderer.render(model("eligibility_certificate", facts(p))), tmp_path))
    assert "若葉町2丁目3番5号" in own  # the person's own certificate still shows it (DV: third parties only)


@needs_poppler
def test_another_members_dv_support_status_leaves_the_household_address_off_what_goes_to_a_third_party(
    renderer, tmp_path
):
    """Rule DV: the address is the household's; a spouse's dv_support status on the day keeps it off the head's
    加入脱退証明書 too, and once the status has ended it is printed again."""
    head = person()

    def with_spouse(status: StatusInfo) -> documents.PersonFacts:
        spouse = person(person_id="900000002", name_kanji="髙﨑　花子", statuses=(status,))
        f = facts(head)
        return dataclasses.replace(f, household=dataclasses.replace(f.household, members=(head, spouse)))

    for kind in (k.code for k in kinds.KINDS.values() if k.third_party):
        under_dv = with_spouse(StatusInfo("dv_support", start=D(2025, 7, 1)))
        text = flat(pdf_text(renderer.render(model(kind, under_dv)), tmp_path))
        assert "2丁目3番5号" not in text and "みどりハイツ" not in text, kind
    enrollment = "enrollment_certificate"
    ended = with_spouse(StatusInfo("dv_support", start=D(2025, 1, 1), end=D(2025, 7, 31)))
    assert "若葉町2丁目3番5号" in flat(pdf_text(renderer.render(model(enrollment, ended)), tmp_path))
    later = with_spouse(StatusInfo("dv_support", start=D(2025, 9, 1)))  # from a day after the issue day
    assert "若葉町2丁目3番5号" in flat(pdf_text(renderer.render(model(enrollment, later)), tmp_path))
    flagged = facts(head)
    flagged = dataclasses.replace(
        flagged,
        household=dataclasses.replace(flagged.household, members=(head, person(person_id="9", dv_support=True))),
    )
    assert "2丁目3番5号" not in flat(pdf_text(renderer.render(model(enrollment, flagged)), tmp_path))


def test_the_share_row_is_blank_under_70_and_printed_by_the_variant_for_70_to_74():
    young = ShareInfo("900000001", False, 0)
    notice = model("qualification_notice", facts(share=young))
    assert next(f for f in notice.card if f.label == "一部負担金の割合").value == ""
    variant = documents.Printing(ISSUER, certificate_prints_share=True)
    spec = kinds.KINDS["eligibility_certificate"]
    f = facts(due=dataclasses.replace(DUE, certificates=DUE.certificates[:1]))
    cert = documents.person_document(spec, f, variant, day=DAY, created_at=NOW, options={}, number=None)
    rows = {field.label: field.value for field in cert.card}
    assert rows["一部負担金の割合"] == "3割"
    # the later of ELDER-START (2024-06-01: born 1954-05-02) and the start of the certificate's validity
    assert rows["発効期日"] == "令和7年8月1日"
    turning_70 = facts(person(birth_date=D(1955, 9, 15)), due=f.due)
    cert = documents.person_document(spec, turning_70, variant, day=DAY, created_at=NOW, options={}, number=None)
    assert {x.label: x.value for x in cert.card}["発効期日"] == "令和7年10月1日"  # ELDER-START after 8/1
    young_cert = documents.person_document(
        spec, dataclasses.replace(f, share=young), variant, day=DAY, created_at=NOW, options={}, number=None
    )
    assert {x.label: x.value for x in young_cert.card}["一部負担金の割合"] == "法定負担割合のとおり"


def test_elder_start_born_on_the_first_is_the_birthday_month():
    assert documents.elder_start(D(1955, 6, 1)) == D(2025, 6, 1)
    assert documents.elder_start(D(1955, 6, 2)) == D(2025, 7, 1)
    assert documents.elder_start(D(1956, 2, 29)) == D(2026, 3, 1)  # reaches 70 at the end of 28 February


@needs_poppler
@pytest.mark.parametrize(("code", "category"), [("11", "特定受給資格者"), ("23", "特定理由離職者")])
def test_the_involuntary_unemployment_slip_prints_the_separation_and_the_months_of_the_reduction(
    code, category, renderer, tmp_path
):
    """非自発的失業者 (SPECIAL-STATUS, domain §3.8): separated on 2025-06-30, the reduction runs from July 2025 (the month
    of the day after) to March 2027 (the end of the next fiscal year), as svc-qualification recorded the period."""
    status = StatusInfo(
        "involuntary_unemployment", D(2025, 7, 1), D(2027, 3, 31), separation_date=D(2025, 6, 30), separation_code=code
    )
    text = flat(
        pdf_text(renderer.render(model("involuntary_unemployment_slip", facts(person(statuses=(status,))))), tmp_path)
    )
    assert "非自発的失業者保険料（税）軽減異動連絡票" in text
    for expected in ("髙﨑", "太郎", "記号みどり", "離職年月日令和7年6月30日", f"離職理由コード{code}", category):
        assert expected in text, expected
    assert "軽減対象期間令和7年7月分から令和9年3月分まで" in text
    assert "雇用保険受給資格者証" in text and "100分の30" in text


def test_prenatal_reduction_covers_4_months_or_6_for_a_multiple_birth():
    assert documents.prenatal_months(D(2025, 10, 10), multiple=False) == (D(2025, 9, 1), D(2025, 12, 1))
    assert documents.prenatal_months(D(2025, 1, 5), multiple=True) == (D(2024, 10, 1), D(2025, 3, 1))


def test_a_list_as_csv_in_cp932_writes_geta_and_counts_it(renderer):
    rows = [{"name": "\U00020bb7野　太郎", "change_reason": "転入"}]
    doc = model("qualification_change_list", rows=rows)
    utf8, none = renderer.csv(doc, "utf-8")
    assert utf8.startswith("\ufeff".encode()) and none == 0 and "\U00020bb7野".encode() in utf8
    cp932, replaced = renderer.csv(doc, "cp932")
    assert replaced == 1 and "〓野".encode("cp932") in cp932 and "資格異動内容確認一覧" not in cp932.decode("cp932")
    assert "処理日" in cp932.decode("cp932")
    assert to_cp932("葛\U000e0100") == ("葛".encode("cp932"), 0)


# ----- through the service: the refusal is recorded for the clerk -----


class FakeQualification:
    """QualificationSource in memory: one person, whatever name a test gives them."""

    def __init__(self, p: PersonInfo) -> None:
        self.p = p

    def get_person(self, person_id, *, operator_id, business_date):
        return self.p

    def get_qualification(self, person_id, *, as_of, operator_id, business_date):
        return QUAL

    def get_household(self, household_id, *, operator_id, business_date):
        return HouseholdInfo("H1", self.p.person_id, "みどり", "1234567", ADDRESS, (self.p,))

    def certificates_due(self, person_id, *, operator_id, business_date):
        return DUE

    def share(self, person_id, household_id, *, as_of, operator_id, business_date):
        return ShareInfo(person_id, True, 20, as_of=as_of)


def service(engine, renderer, p: PersonInfo) -> DocumentService:
    return DocumentService(
        store=SqlDocumentStore(engine),
        qualification=FakeQualification(p),
        renderer=renderer,
        insurer_number="139998",
        municipality_name="みどり市",
        fixed_business_date=DAY,
        undrawable=SqlUndrawableLog(engine),
    )


def test_an_undrawable_name_is_refused_and_listed_for_the_clerk(engine, renderer):
    svc = service(engine, renderer, person(name_kanji="髙﨑　\U000f0000郎"))
    for _ in range(2):
        with pytest.raises(UndrawableCharacter):
            svc.render_document(kind="elderly_recipient_certificate", person_id="900000001", operator_id="clerk-1")
    listed, cursor = svc.list_undrawable_characters()
    assert cursor == "" and len(listed) == 1
    row = listed[0]
    assert (row["person_id"], row["field"], row["character"], row["refusals"]) == ("900000001", "name", "U+F0000", 2)
    assert row["kind"] == "elderly_recipient_certificate" and row["first_seen_at"] <= row["last_seen_at"]
    with engine.connect() as conn:  # nothing half-written: no document, no event, no certificate number
        assert conn.execute(sa.select(sa.func.count()).select_from(metadata.tables["documents"])).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(metadata.tables["outbox"])).scalar() == 0


def test_every_person_kind_is_issued_through_the_service(engine, renderer):
    svc = service(engine, renderer, person())
    for code, spec in kinds.KINDS.items():
        options = {"expected_on": "2025-10-10"} if code == "prenatal_reduction_slip" else {}
        if spec.per_person:
            meta = svc.render_document(kind=code, person_id="900000001", options=options)
        else:
            meta = svc.render_document(
                kind=code, format="csv", options={"encoding": "cp932"}, rows=LIST_ROWS.get(code, [])
            )
        assert meta["kind"] == code and meta["title"] == spec.title
        assert bool(meta["certificate_number"]) == (
            code in {"eligibility_certificate", "qualification_notice", "elderly_recipient_certificate"}
        )


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        ({"kind": "no_such_kind", "person_id": "900000001"}, "kind"),
        ({"kind": "eligibility_certificate", "person_id": "900000001", "format": "csv"}, "format"),
        ({"kind": "eligibility_certificate", "person_id": "900000001", "options": {"paper": "a3"}}, "options.paper"),
        ({"kind": "eligibility_certificate", "person_id": "900000001", "options": {"colour": "red"}}, "options.colour"),
        ({"kind": "qualification_change_list", "person_id": "900000001"}, "person_id"),
        ({"kind": "qualification_change_list", "rows": [{"my_number": "1"}]}, "rows[0]"),
        ({"kind": "prenatal_reduction_slip", "person_id": "900000001"}, "options.expected_on"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(engine, renderer, request_, field):
    from nhi_common.errors import DomainError

    with pytest.raises(DomainError) as refused:
        service(engine, renderer, person()).render_document(**request_)
    assert refused.value.field == field and refused.value.rule


# ----- over gRPC -----


def test_grpc_refuses_an_undrawable_name_and_lists_the_person(documents_service, fake_qualification):
    import grpc

    from nhi.documents.v1 import documents_pb2 as pb
    from nhi.documents.v1 import documents_pb2_grpc
    from nhi_common import rpc

    fake = fake_qualification[0]
    fake.persons["900000001"].name_kanji = "髙﨑　\U000f0000郎"
    stub = documents_pb2_grpc.DocumentServiceStub(grpc.insecure_channel(f"127.0.0.1:{documents_service.port}"))
    request = pb.RenderDocumentRequest(kind="eligibility_certificate", person_id="900000001")
    with pytest.raises(grpc.RpcError) as refused:
        stub.RenderDocument(request, timeout=30)
    fields, info = rpc.unpack_details(rpc.read_status(refused.value))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION and info.reason == "UNDRAWABLE_CHARACTER"
    assert fields[0].field == "name" and fields[0].rule == "STD-文字" and "U+F0000" in fields[0].description
    listed = stub.ListUndrawableCharacters(pb.ListUndrawableCharactersRequest(person_id="900000001"), timeout=10)
    assert [(c.person_id, c.field, c.character, c.refusals) for c in listed.characters] == [
        ("900000001", "name", "U+F0000", 1)
    ]


def test_grpc_renders_a_list_from_its_rows_as_cp932_and_counts_the_replacements(documents_service):
    import grpc

    from nhi.documents.v1 import documents_pb2 as pb
    from nhi.documents.v1 import documents_pb2_grpc

    stub = documents_pb2_grpc.DocumentServiceStub(grpc.insecure_channel(f"127.0.0.1:{documents_service.port}"))
    meta = stub.RenderDocument(
        pb.RenderDocumentRequest(
            kind="age75_target_list",
            format="csv",
            parameters={"encoding": "cp932"},
            rows=[pb.ListRow(cells={"name": "\U00020bb7野　花子", "burden_ratio": "2割"})],
        ),
        timeout=30,
    )
    assert meta.media_type == "text/csv; charset=Shift_JIS" and meta.replaced_characters == 1
    content = stub.GetDocumentContent(pb.GetDocumentRequest(document_id=meta.document_id), timeout=10).content
    assert "〓野　花子".encode("cp932") in content and "75歳到達日".encode("cp932") in content


# ----- ideographic variation sequences (IVS): the variant glyph of 葛󠄂 (U+845B U+E0102, an MJ glyph of IPAmj明朝) and
# 辻󠄀 (U+8FBB U+E0100, IPAex Gothic's) is the glyph embedded in the PDF, beside 𠮷, 髙 and 﨑; the text reads back as the
# sequences; a sequence no font has is refused, or printed as its base character and listed for the clerk where the
# municipality allows it -----

KATSU_MJ = "葛\U000e0102"  # IPAmj明朝 maps it to MJ022335
TSUJI = "辻\U000e0100"  # IPAex Gothic maps it to its one-dot 辻
NOWHERE = "葛\U000e01ef"  # no configured font has this sequence
IVS_NAME = f"\U00020bb7野　髙﨑　{KATSU_MJ}城　{TSUJI}"
needs_ipamj = pytest.mark.skipif(
    not (pathlib.Path(IPAMJ).is_file() and POPPLER), reason="fonts-ipamj-mincho and poppler-utils check the glyphs"
)


def ivs_renderer(*, base_fallback: bool = False) -> PdfRenderer:
    return PdfRenderer(find_font(None), find_fallback_fonts(None), ivs_base_fallback=base_fallback)


def embedded_glyphs(content: bytes) -> dict[str, tuple[str, list, float]]:
    """Every printed text of the PDF (from each embedded font's ToUnicode CMap) -> (the font's name, the outline of
    the glyph the embedded subset draws for it, its advance width in the PDF)."""
    out: dict[str, tuple[str, list, float]] = {}
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/ToUnicode" not in font:
                continue
            cmap = font["/ToUnicode"].get_object().get_data().decode()
            pairs = re.findall(r"<([0-9A-F]{2})> <([0-9A-F]+)>", cmap.split("beginbfchar")[1])
            subset = TTFont(io.BytesIO(font["/FontDescriptor"]["/FontFile2"].get_object().get_data()))
            glyphs = subset["cmap"].tables[0].cmap
            for code, text in pairs:
                if int(code, 16) not in glyphs:  # code 0, .notdef
                    continue
                glyph = subset["glyf"][glyphs[int(code, 16)]]
                out[bytes.fromhex(text).decode("utf-16-be")] = (
                    str(font["/BaseFont"]),
                    list(glyph.getCoordinates(subset["glyf"])[0]),
                    float(font["/Widths"][int(code, 16) - font["/FirstChar"]]),
                )
    return out


def outline(path: str, glyph: str) -> list:
    font = TTFont(path)
    return list(font["glyf"][glyph].getCoordinates(font["glyf"])[0])


def variant_glyph(path: str, base: str, selector: str) -> str:
    font = TTFont(path)
    table = next(t for t in font["cmap"].tables if t.format == 14)
    return dict(table.uvsDict[ord(selector)])[ord(base)]


@needs_ipamj
def test_the_variant_glyphs_are_embedded_and_the_text_reads_back_as_the_sequences(tmp_path):
    content = ivs_renderer().render(model("eligibility_certificate", facts(person(name_kanji=IVS_NAME))))
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True).stdout
    assert "\U00020bb7野" in text and "髙﨑" in text and f"{KATSU_MJ}城" in text and TSUJI in text

    glyphs = embedded_glyphs(content)
    ipaex = str(find_font(None))
    mj_name, mj_outline, mj_width = glyphs[KATSU_MJ]
    assert mj_name.endswith("+IPAmjMincho")
    assert mj_outline == outline(IPAMJ, variant_glyph(IPAMJ, "葛", "\U000e0102")) == outline(IPAMJ, "mj022335")
    default = TTFont(IPAMJ).getBestCmap()[ord("葛")]
    assert mj_outline != outline(IPAMJ, default)  # the MJ variant, not the plain 葛
    tsuji_name, tsuji_outline, tsuji_width = glyphs[TSUJI]
    assert mj_width == tsuji_width == 1000  # a full em, as the base characters: no gap after a variant
    assert tsuji_name.endswith("+IPAexGothic")
    assert tsuji_outline == outline(ipaex, variant_glyph(ipaex, "辻", "\U000e0100"))
    assert tsuji_outline != outline(ipaex, TTFont(ipaex).getBestCmap()[ord("辻")])
    assert glyphs["\U00020bb7"][0].endswith("+IPAmjMincho")  # 𠮷 from the fallback font
    assert glyphs["髙"][0].endswith("+IPAexGothic") and glyphs["﨑"][0].endswith("+IPAexGothic")


@needs_ipamj
def test_a_sequence_no_font_has_is_refused_naming_both_code_points():
    with pytest.raises(UndrawableCharacter) as refused:
        ivs_renderer().render(model("eligibility_certificate", facts(person(name_kanji=f"{NOWHERE}西　太郎"))))
    assert refused.value.field == "name" and refused.value.metadata["character"] == "U+845B U+E01EF"


@needs_ipamj
def test_where_allowed_the_base_character_is_printed_with_a_reason_and_listed_for_the_clerk(engine, tmp_path):
    svc = service(engine, ivs_renderer(base_fallback=True), person(name_kanji=f"{NOWHERE}西　{KATSU_MJ}子"))
    meta = svc.render_document(kind="elderly_recipient_certificate", person_id="900000001", operator_id="clerk-1")
    reasons = [r for r in meta["reasons"] if r["rule_id"] == "STD-文字"]
    assert len(reasons) == 1 and "U+845B U+E01EF" in reasons[0]["summary"]
    # the person heads the household: the name prints twice; the MJ variant that some font has is not listed
    assert reasons[0]["facts"] == {
        "substituted": "U+845B U+E01EF,U+845B U+E01EF",
        "substituted_fields": "name,head_name",
    }
    content = svc.get_document(meta["id"], with_content=True)["content"]
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True).stdout
    assert "葛西" in text and "\U000e01ef" not in text and f"{KATSU_MJ}子" in text
    listed, _cursor = svc.list_undrawable_characters(person_id="900000001")
    assert [(r["field"], r["character"], r["outcome"], r["refusals"]) for r in listed] == [
        ("name", "U+845B U+E01EF", "substituted", 1),
        ("head_name", "U+845B U+E01EF", "substituted", 1),
    ]


class OneInsured:
    """InsuredList in memory: the one person of FakeQualification."""

    def list_insured(self, *, as_of, after, operator_id, business_date, births=(None, None)):
        return ([] if after else [InsuredPerson("900000001", "H1", D(1954, 5, 2), "399-0101")]), ""


@needs_ipamj
def test_the_renewal_notes_and_lists_a_base_character_printed_for_an_ivs_as_the_counter_does(engine, tmp_path):
    """An annual renewal where NHI_PDF_IVS_BASE_FALLBACK lets 葛󠇯 print as 葛: each certificate keeps the STD-文字
    reason, the job's manifest names the documents, and the clerk's list has the sequence with outcome substituted."""
    svc = service(engine, ivs_renderer(base_fallback=True), person(name_kanji=f"{NOWHERE}西　太郎"))
    sent = []
    jobs = DocumentJobs(
        service=svc,
        insured=OneInsured(),
        store=SqlJobStore(engine, FileBlobStore(tmp_path / "blobs")),
        print_files=MergedPdfFiles(tmp_path / "print"),
        dispatch=sent.extend,
    )
    job = jobs.start(kind="annual_renewal", parameters={"date": DAY.isoformat()}, operator_id="batch-1")
    while sent:
        _subject, message = sent.pop(0)
        jobs.handle_message(message.data)

    manifest = jobs.manifest(job["job_id"])
    issued = manifest["counts_per_kind"]
    assert issued == {"eligibility_certificate": 1, "qualification_notice": 1, "elderly_recipient_certificate": 1}
    noted = manifest["substituted"]
    assert sorted(n["kind"] for n in noted) == sorted(issued)
    assert {(n["person_id"], n["substituted"], n["substituted_fields"]) for n in noted} == {
        ("900000001", "U+845B U+E01EF,U+845B U+E01EF", "name,head_name")
    }
    for n in noted:
        reasons = [r for r in svc.get_document(n["document_id"])["reasons"] if r["rule_id"] == "STD-文字"]
        assert len(reasons) == 1 and "葛（U+845B U+E01EF）" in reasons[0]["summary"]
    listed, _cursor = svc.list_undrawable_characters(person_id="900000001")
    assert {(r["field"], r["character"], r["outcome"]) for r in listed} == {
        ("name", "U+845B U+E01EF", "substituted"),
        ("head_name", "U+845B U+E01EF", "substituted"),
    }


def _watched_jobs(engine, renderer, tmp_path, reads, written, sent, **settings):
    from nhi_documents.service_layer.jobs import PrintSettings

    class WatchedStore(SqlJobStore):
        def read_blob(self, relative, offset=None, size=None):
            reads.append("whole" if offset is None else "range")
            return super().read_blob(relative, offset, size)

    class WatchedPrintFiles(MergedPdfFiles):
        def write_one(self, job_id, number, documents):
            written.append((number, len(documents), reads.count("range")))
            return super().write_one(job_id, number, documents)

    return DocumentJobs(
        service=service(engine, renderer, person()),
        insured=OneInsured(),
        store=WatchedStore(engine, FileBlobStore(tmp_path / "blobs")),
        print_files=WatchedPrintFiles(tmp_path / "print"),
        dispatch=sent.extend,
        settings=PrintSettings(**settings),
    )


def test_the_print_files_are_tasks_any_worker_writes_reading_only_their_own_documents(engine, renderer, tmp_path):
    """A city's renewal is many GB of PDF and long to merge: after the last chunk the print run is cut into files
    recorded once, and each file is a message of its own that any worker takes. A file's documents are read (by
    byte range) only when it is written; the sheets were counted as each document was drawn, so cutting the run
    reads no PDF. A redelivered file message writes nothing twice; the worker writing the last file writes the
    manifest."""
    reads: list[str] = []
    written: list[tuple[int, int, int]] = []  # (file number, documents, ranged reads done by then)
    sent: list = []
    workers = [_watched_jobs(engine, renderer, tmp_path, reads, written, sent, max_sheets=1, mailing="person")]
    workers.append(_watched_jobs(engine, renderer, tmp_path, reads, written, sent, max_sheets=1, mailing="person"))
    job = workers[0].start(kind="annual_renewal", parameters={"date": DAY.isoformat()}, operator_id="batch-1")
    handled = 0
    print_messages = []
    while sent:
        _subject, message = sent.pop(0)
        if message.data.get("step") == "print":
            print_messages.append(message)
        workers[handled % 2].handle_message(message.data)  # the two workers take the messages in turn
        handled += 1
    assert [m.data["file_no"] for m in print_messages] == [0, 1, 2]
    assert len({m.id for m in print_messages}) == 3  # de-duplicated by the stream per file, not per job

    manifest = workers[0].manifest(job["job_id"])
    assert manifest["counts_per_kind"] == {
        "eligibility_certificate": 1,
        "qualification_notice": 1,
        "elderly_recipient_certificate": 1,
    }
    assert [f["name"] for f in manifest["files"]] == ["print-0001.pdf", "print-0002.pdf", "print-0003.pdf"]
    assert manifest["totals"]["files"] == 3 and manifest["totals"]["documents"] == 3
    assert reads.count("whole") == 0  # no PDF read back to count its sheets
    # Each file read its own document only: by the time the k-th file was written, k ranged reads had been made.
    assert sorted(written) == [(1, 1, 1), (2, 1, 2), (3, 1, 3)]
    for file in manifest["files"]:
        merged = (tmp_path / "print" / job["job_id"] / file["name"]).read_bytes()
        assert len(PdfReader(io.BytesIO(merged)).pages) == file["sheets"] >= 1
        assert hashlib.sha256(merged).hexdigest() == file["sha256"]

    # A redelivered file message (its worker died before the ack) writes nothing again and keeps the manifest.
    workers[1].handle_message(print_messages[1].data)
    assert len(written) == 3 and workers[1].manifest(job["job_id"]) == manifest
    assert workers[1].get(job["job_id"])["state"] == "succeeded"


def test_items_recorded_without_their_sheets_have_them_counted_from_their_chunk_file(engine, renderer, tmp_path):
    """A job whose items were recorded before the sheets were (migration 0008) is cut into the same print files:
    each chunk's blob file is read once to count them."""
    reads: list[str] = []
    written: list[tuple[int, int, int]] = []
    sent: list = []
    jobs = _watched_jobs(engine, renderer, tmp_path, reads, written, sent, max_sheets=2, mailing="person")
    transaction = jobs.store.transaction

    @contextlib.contextmanager
    def without_sheets():
        with transaction() as tx:
            original = tx.add_items
            tx.add_items = lambda rows: original([{**row, "sheets": None} for row in rows])
            yield tx

    jobs.store.transaction = without_sheets
    job = jobs.start(kind="annual_renewal", parameters={"date": DAY.isoformat()}, operator_id="batch-1")
    while sent:
        _subject, message = sent.pop(0)
        jobs.handle_message(message.data)
    manifest = jobs.manifest(job["job_id"])
    assert reads.count("whole") == 1  # the one chunk's blob file
    assert manifest["totals"]["documents"] == 3 and manifest["totals"]["sheets"] >= 3
    for file in manifest["files"]:
        merged = (tmp_path / "print" / job["job_id"] / file["name"]).read_bytes()
        assert len(PdfReader(io.BytesIO(merged)).pages) == file["sheets"] <= 2


def test_a_worker_dying_between_the_last_print_file_and_the_manifest_is_made_good_by_the_redelivery(
    engine, renderer, tmp_path, monkeypatch
):
    """The last file written and recorded, the worker dies before the manifest: the job stays assembling, and the
    file's message, delivered again, writes the manifest without writing the file again."""
    reads: list[str] = []
    written: list[tuple[int, int, int]] = []
    sent: list = []
    jobs = _watched_jobs(engine, renderer, tmp_path, reads, written, sent, max_sheets=1000, mailing="household")
    job = jobs.start(kind="annual_renewal", parameters={"date": DAY.isoformat()}, operator_id="batch-1")
    dying = {"now": True}
    finish = DocumentJobs._finish_print

    def die_once(self, job_id):
        if dying.pop("now", False):
            raise SystemExit("killed")
        return finish(self, job_id)

    monkeypatch.setattr(DocumentJobs, "_finish_print", die_once)
    last = None
    while sent:
        _subject, message = sent.pop(0)
        try:
            jobs.handle_message(message.data)
        except SystemExit:
            last = message
    assert last is not None and last.data["step"] == "print" and len(written) == 1
    assert jobs.get(job["job_id"])["state"] == "assembling" and not jobs.manifest(job["job_id"])
    jobs.handle_message(last.data)
    assert len(written) == 1  # not written again
    assert jobs.get(job["job_id"])["state"] == "succeeded"
    assert jobs.manifest(job["job_id"])["totals"]["documents"] == 3


def test_a_chunk_claimed_for_the_first_time_skips_the_look_up_of_items_done_and_a_redelivered_one_makes_it(
    engine, renderer, tmp_path
):
    """A chunk's items are committed only with its end: its first claim has none to look up (the look-up read every
    item of the job for each chunk when the table's statistics were stale). A chunk delivered again after its worker
    died mid-chunk is still checked, and issues each document once."""
    looked_up: list[int] = []

    class CountingStore(SqlJobStore):
        @contextlib.contextmanager
        def transaction(self):
            with super().transaction() as tx:
                original = tx.items_done

                def items_done(job_id, person_ids):
                    looked_up.append(len(person_ids))
                    return original(job_id, person_ids)

                tx.items_done = items_done
                yield tx

    sent: list = []
    store = CountingStore(engine, FileBlobStore(tmp_path / "blobs"))
    jobs = DocumentJobs(
        service=service(engine, renderer, person()),
        insured=OneInsured(),
        store=store,
        print_files=MergedPdfFiles(tmp_path / "print"),
        dispatch=sent.extend,
    )
    job = jobs.start(kind="annual_renewal", parameters={"date": DAY.isoformat()}, operator_id="batch-1")
    _subject, plan = sent.pop(0)
    jobs.handle_message(plan.data)
    _subject, chunk = sent.pop(0)
    with store.transaction() as tx:  # a worker claimed the chunk and died before finishing it
        assert tx.claim_chunk(job["job_id"], chunk.data["chunk_no"]) is not None
    jobs.handle_message(chunk.data)  # delivered again
    assert looked_up == [1]
    while sent:
        _subject, message = sent.pop(0)
        jobs.handle_message(message.data)
    assert jobs.manifest(job["job_id"])["totals"]["documents"] == 3

    looked_up.clear()
    second = jobs.start(kind="annual_renewal", parameters={"date": DAY.isoformat()}, operator_id="batch-2")
    while sent:
        _subject, message = sent.pop(0)
        jobs.handle_message(message.data)
    assert looked_up == [] and jobs.get(second["job_id"])["state"] == "succeeded"


class ManyQualification(FakeQualification):
    """FakeQualification for any number of persons: each id asked is a person of its own, due the 資格確認書."""

    def get_person(self, person_id, *, operator_id, business_date):
        return dataclasses.replace(self.p, person_id=person_id)

    def certificates_due(self, person_id, *, operator_id, business_date):
        return CertificatesDue(
            person_id, DAY, (CertificateDue("eligibility_certificate", person_id, D(2025, 8, 1), D(2026, 7, 31)),)
        )


class PagedInsured:
    """InsuredList in memory: `count` persons in person-id order, `page` at a time, as svc-qualification pages them."""

    def __init__(self, count: int, page: int) -> None:
        self.ids = [f"9{n:08d}" for n in range(1, count + 1)]
        self.page = page
        self.asked_after: list[str] = []

    def list_insured(self, *, as_of, after, operator_id, business_date, births=(None, None)):
        self.asked_after.append(after)
        rest = [i for i in self.ids if i > after] if after else self.ids
        page = rest[: self.page]
        more = len(rest) > self.page
        return [InsuredPerson(i, "H1", D(1954, 5, 2), "399-0101") for i in page], (page[-1] if more else "")


def _paged_jobs(engine, renderer, tmp_path, insured, dispatch) -> DocumentJobs:
    svc = service(engine, renderer, person())
    svc.qualification = ManyQualification(person())
    return DocumentJobs(
        service=svc,
        insured=insured,
        store=SqlJobStore(engine, FileBlobStore(tmp_path / "blobs")),
        print_files=MergedPdfFiles(tmp_path / "print"),
        dispatch=dispatch,
        chunk_size=2,
    )


def _issued_persons(engine, job_id: str) -> list[str]:
    items = sa.Table("document_job_items", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        return sorted(
            conn.execute(
                sa.select(items.c.person_id).where(items.c.job_id == job_id, items.c.outcome == "issued")
            ).scalars()
        )


def test_the_plan_hands_on_each_chunk_as_it_is_stored_and_the_job_ends_only_once_it_is_complete(
    engine, renderer, tmp_path
):
    """Listing a city's insured takes a while: each chunk is published as soon as it is stored, so workers start
    while the rest is listed. Here every chunk is worked the moment it is published, i.e. all of them close before
    the plan is complete: the job stays running meanwhile (its total growing), and the plan's end assembles it."""
    insured = PagedInsured(7, page=3)
    seen: list[tuple[int, str, int, int]] = []  # (chunk, job state, total, chunks) right after the chunk closed
    told: list = []  # the Job messages GetJob answered then
    holder: dict[str, DocumentJobs] = {}

    def work_at_once(messages) -> None:
        for _subject, message in messages:
            holder["jobs"].handle_message(message.data)
            if "chunk_no" in message.data:
                job = holder["jobs"].get(message.data["job_id"])
                seen.append((message.data["chunk_no"], job["state"], job["total"], job["chunks"]))
                told.append(to_job(job))

    jobs = holder["jobs"] = _paged_jobs(engine, renderer, tmp_path, insured, work_at_once)
    job = jobs.start(kind="annual_renewal", parameters={"date": DAY.isoformat()}, operator_id="batch-1")

    assert [(no, state) for no, state, _t, _c in seen] == [
        (0, "running"),
        (1, "running"),
        (2, "running"),
        (3, "running"),
    ]
    assert [total for _n, _s, total, _c in seen] == [2, 4, 6, 7]  # counted as each chunk was stored
    assert {chunks for _n, _s, _t, chunks in seen} == {0}  # not complete until the last was cut
    # The API says the total is not final yet: `planning`, and no time left is computed from it.
    assert [(m.state, m.total, m.planning) for m in told] == [
        ("running", 2, True),
        ("running", 4, True),
        ("running", 6, True),
        ("running", 7, True),
    ]
    as_json = [
        json_format.MessageToDict(m, preserving_proto_field_name=True, unquote_int64_if_possible=True) for m in told
    ]
    assert [progress.eta_seconds(m) for m in as_json] == [None] * 4
    done = jobs.get(job["job_id"])
    assert (done["state"], done["total"], done["done"], done["chunks"]) == ("succeeded", 7, 7, 4)
    assert to_job(done).planning is False
    assert _issued_persons(engine, job["job_id"]) == insured.ids
    assert jobs.manifest(job["job_id"])["totals"]["documents"] == 7


def test_a_plan_cut_short_goes_on_after_its_last_stored_chunk_and_issues_each_person_once(engine, renderer, tmp_path):
    """The work queue refuses the third chunk's message: the plan stops there, with three chunks stored (the third
    not handed on), and its message comes again. The second plan hands on the stored chunks not done and lists the
    rest after the last person stored; every person is issued exactly once."""
    insured = PagedInsured(9, page=4)
    sent: list = []
    refuse = {"third": True}

    def dispatch(messages) -> None:
        if refuse and any(m.data.get("chunk_no") == 2 for _s, m in messages):
            refuse.clear()
            raise ConnectionError("NATS unavailable")
        sent.extend(messages)

    jobs = _paged_jobs(engine, renderer, tmp_path, insured, dispatch)
    job = jobs.start(kind="annual_renewal", parameters={"date": DAY.isoformat()}, operator_id="batch-1")
    _subject, plan = sent.pop(0)
    with pytest.raises(ConnectionError):
        jobs.handle_message(plan.data)
    assert [m.data["chunk_no"] for _s, m in sent] == [0, 1]
    cut = jobs.get(job["job_id"])
    assert (cut["state"], cut["total"], cut["chunks"]) == ("running", 6, 0)
    assert to_job(cut).planning is True
    jobs.handle_message(sent.pop(0)[1].data)  # chunk 0 is worked meanwhile

    insured.asked_after.clear()
    jobs.handle_message(plan.data)  # delivered again
    assert insured.asked_after[0] == insured.ids[5]  # listed on after the last person of the third chunk
    assert [m.data["chunk_no"] for _s, m in sent] == [1, 1, 2, 3, 4]  # the stored chunks not done, then the rest
    while sent:
        _subject, message = sent.pop(0)
        jobs.handle_message(message.data)
    done = jobs.get(job["job_id"])
    assert (done["state"], done["total"], done["done"], done["chunks"]) == ("succeeded", 9, 9, 5)
    assert _issued_persons(engine, job["job_id"]) == insured.ids


def test_a_job_whose_print_messages_were_lost_while_it_was_assembled_gets_an_assemble_step_and_ends(
    engine, renderer, tmp_path
):
    """The print run cut, its file messages lost with the work queue (a NATS server back without NHI_JOBS): the
    job, assembling with no progress and nothing queued, is offered an assemble step, which sends the files not
    written; the job ends with each file written once. While documents messages are queued nothing is offered."""
    reads: list[str] = []
    written: list[tuple[int, int, int]] = []
    sent: list = []
    jobs = _watched_jobs(engine, renderer, tmp_path, reads, written, sent, max_sheets=1, mailing="person")
    job_id = jobs.start(kind="annual_renewal", parameters={"date": DAY.isoformat()}, operator_id="batch-1")["job_id"]
    while sent and sent[0][1].data.get("step") != "print":
        jobs.handle_message(sent.pop(0)[1].data)
    assert [m.data["file_no"] for _s, m in sent] == [0, 1, 2]
    jobs.handle_message(sent.pop(0)[1].data)  # file 1 of 3 written, then the other two messages are lost
    sent.clear()
    assert jobs.get(job_id)["state"] == "assembling" and len(written) == 1

    assert jobs.reoffer_stalled(lambda subject: 2, idle=dt.timedelta(0)) == [] and not sent  # queued: slow
    assert jobs.reoffer_stalled(lambda subject: 0, idle=dt.timedelta(hours=1)) == [] and not sent  # too soon
    assert jobs.reoffer_stalled(lambda subject: 0, idle=dt.timedelta(0)) == [job_id]
    [(subject, again)] = sent
    assert subject == "nhi.jobs.v1.documents" and again.data == {"job_id": job_id, "step": "assemble"}
    sent.clear()
    jobs.handle_message(again.data)
    assert [m.data["file_no"] for _s, m in sent] == [1, 2]  # the files not written
    while sent:
        jobs.handle_message(sent.pop(0)[1].data)
    assert jobs.get(job_id)["state"] == "succeeded" and sorted(w[0] for w in written) == [1, 2, 3]
    assert jobs.manifest(job_id)["totals"]["files"] == 3
    assert jobs.reoffer_stalled(lambda subject: 0, idle=dt.timedelta(0)) == [] and not sent  # ended
    jobs.handle_message(again.data)  # an assemble step that comes late changes nothing
    assert not sent and len(written) == 3


def _documents(engine) -> list[str]:
    table = sa.Table("documents", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(table.c.id)).scalars())


def _print_run(engine, job_id: str) -> list[tuple[str, str]]:
    items = sa.Table("document_job_items", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        return sorted(
            (r.person_id, r.document_id)
            for r in conn.execute(
                sa.select(items.c.person_id, items.c.document_id).where(
                    items.c.job_id == job_id, items.c.outcome == "issued"
                )
            )
        )


def test_a_renewal_started_again_after_one_that_failed_issues_each_certificate_once_and_prints_them_all(
    engine, renderer, tmp_path
):
    """The renewal of a date fails after two of its four chunks (the database away through every delivery of the
    others, say) and the operator starts it again. The second job prints what the first issued as it was issued
    (same document, same number) and issues only the rest: nobody gets a second certificate, everybody gets one;
    a third run of the same date issues nothing and prints them all again. Another date is another renewal."""
    insured = PagedInsured(7, page=7)
    sent: list = []
    jobs = _paged_jobs(engine, renderer, tmp_path, insured, sent.extend)
    first = jobs.start(kind="annual_renewal", parameters={"date": DAY.isoformat()}, operator_id="batch-1")["job_id"]
    jobs.handle_message(sent.pop(0)[1].data)  # the plan: four chunks of two
    for _subject, message in sent[:2]:
        jobs.handle_message(message.data)
    sent.clear()
    jobs.give_up({"job_id": first, "chunk_no": 2}, "failed 5 times; last: OperationalError")
    assert jobs.get(first)["state"] == "failed"
    issued_first = _print_run(engine, first)
    assert len(issued_first) == 4 and len(_documents(engine)) == 4

    def run_again(date: dt.date) -> str:
        job_id = jobs.start(kind="annual_renewal", parameters={"date": date.isoformat()}, operator_id="batch-1")[
            "job_id"
        ]
        while sent:
            jobs.handle_message(sent.pop(0)[1].data)
        assert jobs.get(job_id)["state"] == "succeeded"
        return job_id

    second = run_again(DAY)
    printed = _print_run(engine, second)
    assert [person for person, _doc in printed] == insured.ids  # everybody in the second job's print files
    assert set(issued_first) <= set(printed)  # the first job's certificates, not new ones
    assert len(_documents(engine)) == 7 and jobs.manifest(second)["totals"]["documents"] == 7

    third = run_again(DAY)
    assert _print_run(engine, third) == printed and len(_documents(engine)) == 7
    run_again(DAY + dt.timedelta(days=1))
    assert len(_documents(engine)) == 14  # the renewal of another date issues its own
