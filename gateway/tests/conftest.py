"""Real in-process gRPC servers with fake servicers, and the gateway pointed at them."""

from __future__ import annotations

import dataclasses
import socket

import pytest
from gateway_checks import JOBS, SECRET  # noqa: E402 - one secret for the app and the tokens

from nhi.common.v1 import common_pb2, common_pb2_grpc
from nhi.documents.v1 import documents_pb2, documents_pb2_grpc
from nhi.integration.v1 import integration_pb2, integration_pb2_grpc
from nhi.interchange.v1 import interchange_pb2, interchange_pb2_grpc
from nhi.qualification.v1 import qualification_pb2 as qpb
from nhi.qualification.v1 import qualification_pb2_grpc
from nhi_common import job_listing, jobs_rpc, paging, rpc
from nhi_gateway.app import create_app
from nhi_gateway.settings import Settings

PDF = b"%PDF-1.4 fake certificate\n%%EOF\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """The requests the fakes received, and the error the next call should fail with."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, object]] = []
        self.fail_with: rpc.ServiceError | None = None
        self.time_left: dict[str, float] = {}  # method -> seconds its deadline left when the call arrived

    def record(self, method: str, request, context) -> None:
        self.requests.append((method, request))
        self.time_left[method] = context.time_remaining()
        if self.fail_with is not None:
            rpc.abort(context, self.fail_with)

    def last(self, method: str):
        return [r for m, r in self.requests if m == method][-1]


def list_jobs(rec, service: str, request, context) -> common_pb2.ListJobsResponse:
    """ListJobs as a service answers it: its jobs of the kind and state asked, newest first, after the cursor."""
    if rec is not None:
        rec.record("ListJobs", request, context)
    after = job_listing.key(paging.parse(request.page.page_size, request.page.cursor, numeric=False))
    size = request.page.page_size or paging.DEFAULT_SIZE
    found = sorted(
        (
            job
            for job in JOBS.get(service, [])
            if request.kind in ("", job.kind)
            and request.state in ("", job.state)
            and (after is None or job_listing.order(job.created_at, job.job_id) < after)
        ),
        key=lambda job: job_listing.order(job.created_at, job.job_id),
        reverse=True,
    )
    return jobs_rpc.response(found[:size], len(found) > size)


class FakeQualification(qualification_pb2_grpc.QualificationServiceServicer):
    def __init__(self, rec: Recorder) -> None:
        self.rec = rec

    def ListJobs(self, request, context):
        return list_jobs(self.rec, "qualification", request, context)

    def SearchPersons(self, request, context):
        self.rec.record("SearchPersons", request, context)
        persons = [
            qpb.Person(person_id=f"P{i}", household_id="H1", name_kanji=name, name_kana="ヨシダ", version=3)
            for i, name in enumerate(["𠮷田 花子", "吉田 一郎"])
        ]
        return qpb.SearchPersonsResponse(persons=persons, page=common_pb2.PageInfo(next_cursor="c2"))

    def GetPerson(self, request, context):
        self.rec.record("GetPerson", request, context)
        if request.person_id == "missing":
            rpc.abort(context, rpc.not_found("person", request.person_id))
        open_status = qpb.StatusPeriod(
            status_id="S1", person_id=request.person_id, kind="student_away", start="2026-04-01"
        )
        return qpb.Person(
            person_id=request.person_id, household_id="H1", version=7, name_kanji="山田 太郎", statuses=[open_status]
        )

    def GetHousehold(self, request, context):
        self.rec.record("GetHousehold", request, context)
        return qpb.Household(
            household_id=request.household_id,
            version=4,
            members=[qpb.Person(person_id="P1", household_id=request.household_id)],
        )

    def SubmitNotification(self, request, context):
        self.rec.record("SubmitNotification", request, context)
        decision = qpb.Decision(
            change_id="CH1",
            business_date="2026-11-24",
            dry_run=request.dry_run,
            persons=[
                qpb.PersonDecision(person_id=p.person_id, acquired_on=request.event_date) for p in request.persons
            ],
        )
        return qpb.SubmitNotificationResponse(decision=decision, household_version=5)

    def GetQualification(self, request, context):
        self.rec.record("GetQualification", request, context)
        return qpb.QualificationView(person_id=request.person_id, as_of=request.as_of or "2026-11-24", insured=True)

    def GetHistory(self, request, context):
        self.rec.record("GetHistory", request, context)
        return qpb.GetHistoryResponse()

    # --- records: corrections, certificate ledger, change review list ---

    def CorrectQualification(self, request, context):
        self.rec.record("CorrectQualification", request, context)
        if request.version_id == 1:
            rpc.abort(
                context,
                rpc.aborted(
                    "period P-1 version 1 is no longer current",
                    reason="STALE_VERSION",
                    metadata={"period_id": request.period_id, "version_id": "1", "current_version_id": "2"},
                ),
            )
        period = qpb.QualificationPeriod(
            period_id=request.period_id,
            person_id="P1",
            version_id=request.version_id + 1,
            acquired_on=request.acquired_on or "2026-11-01",
            void=request.undo,
            correction_reason=request.correction_reason,
            change_id="CH9",
        )
        return qpb.CorrectQualificationResponse(period=period, resend_required=True, change_id="CH9")

    def ListCertificates(self, request, context):
        self.rec.record("ListCertificates", request, context)
        certificate = qpb.Certificate(
            certificate_id="C1",
            kind="eligibility_certificate",
            person_id=request.person_id or "P1",
            state=request.state or "issued",
            collect=request.outstanding_after_loss,
        )
        return qpb.ListCertificatesResponse(certificates=[certificate], page=common_pb2.PageInfo(next_cursor="7"))

    def RegisterCertificateReturn(self, request, context):
        self.rec.record("RegisterCertificateReturn", request, context)
        if request.certificate_id == "missing":
            rpc.abort(context, rpc.not_found("certificate", request.certificate_id))
        if request.certificate_id == "collected":
            rpc.abort(
                context,
                rpc.failed_precondition(
                    "the certificate is already returned", reason="ALREADY_COLLECTED", field="certificate_id"
                ),
            )
        return qpb.RegisterCertificateReturnResponse(
            certificate=qpb.Certificate(
                certificate_id=request.certificate_id,
                state=request.outcome,
                returned_on=request.returned_on or "2026-11-24",
                note=request.note,
            )
        )

    def ListChanges(self, request, context):
        self.rec.record("ListChanges", request, context)
        change = qpb.ChangeRecord(
            change_id="CH1",
            operator_id="clerk-01",
            kind="correction",
            reason="correction",
            person_ids=["P1"],
            business_date="2026-11-24",
            before_json='{"acquired_on": "2026-11-01"}',
            after_json='{"acquired_on": "2026-10-25"}',
            kind_label="訂正",
            reason_label="資格異動訂正",
            persons=[qpb.ChangePerson(person_id="P1", name_kanji="山田 一", symbol="みどり", number="0000001")],
        )
        change.before.update({"acquired_on": "2026-11-01"})
        change.after.update({"acquired_on": "2026-10-25"})
        return qpb.ListChangesResponse(changes=[change], page=common_pb2.PageInfo(next_cursor=""))

    def ListIntakeItems(self, request, context):
        self.rec.record("ListIntakeItems", request, context)
        return qpb.ListIntakeItemsResponse(items=[qpb.IntakeItem(item_id="I1", kind="move_in", state="open")])

    def ListDecisions(self, request, context):
        self.rec.record("ListDecisions", request, context)
        decision = qpb.DecisionRecord(
            decision_id="CH1",
            kind="join",
            reason="birth",
            origin="resident_registry",
            automatic=True,
            person_ids=[request.person_id or "P1"],
        )
        return qpb.ListDecisionsResponse(decisions=[decision], page=common_pb2.PageInfo(next_cursor=""))

    def ListAuditEvents(self, request, context):
        self.rec.record("ListAuditEvents", request, context)
        return common_pb2.ListAuditEventsResponse(events=[common_pb2.AuditEvent(event_id="E1", action="read")])

    # ---- batches: burden ratio, income facts, jobs ----

    def DetermineBurdenRatio(self, request, context):
        self.rec.record("DetermineBurdenRatio", request, context)
        if request.household_id == "missing":
            rpc.abort(context, rpc.not_found("household", request.household_id))
        return qpb.DetermineBurdenRatioResponse(
            household_id=request.household_id,
            ratio_percent=30,
            limit_category="現役並みⅠ",
            income_year=2025,
            as_of=request.as_of or "2026-11-24",
            determination_id="" if request.dry_run else "BD1",
            dry_run=request.dry_run,
            reasons=[common_pb2.Reason(rule_id="BURDEN-3", facts={"highest": "2000000"})],
            persons=[qpb.PersonBurden(person_id="P1", elder=True, ratio_percent=30, limit_category="現役並みⅠ")],
        )

    def ListBurdenDeterminations(self, request, context):
        self.rec.record("ListBurdenDeterminations", request, context)
        stored = qpb.BurdenDetermination(
            determination_id="BD1",
            household_id=request.household_id,
            as_of="2026-11-24",
            income_year=2025,
            ratio_percent=30,
            limit_category="現役並みⅠ",
            changed=True,
            business_date="2026-11-24",
            operator_id="bo-01",
            recorded_at="2026-11-24T01:00:00+00:00",
            reasons=[common_pb2.Reason(rule_id="BURDEN-3", facts={"highest": "2000000"}, basis="法", summary="3割")],
            persons=[qpb.PersonBurden(person_id="P1", elder=True, ratio_percent=30, limit_category="現役並みⅠ")],
        )
        return qpb.ListBurdenDeterminationsResponse(determinations=[stored], page=common_pb2.PageInfo(next_cursor=""))

    def RecordIncomeFacts(self, request, context):
        self.rec.record("RecordIncomeFacts", request, context)
        return qpb.RecordIncomeFactsResponse(recorded=len(request.incomes))

    def StartJob(self, request, context):
        self.rec.record("StartJob", request, context)
        return common_pb2.Job(
            job_id="J1",
            kind=request.kind,
            state="queued",
            business_date="2026-11-24",
            parameters=dict(request.parameters),
        )

    def GetJob(self, request, context):
        self.rec.record("GetJob", request, context)
        if request.job_id == "missing":
            rpc.abort(context, rpc.not_found("job", request.job_id))
        return common_pb2.Job(job_id=request.job_id, kind="age75_loss", state="running", total=10000, done=5000)

    def ListJobResults(self, request, context):
        self.rec.record("ListJobResults", request, context)
        if request.job_id == "missing":
            rpc.abort(context, rpc.not_found("job", request.job_id))
        return qpb.ListJobResultsResponse(
            job=common_pb2.Job(job_id=request.job_id, kind="age75_loss", state="succeeded"),
            title="75歳到達 対象者一覧",
            rows=[qpb.JobResult(person_id="P1", lost_on="2026-12-10", deemed_head=True)],
            summary={"lost": 1},
        )


class FakeDocuments(documents_pb2_grpc.DocumentServiceServicer):
    def __init__(self, rec: Recorder) -> None:
        self.rec = rec

    def ListJobs(self, request, context):
        return list_jobs(self.rec, "documents", request, context)

    def _meta(self, document_id="D1", person_id="P1"):
        return documents_pb2.DocumentMeta(
            document_id=document_id,
            kind="eligibility_certificate",
            title="資格確認書",
            person_id=person_id,
            media_type="application/pdf",
            size_bytes=len(PDF),
        )

    def RenderDocument(self, request, context):
        self.rec.record("RenderDocument", request, context)
        return self._meta(person_id=request.person_id)

    def GetDocument(self, request, context):
        self.rec.record("GetDocument", request, context)
        return self._meta(request.document_id)

    def GetDocumentContent(self, request, context):
        self.rec.record("GetDocumentContent", request, context)
        return documents_pb2.DocumentContent(meta=self._meta(request.document_id), content=PDF)

    def ListPrintQueue(self, request, context):
        self.rec.record("ListPrintQueue", request, context)
        return documents_pb2.ListPrintQueueResponse(page=common_pb2.PageInfo(next_cursor=""))

    def ListUndrawableCharacters(self, request, context):
        self.rec.record("ListUndrawableCharacters", request, context)
        return documents_pb2.ListUndrawableCharactersResponse(page=common_pb2.PageInfo(next_cursor=""))


class FakeInterchange(interchange_pb2_grpc.InterchangeServiceServicer):
    def __init__(self, rec: Recorder) -> None:
        self.rec = rec

    def ListJobs(self, request, context):
        return list_jobs(self.rec, "interchange", request, context)

    def ListPendingAggregation(self, request, context):
        self.rec.record("ListPendingAggregation", request, context)
        return interchange_pb2.ListPendingAggregationResponse(
            records=[interchange_pb2.PendingAggregationRecord(record_id="R1", person_id=request.person_id or "P1")],
            total=1,
        )

    def ListAggregationFiles(self, request, context):
        self.rec.record("ListAggregationFiles", request, context)
        file = interchange_pb2.AggregationFile(
            file_id="F1", kind="person", file_name="NHI_139998_P_20261123.dat", records=2, sha256="0" * 64
        )
        return interchange_pb2.ListAggregationFilesResponse(files=[file])

    def ListInterchangeRows(self, request, context):
        self.rec.record("ListInterchangeRows", request, context)
        cells = {"data_type": "資格情報（個人）", "count": "2", "status": "取込済", "rejected": "0"}
        return interchange_pb2.ListInterchangeRowsResponse(rows=[interchange_pb2.InterchangeRow(cells=cells)])

    def ListSubCopyTransfers(self, request, context):
        self.rec.record("ListSubCopyTransfers", request, context)
        return interchange_pb2.ListSubCopyTransfersResponse()

    def ListSubCopyQueries(self, request, context):
        self.rec.record("ListSubCopyQueries", request, context)
        return interchange_pb2.ListSubCopyQueriesResponse()

    def ListManualRequests(self, request, context):
        self.rec.record("ListManualRequests", request, context)
        return interchange_pb2.ListManualRequestsResponse()


class FakeIntegration(integration_pb2_grpc.IntegrationServiceServicer):
    def __init__(self, rec: Recorder | None = None) -> None:
        self.rec = rec or Recorder()

    def ListJobs(self, request, context):
        return list_jobs(self.rec, "integration", request, context)

    def ListDeadLetters(self, request, context):
        self.rec.record("ListDeadLetters", request, context)
        letter = integration_pb2.DeadLetter(
            dead_letter_id="41b7e0c2-5d3a-4e8f-9a10-2b3c4d5e6f70",
            event_id="9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
            ce_type="jp.lg.resident.change.v1",
            change_id="chg-20261124-0007",
            reason="invalid_change",
            state="open",
            problems=[integration_pb2.RecordError(field="event_date", message="must be an ISO date (YYYY-MM-DD)")],
            payload_json='{"change_id": "chg-20261124-0007", "event_date": "20261120"}',
            created_at="2026-11-24T08:30:00+00:00",
        )
        return integration_pb2.ListDeadLettersResponse(dead_letters=[letter])

    def ListInconsistencies(self, request, context):
        self.rec.record("ListInconsistencies", request, context)
        return integration_pb2.ListInconsistenciesResponse(
            inconsistencies=[
                integration_pb2.Inconsistency(
                    inconsistency_id="5d0c8f3a-2b71-4e96-a4d8-0f6b1c9e7a24",
                    person_id="000000061",
                    household_id="H00000021",
                    name="髙橋　太郎",
                    kind="insured_dead",
                    nhi_status="加入中（2020-04-01取得）",
                    other_status="死亡",
                    mismatch="住民記録では死亡だが国保加入中",
                    action="死亡日の翌日で資格喪失の訂正（2.2）",
                    rule="LOSS-DEATH",
                    state="open",
                    source="job",
                    detected_at="2026-12-06T00:40:12.511822+00:00",
                    last_seen_at="2026-12-06T00:40:12.511822+00:00",
                )
            ]
        )


@dataclasses.dataclass
class Backends:
    recorder: Recorder
    servers: dict[str, rpc.Server]
    settings: Settings


class FakeAudit(common_pb2_grpc.AuditServiceServicer):
    """Each service's own audit chain: two rows, at times that interleave with the other services'."""

    OFFSET = {"qualification": 0, "documents": 1, "integration": 2, "interchange": 3}

    def __init__(self, rec: Recorder, service: str) -> None:
        self.rec, self.service = rec, service

    def ListAuditEvents(self, request, context):
        self.rec.record(f"ListAuditEvents:{self.service}", request, context)
        after = int(request.page.cursor or 0)
        rows = [
            common_pb2.AuditEvent(
                event_id=f"{self.service}-{seq}",
                occurred_at=f"2026-11-24T01:0{seq}:0{self.OFFSET[self.service]}.000000+00:00",
                operator_id="clerk-01",
                action="person.read",
                target_kind="person",
                target_id="P1",
                purpose="窓口での資格確認" if seq == 1 else "",
                service=self.service,
                seq=seq,
                prev_hash="" if seq == 1 else "a" * 64,
                row_hash="a" * 64 if seq == 1 else "b" * 64,
            )
            for seq in (1, 2)
            if seq > after
        ]
        return common_pb2.ListAuditEventsResponse(events=rows, page=common_pb2.PageInfo(next_cursor=""))


def _serve(name: str, add, servicer, service_name: str) -> rpc.Server:
    server = rpc.Server(port=free_port(), service_names=[service_name], host="127.0.0.1", max_workers=4)
    add(servicer, server.server)
    common_pb2_grpc.add_AuditServiceServicer_to_server(FakeAudit(servicer.rec, name), server.server)
    server.start()
    return server


@pytest.fixture(scope="session")
def backends():
    rec = Recorder()
    servers = {
        "qualification": _serve(
            "qualification",
            qualification_pb2_grpc.add_QualificationServiceServicer_to_server,
            FakeQualification(rec),
            "nhi.qualification.v1.QualificationService",
        ),
        "documents": _serve(
            "documents",
            documents_pb2_grpc.add_DocumentServiceServicer_to_server,
            FakeDocuments(rec),
            "nhi.documents.v1.DocumentService",
        ),
        "integration": _serve(
            "integration",
            integration_pb2_grpc.add_IntegrationServiceServicer_to_server,
            FakeIntegration(rec),
            "nhi.integration.v1.IntegrationService",
        ),
        "interchange": _serve(
            "interchange",
            interchange_pb2_grpc.add_InterchangeServiceServicer_to_server,
            FakeInterchange(rec),
            "nhi.interchange.v1.InterchangeService",
        ),
    }
    settings = Settings(
        jwt_secret=SECRET,
        host="127.0.0.1",
        port=0,
        jwt_issuer="nhi-local",
        jwt_audience="nhi-api",
        qualification_addr=f"127.0.0.1:{servers['qualification'].port}",
        documents_addr=f"127.0.0.1:{servers['documents'].port}",
        integration_addr=f"127.0.0.1:{servers['integration'].port}",
        interchange_addr=f"127.0.0.1:{servers['interchange'].port}",
        grpc_deadline_seconds=5,
        log_level="INFO",
    )
    yield Backends(rec, servers, settings)
    for server in servers.values():
        server.stop(grace=0)


@pytest.fixture(scope="session")
def app(backends):
    return create_app(backends.settings)


@pytest.fixture(scope="session")
def app_with(backends):
    """Another gateway on the same fake backends, some settings changed (each call builds one)."""

    def build(**changes):
        return create_app(dataclasses.replace(backends.settings, **changes))

    return build


@pytest.fixture
def client(app, backends):
    backends.recorder.requests.clear()
    backends.recorder.fail_with = None
    with app.test_client() as test_client:
        yield test_client
    backends.recorder.fail_with = None
