"""Fixtures of svc-documents tests: databases, a fake svc-qualification over real gRPC, the service in-process."""

from __future__ import annotations

import dataclasses
import time

import grpc
import pytest

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as qpb
from nhi.qualification.v1 import qualification_pb2_grpc
from nhi_common import config, db, rpc
from nhi_devtools import testing
from nhi_documents import bootstrap
from nhi_documents.settings import Settings

BUSINESS_DATE = "2025-08-01"  # 令和7年8月1日
# What the fake svc-qualification answers for the 資格確認書 of 900000001: deliberately not the next 7/31 after the
# business date (2026-07-31), so a test that sees it proves the expiry comes from svc-qualification.
VALID_UNTIL = "2027-07-31"  # 令和9年7月31日

ADDRESS = qpb.Address(
    postal_code="399-0101",
    address_code="99999001002",
    address="みどり市若葉町2丁目3番5号",
    building="みどりハイツ201号室",
    district_code="03",
)


def _person(person_id, name, kana, birth, sex, relationship, order, **extra):
    return qpb.Person(
        person_id=person_id,
        household_id="H90000001",
        name_kanji=name,
        name_kana=kana,
        birth_date=birth,
        sex=sex,
        relationship=relationship,
        listing_order=order,
        address=ADDRESS,
        resident_since="2020-04-01",
        resident_status="resident",
        my_number="************",
        version=1,
        **extra,
    )


def _period(person_id, branch_no):
    return qpb.QualificationPeriod(
        period_id=f"per-{person_id}",
        person_id=person_id,
        household_id="H90000001",
        insurer_number="139998",
        symbol="みどり",
        number="1234567",
        branch_no=branch_no,
        acquired_on="2020-04-01",
        acquired_reason="move_in",
        recorded_at="2020-04-02T00:00:00+00:00",
        change_id="chg-0001",
    )


def reason(rule_id, summary, **facts):
    return common_pb2.Reason(rule_id=rule_id, summary=summary, basis="運用（令和6年改正）", facts=facts)


def eligibility_due(person_id, valid_until, *reasons, kind="eligibility_certificate", valid_from=BUSINESS_DATE):
    """One CertificateDue as svc-qualification answers it (CERT-KIND and CERT-EXPIRY reasons unless given)."""
    reasons = reasons or (
        reason(
            "CERT-KIND",
            "マイナ保険証の利用登録なしのため資格確認書を申請によらず交付",
            person_id=person_id,
            card_registered="false",
            dv_support="false",
            elder="false",
        ),
        reason(
            "CERT-EXPIRY",
            f"資格確認書の有効期限は次回更新日（{valid_until}）",
            valid_until=valid_until,
            cause="renewal",
        ),
    )
    return qpb.CertificateDue(
        kind=kind, person_id=person_id, valid_from=valid_from, valid_until=valid_until, reasons=list(reasons)
    )


class FakeQualification(qualification_pb2_grpc.QualificationServiceServicer):
    """A household of three: 髙﨑 太郎 (head, insured), 髙﨑 花子 (insured, DV支援措置, reaches 70 on 2026-02-28),
    髙﨑 一郎 (not insured). `due` holds what GetCertificatesDue answers per person; a test may change it."""

    def __init__(self) -> None:
        self.persons = {
            "900000001": _person("900000001", "髙﨑　太郎", "タカサキ　タロウ", "1980-04-01", "1", "世帯主", 1),
            "900000002": _person("900000002", "髙﨑　花子", "タカサキ　ハナコ", "1956-03-01", "2", "妻", 2),
            "900000003": _person("900000003", "髙﨑　一郎", "タカサキ　イチロウ", "2001-06-15", "1", "子", 3),
        }
        self.periods = {"900000001": _period("900000001", "01"), "900000002": _period("900000002", "02")}
        self.due: dict[str, list[qpb.CertificateDue] | rpc.ServiceError] = {
            "900000001": [eligibility_due("900000001", VALID_UNTIL)],
            "900000002": [
                eligibility_due(
                    "900000002",
                    "2026-02-28",
                    reason(
                        "CERT-KIND",
                        "DV支援措置対象者のため資格確認書を申請によらず交付",
                        person_id="900000002",
                        card_registered="false",
                        dv_support="true",
                        elder="false",
                    ),
                    reason("DV", "DV支援措置対象者: 資格確認書を申請によらず交付", person_id="900000002"),
                    reason(
                        "CERT-EXPIRY",
                        "資格確認書の有効期限は70歳到達月の末日（2026-02-28）",
                        valid_until="2026-02-28",
                        cause="age_70",
                    ),
                )
            ],
        }
        self.calls: list[tuple[str, object]] = []
        self.unavailable = False
        self.delay = 0.0  # seconds every call waits before answering

    def _check(self, name, request, context):
        self.calls.append((name, request))
        if self.delay:
            time.sleep(self.delay)
        if self.unavailable:
            context.abort(grpc.StatusCode.UNAVAILABLE, "fake is down")

    def ScreenListedPersons(self, request, context):
        """Rule DV for a list: 髙﨑 花子 (900000002) is under a DV support measure, left out without dv:read."""
        self._check("ScreenListedPersons", request, context)
        under_dv = [p for p in request.person_ids if p == "900000002"]
        if "dv:read" in request.context.scopes:
            return qpb.ScreenListedPersonsResponse(shown_person_ids=under_dv)
        return qpb.ScreenListedPersonsResponse(hidden_person_ids=under_dv)

    def GetPerson(self, request, context):
        self._check("GetPerson", request, context)
        person = self.persons.get(request.person_id)
        if person is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"person {request.person_id} not found")
        result = qpb.Person()
        result.CopyFrom(person)
        result.insured = request.person_id in self.periods
        return result

    def GetQualification(self, request, context):
        self._check("GetQualification", request, context)
        person = self.persons.get(request.person_id)
        if person is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"person {request.person_id} not found")
        period = self.periods.get(request.person_id)
        view = qpb.QualificationView(
            person_id=request.person_id, as_of=request.as_of, insured=period is not None, person=person
        )
        if period is not None:
            view.period.CopyFrom(period)
        return view

    def GetHousehold(self, request, context):
        self._check("GetHousehold", request, context)
        if request.household_id != "H90000001":
            context.abort(grpc.StatusCode.NOT_FOUND, f"household {request.household_id} not found")
        return qpb.Household(
            household_id="H90000001",
            head_person_id="900000001",
            symbol="みどり",
            number="1234567",
            members=list(self.persons.values()),
            address=ADDRESS,
            version=3,
        )

    # builders of GetCertificatesDue answers, for tests that change `due` (test modules cannot import conftest)
    reason = staticmethod(reason)
    eligibility_due = staticmethod(eligibility_due)

    @staticmethod
    def not_insured_error(person_id, business_date):
        return not_insured_error(person_id, business_date)

    @staticmethod
    def nothing_due(person_id, *reasons):
        """svc-qualification's answer when nothing is due: no certificate, only the reasons why."""
        return eligibility_due(person_id, "", *reasons, kind="none", valid_from="")

    def GetCertificatesDue(self, request, context):
        """As svc-qualification: NOT_FOUND for an unknown person, FAILED_PRECONDITION NOT_INSURED for one not
        insured on the business date, else the certificates due (`reasons` only when nothing is)."""
        self._check("GetCertificatesDue", request, context)
        if request.person_id not in self.persons:
            rpc.abort(context, rpc.not_found("person", request.person_id))
        due = self.due.get(request.person_id)
        if request.person_id not in self.periods and due is None:
            due = not_insured_error(request.person_id, request.context.business_date)
        if isinstance(due, rpc.ServiceError):
            rpc.abort(context, due)
        response = qpb.GetCertificatesDueResponse(person_id=request.person_id, as_of=request.context.business_date)
        for item in due or ():
            if item.kind == "none":  # svc-qualification's "nothing is due": only its reasons travel
                response.reasons.extend(item.reasons)
            else:
                response.certificates.append(item)
        return response


def not_insured_error(person_id, business_date):
    """The error svc-qualification answers GetCertificatesDue with when the person is not insured."""
    message = f"person {person_id} is not insured on {business_date}"
    return rpc.ServiceError(
        grpc.StatusCode.FAILED_PRECONDITION,
        f"person_id: {message}",
        reason="NOT_INSURED",
        fields=[rpc.FieldProblem("person_id", message, "CERT-KIND")],
    )


@pytest.fixture
def fake_qualification():
    """A real gRPC server on a free port running FakeQualification; yields (servicer, address)."""
    servicer = FakeQualification()
    with testing.grpc_server(servicer, qualification_pb2_grpc.add_QualificationServiceServicer_to_server) as address:
        yield servicer, address


@pytest.fixture(params=testing.backends())
def database(request, tmp_path):
    """(url, schema) of an empty database: SQLite in tmp_path, or a unique PostgreSQL schema dropped afterwards."""
    with testing.database(request.param, tmp_path, "documents") as found:
        yield found


@pytest.fixture
def engine(database):
    url, schema = database
    engine = db.make_engine(url, schema=schema)
    db.migrate(engine, bootstrap.MIGRATIONS)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(database, fake_qualification):
    url, schema = database
    _servicer, address = fake_qualification
    loaded = config.load(
        Settings,
        {
            "DOCUMENTS_DATABASE_URL": url,
            "DOCUMENTS_DATABASE_SCHEMA": schema or "",
            "QUALIFICATION_ADDR": address,
            "GRPC_DEADLINE_SECONDS": "5",
            "NHI_BUSINESS_DATE": BUSINESS_DATE,
            "LOG_LEVEL": "DEBUG",
        },
    )
    return dataclasses.replace(loaded, nats_url=None)  # no NATS: no outbox relay


@pytest.fixture
def documents_service(settings):
    """svc-documents running in-process on a free port; yields the runtime."""
    runtime = bootstrap.build(settings, port=0)
    runtime.start()
    yield runtime
    runtime.stop()
