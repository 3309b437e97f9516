"""QualificationClient.certificates_due against a fake svc-qualification over real gRPC: domain values, errors."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest

from nhi.qualification.v1 import qualification_pb2 as qpb
from nhi.qualification.v1 import qualification_pb2_grpc
from nhi_common import rpc
from nhi_common.errors import Category, DomainError, NotFound
from nhi_devtools import testing
from nhi_documents.adapters.clients import QualificationClient
from nhi_documents.domain.certificate import NotInsured
from nhi_documents.domain.model import CertificateDue, CertificatesDue, Reason

D = dt.date


@pytest.fixture
def client(fake_qualification):
    _servicer, address = fake_qualification
    channel = rpc.LazyChannel(address)
    yield QualificationClient(channel, deadline=2)
    channel.close()


def due(client, person_id="900000001", business_date=D(2025, 8, 1)):
    return client.certificates_due(person_id, operator_id="clerk-7", business_date=business_date)


def test_certificates_due_are_domain_values(client, fake_qualification):
    answer = due(client, "900000002")
    assert isinstance(answer, CertificatesDue)
    assert (answer.person_id, answer.as_of, answer.reasons) == ("900000002", D(2025, 8, 1), ())
    assert answer.kinds == ("eligibility_certificate",)
    eligibility = answer.of_kind("eligibility_certificate")
    assert isinstance(eligibility, CertificateDue)
    assert (eligibility.valid_from, eligibility.valid_until) == (D(2025, 8, 1), D(2026, 2, 28))
    assert [r.rule_id for r in eligibility.reasons] == ["CERT-KIND", "DV", "CERT-EXPIRY"]
    assert eligibility.reasons[2] == Reason(
        "CERT-EXPIRY",
        "資格確認書の有効期限は70歳到達月の末日（2026-02-28）",
        "運用（令和6年改正）",
        {"valid_until": "2026-02-28", "cause": "age_70"},
    )
    name, request = fake_qualification[0].calls[-1]
    assert name == "GetCertificatesDue" and request.person_id == "900000002"
    assert (request.context.operator_id, request.context.business_date) == ("clerk-7", "2025-08-01")


def test_no_expiry_and_nothing_due_are_kept(client, fake_qualification):
    fake = fake_qualification[0]
    fake.due["900000001"] = [fake.eligibility_due("900000001", "", kind="qualification_notice")]
    notice = due(client).of_kind("qualification_notice")
    assert notice.valid_until is None and notice.valid_from == D(2025, 8, 1)
    fake.due["900000001"] = [fake.nothing_due("900000001", fake.reason("LOSS-AGE75", "証を交付しない"))]
    nothing = due(client)
    assert nothing.certificates == () and [r.rule_id for r in nothing.reasons] == ["LOSS-AGE75"]


def test_not_insured_is_this_services_not_insured(client):
    with pytest.raises(NotInsured) as caught:
        due(client, "900000003")  # not insured in the fake
    error = caught.value
    assert (error.category, error.code) == (Category.RULE, "NOT_INSURED")
    assert error.metadata == {"person_id": "900000003", "business_date": "2025-08-01"}
    assert error.field == "person_id" and "900000003" in error.message


def test_other_failed_preconditions_keep_their_reason(client, fake_qualification):
    fake_qualification[0].due["900000001"] = rpc.failed_precondition("no", reason="SOMETHING_ELSE")
    with pytest.raises(rpc.ServiceError) as caught:
        due(client)
    assert (caught.value.code, caught.value.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "SOMETHING_ELSE")


def test_a_person_the_rules_give_no_certificate_is_a_refusal_with_its_field_rule_and_code(client, fake_qualification):
    fake_qualification[0].due["900000001"] = rpc.failed_precondition(
        "the person is 75", reason="AGED_75", field="as_of", rule="LOSS-AGE75"
    )
    with pytest.raises(DomainError) as caught:
        due(client)
    assert (caught.value.field, caught.value.rule, caught.value.code) == ("as_of", "LOSS-AGE75", "AGED_75")


def test_unknown_person_is_not_found(client):
    with pytest.raises(NotFound) as caught:
        due(client, "999999999")
    assert caught.value.metadata == {"kind": "person", "id": "999999999"}


def test_down_or_slow_is_unavailable(client, fake_qualification):
    fake = fake_qualification[0]
    fake.unavailable = True
    with pytest.raises(rpc.ServiceError) as caught:
        due(client)
    assert (caught.value.code, caught.value.reason) == (grpc.StatusCode.UNAVAILABLE, "QUALIFICATION_UNAVAILABLE")
    fake.unavailable, fake.delay, client.deadline = False, 1.0, 0.2
    with pytest.raises(rpc.ServiceError) as caught:
        due(client)  # the deadline cuts the call short
    assert (caught.value.code, caught.value.reason) == (grpc.StatusCode.UNAVAILABLE, "QUALIFICATION_UNAVAILABLE")
    assert "DEADLINE_EXCEEDED" in caught.value.message


class _RenewalFacts(qualification_pb2_grpc.QualificationServiceServicer):
    """GetRenewalFacts answering no one, noting each call's count of persons and the time its deadline left."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, float]] = []

    def GetRenewalFacts(self, request, context):  # noqa: N802 - the gRPC method's name
        self.calls.append((len(request.person_ids), context.time_remaining()))
        return qpb.GetRenewalFactsResponse()


def test_a_renewal_chunk_asks_its_facts_in_one_call_with_a_deadline_for_that_many_persons():
    """svc-qualification commits an audit row (a WAL flush) per GetRenewalFacts call: a chunk of 200 persons is one
    call, with the deadline of 50 persons four times over; 600 persons are calls of at most 250."""
    fake = _RenewalFacts()
    add = qualification_pb2_grpc.add_QualificationServiceServicer_to_server
    with testing.grpc_server(fake, add, workers=2) as address:
        channel = rpc.LazyChannel(address)
        client = QualificationClient(channel, deadline=2)
        try:
            ask = {"day": D(2027, 8, 1), "operator_id": "batch:annual_renewal:batch-1", "burden_for_kinds": ()}
            assert client.renewal_facts([f"{i:010d}" for i in range(200)], **ask) == {}
            assert [count for count, _left in fake.calls] == [200]
            assert 2 * 200 / 50 - 1 < fake.calls[0][1] < 2 * 200 / 50 + 0.5
            fake.calls.clear()
            client.renewal_facts([f"{i:010d}" for i in range(600)], **ask)
            assert [count for count, _left in fake.calls] == [250, 250, 100]
            for (count, left), deadline in zip(fake.calls, (10, 10, 4), strict=True):
                assert deadline - 1 < left < deadline + 0.5, (count, left)  # the server sees the client's deadline
        finally:
            channel.close()
