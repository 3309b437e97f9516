"""svc-documents in-process over real gRPC, with a fake svc-qualification over real gRPC too."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import subprocess

import grpc
import pytest
import sqlalchemy as sa

from nhi.common.v1 import common_pb2
from nhi.documents.v1 import documents_pb2 as pb
from nhi.documents.v1 import documents_pb2_grpc
from nhi.qualification.v1 import qualification_pb2 as qpb
from nhi_common import rpc
from nhi_documents import bootstrap
from nhi_documents.adapters import store
from nhi_documents.adapters.store import metadata

KIND = "eligibility_certificate"


@pytest.fixture
def stub(documents_service):
    channel = grpc.insecure_channel(f"127.0.0.1:{documents_service.port}")
    yield documents_pb2_grpc.DocumentServiceStub(channel)
    channel.close()


def render(stub, person_id="900000001", key="", operator_id="clerk-7", **context):
    request = pb.RenderDocumentRequest(
        kind=KIND,
        person_id=person_id,
        format="pdf",
        context=common_pb2.RequestContext(operator_id=operator_id, idempotency_key=key, **context),
    )
    return stub.RenderDocument(request, timeout=30)


def error_info(error: grpc.RpcError):
    status = rpc.read_status(error)
    assert status is not None, error
    return rpc.unpack_details(status)


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_renders_a_certificate_that_reads_back(stub, documents_service, fake_qualification, tmp_path):
    meta = render(stub)
    assert meta.kind == KIND and meta.title == "国民健康保険 資格確認書"
    assert meta.person_id == "900000001" and meta.household_id == "H90000001"
    assert meta.issued_on == "2025-08-01" and meta.valid_until == "2027-07-31"  # as svc-qualification answered
    assert meta.certificate_number == "R7-000001" and meta.media_type == "application/pdf"

    got = stub.GetDocumentContent(pb.GetDocumentRequest(document_id=meta.document_id), timeout=10)
    content = got.content
    assert got.meta == meta
    assert content.startswith(b"%PDF") and len(content) == meta.size_bytes
    assert hashlib.sha256(content).hexdigest() == meta.sha256
    assert b"/FontFile2" in content, "the TrueType font must be embedded"

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the text of the PDF was not checked")
    text = pdf_text(content, tmp_path)
    assert "資格確認書" in text
    assert "髙﨑" in text and "太郎" in text  # rare glyphs: 髙 (U+9AD9) and 﨑 (U+FA11)
    assert "令和9年7月31日" in text  # 有効期限: svc-qualification's valid_until, in 和暦
    assert "令和7年8月1日" in text and "昭和55年4月1日" in text and "法定負担割合のとおり" in text
    assert "みどり市" in text and "139998" in text


def test_the_expiry_and_its_reasons_are_those_svc_qualification_answered(stub, documents_service, tmp_path):
    meta = render(stub, person_id="900000002")  # svc-qualification cut it at 70 (born 1956-03-01), DV支援措置
    assert meta.valid_until == "2026-02-28"
    with documents_service.engine.connect() as conn:
        stored = store.get_document(conn, meta.document_id)
    assert stored["valid_until"].isoformat() == "2026-02-28"
    assert [r["rule_id"] for r in stored["reasons"]] == ["CERT-KIND", "DV", "CERT-EXPIRY"]
    assert stored["reasons"][2]["facts"] == {"valid_until": "2026-02-28", "cause": "age_70"}
    if shutil.which("pdftotext"):
        content = stub.GetDocumentContent(pb.GetDocumentRequest(document_id=meta.document_id), timeout=10).content
        assert "令和8年2月28日" in pdf_text(content, tmp_path)


def test_a_70_to_74_year_old_with_an_elderly_certificate_gets_no_share_printed(stub, fake_qualification, tmp_path):
    fake = fake_qualification[0]
    fake.due["900000001"] = [
        fake.eligibility_due("900000001", "2026-07-31"),
        fake.eligibility_due(
            "900000001",
            "2026-07-31",
            fake.reason("ELDER-CERT-EXPIRY", "高齢受給者証の有効期限は次の7月31日"),
            kind="elderly_recipient_certificate",
        ),
    ]
    meta = render(stub)
    assert meta.valid_until == "2026-07-31"
    if shutil.which("pdftotext"):
        content = stub.GetDocumentContent(pb.GetDocumentRequest(document_id=meta.document_id), timeout=10).content
        text = pdf_text(content, tmp_path)
        assert "高齢受給者証に記載のとおり" in text and "法定負担割合のとおり" not in text


def test_a_third_party_document_for_another_member_of_a_dv_household_prints_no_address(
    stub, fake_qualification, tmp_path
):
    """Rule DV: the spouse holds a dv_support status; the head's 加入脱退証明書 (handed to an employer) leaves the
    household's address off, while his own 資格確認書 still shows it."""
    fake = fake_qualification[0]
    fake.persons["900000002"].statuses.append(
        qpb.StatusPeriod(status_id="st-1", person_id="900000002", kind="dv_support", start="2025-07-01")
    )
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the text of the PDF was not checked")

    def text_of(kind: str) -> str:
        request = pb.RenderDocumentRequest(
            kind=kind, person_id="900000001", format="pdf", context=common_pb2.RequestContext(operator_id="clerk-7")
        )
        meta = stub.RenderDocument(request, timeout=30)
        content = stub.GetDocumentContent(pb.GetDocumentRequest(document_id=meta.document_id), timeout=10).content
        return pdf_text(content, tmp_path)

    third_party = text_of("enrollment_certificate")
    assert "加入脱退証明書" in third_party and "髙﨑" in third_party
    # the insurer's own 所在地 (若葉町1丁目) is printed; the household's (若葉町2丁目3番5号) is not
    assert not [line for line in third_party.splitlines() if "住所" in line or "2丁目" in line or "ハイツ" in line]
    assert "若葉町2丁目3番5号" in "".join(text_of(KIND).split())


def test_the_outbox_event_and_the_audit_row_are_written_with_the_document(stub, documents_service):
    meta = render(stub)
    outbox, audit = metadata.tables["outbox"], metadata.tables["audit_log"]
    with documents_service.engine.connect() as conn:
        events = conn.execute(sa.select(outbox).where(outbox.c.ce_subject == meta.document_id)).all()
        audits = conn.execute(sa.select(audit).where(audit.c.target_id == meta.document_id)).all()
    assert len(events) == 1
    event = events[0]
    assert event.nats_subject == "nhi.v1.document.issued" and event.ce_type == "jp.nhi.document.issued.v1"
    assert json.loads(event.data) == {
        "document_id": meta.document_id,
        "kind": KIND,
        "person_id": "900000001",
        "household_id": "H90000001",
        "issued_on": "2025-08-01",
        "valid_until": "2027-07-31",
        "certificate_number": meta.certificate_number,
        "sha256": meta.sha256,
    }
    assert "髙" not in event.data
    assert [(a.action, a.operator_id) for a in audits] == [("document.issued", "clerk-7")]


def test_same_input_gives_byte_identical_pdfs(stub, documents_service, settings, tmp_path):
    """Two independent instances given the same request render the same bytes (reportlab invariant=1) apart from the
    creation date in the metadata."""
    first = render(stub)
    other_settings = dataclasses.replace(
        settings, database_url=f"sqlite:///{tmp_path / 'other.db'}", database_schema=None
    )
    other = bootstrap.build(other_settings, port=0)
    other.start()
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{other.port}")
        second = render(documents_pb2_grpc.DocumentServiceStub(channel))
        second_content = (
            documents_pb2_grpc.DocumentServiceStub(channel)
            .GetDocumentContent(pb.GetDocumentRequest(document_id=second.document_id), timeout=10)
            .content
        )
        channel.close()
    finally:
        other.stop()
    first_content = stub.GetDocumentContent(pb.GetDocumentRequest(document_id=first.document_id), timeout=10).content
    assert first.document_id != second.document_id
    # the same bytes but for the creation date the metadata carries (the real moment of rendering)
    undated = [re.sub(rb"/(CreationDate|ModDate) \(D:[^)]*\)", b"", c) for c in (first_content, second_content)]
    assert undated[0] == undated[1]


def test_each_issue_gets_the_next_certificate_number(stub):
    numbers = [render(stub).certificate_number for _ in range(3)]
    assert numbers == ["R7-000001", "R7-000002", "R7-000003"]


def test_a_replayed_idempotency_key_returns_the_first_document(stub, documents_service):
    first = render(stub, key="key-1")
    again = render(stub, key="key-1")
    assert again == first
    with documents_service.engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(metadata.tables["documents"])).scalar_one()
    assert count == 1


def test_another_operators_idempotency_key_of_the_same_spelling_is_another_key(stub):
    first = render(stub, key="key-3", operator_id="clerk-01")
    other = render(stub, key="key-3", operator_id="clerk-02")
    assert other.document_id != first.document_id
    assert render(stub, key="key-3", operator_id="clerk-02") == other


def test_a_reused_idempotency_key_with_another_request_fails(stub):
    render(stub, key="key-2")
    with pytest.raises(grpc.RpcError) as caught:
        render(stub, person_id="900000002", key="key-2")
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    _fields, info = error_info(caught.value)
    assert info.reason == "IDEMPOTENCY_KEY_REUSED"


def test_a_person_not_insured_gets_no_certificate(stub, documents_service):
    with pytest.raises(grpc.RpcError) as caught:
        render(stub, person_id="900000003")
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    fields, info = error_info(caught.value)
    assert info.reason == "NOT_INSURED" and info.metadata["person_id"] == "900000003"
    assert "900000003" in caught.value.details() and fields[0].field == "person_id"
    with documents_service.engine.connect() as conn:
        assert conn.execute(sa.select(metadata.tables["outbox"])).first() is None


def test_a_person_due_only_a_qualification_notice_is_refused_not_due(stub, documents_service, fake_qualification):
    """マイナ保険証 registered: CERT-KIND (in svc-qualification) gives a 資格情報のお知らせ, not a 資格確認書."""
    fake = fake_qualification[0]
    fake.due["900000001"] = [
        fake.eligibility_due(
            "900000001",
            "",
            fake.reason(
                "CERT-KIND",
                "マイナ保険証の利用登録ありのため資格情報のお知らせ（有効期限なし）",
                card_registered="true",
            ),
            kind="qualification_notice",
        )
    ]
    with pytest.raises(grpc.RpcError) as caught:
        render(stub, key="key-not-due")
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    fields, info = error_info(caught.value)
    assert info.reason == "NOT_DUE"
    assert info.metadata["person_id"] == "900000001" and info.metadata["due_kinds"] == "qualification_notice"
    assert info.metadata["rule_ids"] == "CERT-KIND" and info.metadata["business_date"] == "2025-08-01"
    assert "900000001" in caught.value.details() and "qualification_notice" in caught.value.details()
    assert fields[0].field == "person_id" and fields[0].rule == "CERT-KIND"
    with documents_service.engine.connect() as conn:
        assert conn.execute(sa.select(metadata.tables["documents"])).first() is None
        assert conn.execute(sa.select(metadata.tables["outbox"])).first() is None
    # refused before any number was taken: the next certificate is still the first of the year
    fake.due["900000001"] = [fake.eligibility_due("900000001", "2027-07-31")]
    assert render(stub, key="key-not-due").certificate_number == "R7-000001"


def test_a_person_due_nothing_is_refused_not_due_with_qualifications_reasons(stub, fake_qualification):
    fake = fake_qualification[0]
    fake.due["900000002"] = [
        fake.nothing_due(
            "900000002",
            fake.reason("LOSS-AGE75", "証を交付しない: the person is 75 from 2031-03-01 and in 後期高齢者医療"),
        )
    ]
    with pytest.raises(grpc.RpcError) as caught:
        render(stub, person_id="900000002")
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    _fields, info = error_info(caught.value)
    assert info.reason == "NOT_DUE" and info.metadata["due_kinds"] == "" and info.metadata["rule_ids"] == "LOSS-AGE75"
    assert "後期高齢者医療" in caught.value.details()


def test_not_insured_according_to_get_certificates_due_is_not_insured(stub, documents_service, fake_qualification):
    """svc-qualification answers GetCertificatesDue with NOT_INSURED (e.g. the loss was recorded meanwhile)."""
    fake = fake_qualification[0]
    fake.due["900000001"] = fake.not_insured_error("900000001", "2025-08-01")
    with pytest.raises(grpc.RpcError) as caught:
        render(stub)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    fields, info = error_info(caught.value)
    assert info.reason == "NOT_INSURED"
    assert info.metadata == {"person_id": "900000001", "business_date": "2025-08-01"}
    assert fields[0].field == "person_id"
    with documents_service.engine.connect() as conn:
        assert conn.execute(sa.select(metadata.tables["documents"])).first() is None


def test_an_unknown_person_is_not_found(stub):
    with pytest.raises(grpc.RpcError) as caught:
        render(stub, person_id="999999999")
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(caught.value)[1].metadata == {"kind": "person", "id": "999999999"}


def test_qualification_down_is_unavailable(stub, fake_qualification):
    fake_qualification[0].unavailable = True
    with pytest.raises(grpc.RpcError) as caught:
        render(stub)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


def test_the_business_date_goes_to_svc_qualification(stub, fake_qualification):
    render(stub, business_date="2025-07-31")
    calls = {name: request for name, request in fake_qualification[0].calls}
    assert calls["GetQualification"].as_of == "2025-07-31"
    assert calls["GetPerson"].context.operator_id == "clerk-7"
    due = calls["GetCertificatesDue"]
    assert (due.person_id, due.context.business_date, due.context.operator_id) == ("900000001", "2025-07-31", "clerk-7")


def test_request_context_business_date_sets_the_issue_date_and_svc_qualification_the_expiry(stub, fake_qualification):
    fake = fake_qualification[0]
    fake.due["900000001"] = [fake.eligibility_due("900000001", "2025-07-31", valid_from="2025-07-31")]
    meta = render(stub, business_date="2025-07-31")
    assert (meta.issued_on, meta.valid_until) == ("2025-07-31", "2025-07-31")


def test_bad_requests_are_invalid_argument(stub):
    for request in (
        pb.RenderDocumentRequest(kind="unknown_kind", person_id="900000001"),
        pb.RenderDocumentRequest(kind=KIND, person_id=""),
        pb.RenderDocumentRequest(kind=KIND, person_id="900000001", format="csv"),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            stub.RenderDocument(request, timeout=10)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_get_and_list_documents(stub):
    issued = [render(stub) for _ in range(3)] + [render(stub, person_id="900000002")]
    assert stub.GetDocument(pb.GetDocumentRequest(document_id=issued[0].document_id), timeout=10) == issued[0]
    page = stub.ListDocuments(
        pb.ListDocumentsRequest(person_id="900000001", page=common_pb2.PageRequest(page_size=2)), timeout=10
    )
    assert [d.document_id for d in page.documents] == [issued[2].document_id, issued[1].document_id]
    rest = stub.ListDocuments(
        pb.ListDocumentsRequest(
            person_id="900000001", page=common_pb2.PageRequest(page_size=2, cursor=page.page.next_cursor)
        ),
        timeout=10,
    )
    assert [d.document_id for d in rest.documents] == [issued[0].document_id] and rest.page.next_cursor == ""
    everything = stub.ListDocuments(pb.ListDocumentsRequest(kind=KIND), timeout=10)
    assert len(everything.documents) == 4
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetDocument(pb.GetDocumentRequest(document_id="no-such-document"), timeout=10)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as caught:
        stub.ListDocuments(pb.ListDocumentsRequest(page=common_pb2.PageRequest(cursor="abc")), timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields, info = error_info(caught.value)
    assert [f.field for f in fields] == ["cursor"] and info.reason == "INVALID_CURSOR"


def test_concurrent_requests_issue_once_per_key_and_never_share_a_number(stub):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        same_key = list(pool.map(lambda _: render(stub, key="key-concurrent"), range(4)))
        distinct = list(pool.map(lambda _: render(stub), range(6)))
    assert len({m.document_id for m in same_key}) == 1
    numbers = [m.certificate_number for m in distinct] + [same_key[0].certificate_number]
    assert len(set(numbers)) == 7
