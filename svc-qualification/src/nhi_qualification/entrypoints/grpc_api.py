"""gRPC servicer of QualificationService: parse the request (`parse`), call the use case, render the answer.

Errors are domain errors with their category; `rpc.translated` turns them into gRPC statuses with details.
"""

from __future__ import annotations

from google.protobuf import json_format

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi.qualification.v1 import qualification_pb2_grpc as pb_grpc
from nhi_common import jobs_rpc, rpc

from ..domain.errors import RuleViolation
from ..service_layer import (
    burden,
    certificates,
    corrections,
    decisions,
    ledger,
    notifications,
    prefecture,
    queries,
    renewal_facts,
    resident_reflection,
)
from ..service_layer.app import App
from ..service_layer.jobs import Jobs
from . import parse

_SERVICE = "/nhi.qualification.v1.QualificationService/"
# The reads of personal data, one audit row a call (a My Number read writes its own mynumber.* row instead).
AUDITED_READS = {
    _SERVICE + "GetPerson": rpc.AuditedRead("person.read", "person", id_field="person_id"),
    _SERVICE + "GetQualification": rpc.AuditedRead("qualification.read", "person", id_field="person_id"),
    _SERVICE + "GetHousehold": rpc.AuditedRead("household.read", "household", id_field="household_id"),
    _SERVICE + "GetHistory": rpc.AuditedRead("history.read", "person", id_field="person_id"),
    # A household's burden determinations name its members' incomes.
    _SERVICE + "ListBurdenDeterminations": rpc.AuditedRead("burden.read", "household", id_field="household_id"),
    # A renewal chunk's facts (svc-documents' batches): one row a call with the count of persons read.
    _SERVICE + "GetRenewalFacts": rpc.AuditedRead(
        "renewal_facts.read", "person", list_field="persons", query_fields=("person_ids",)
    ),
    _SERVICE + "SearchPersons": rpc.AuditedRead(
        "person.search",
        "person",
        list_field="persons",
        query_fields=("name_kana", "birth_date", "symbol", "number", "branch_no", "my_number", "household_id"),
    ),
}


def render(data: dict, message):
    """A use case's answer as a message; a key the message does not declare is an error, never dropped.

    The message's constructor takes the dict as it is (nested messages as dicts, repeated ones as lists) at a
    fraction of json_format's cost (pure Python, a tenth of a confirmation's CPU); a value it refuses (an int64 as
    text, an unknown key, ...) goes through ParseDict, which converts it or raises the error it always did."""
    try:
        return type(message)(**data)
    except (TypeError, ValueError):
        return json_format.ParseDict(data, message)


class QualificationServicer(pb_grpc.QualificationServiceServicer):
    def __init__(self, app: App, jobs: Jobs) -> None:
        self.app = app
        self.jobs = jobs

    @rpc.translated
    def ApplyResidentChanges(self, request, context):
        results = resident_reflection.apply_resident_changes(
            self.app, parse.resident_changes(request), parse.actor(request.context)
        )
        return pb.ApplyResidentChangesResponse(results=[render(r, pb.AppliedChange()) for r in results])

    @rpc.translated
    def SubmitNotification(self, request, context):
        result = notifications.submit_notification(self.app, parse.notification(request), parse.actor(request.context))
        return render(result, pb.SubmitNotificationResponse())

    @rpc.translated
    def GetQualification(self, request, context):
        view = queries.get_qualification(
            self.app,
            request.person_id,
            parse.date("as_of", request.as_of),
            parse.moment("known_at", request.known_at),
            parse.actor(request.context),
        )
        return render(view, pb.QualificationView())

    @rpc.translated
    def GetPerson(self, request, context):
        return render(queries.get_person(self.app, request.person_id, parse.actor(request.context)), pb.Person())

    @rpc.translated
    def GetHousehold(self, request, context):
        view = queries.get_household(
            self.app,
            request.household_id,
            parse.actor(request.context),
            parse.date("as_of", request.as_of),
            parse.moment("known_at", request.known_at),
        )
        return render(view, pb.Household())

    @rpc.translated
    def SearchPersons(self, request, context):
        found, cursor = queries.search_persons(
            self.app,
            name_kana=request.name_kana,
            birth_date=parse.date("birth_date", request.birth_date),
            symbol=request.symbol,
            number=request.number,
            branch_no=request.branch_no,
            my_number=request.my_number,
            household_id=request.household_id,
            page=parse.page(request.page, numeric=False),
            name_kana_match=parse.one_of("name_kana_match", request.name_kana_match or "prefix", ("prefix", "exact")),
            actor=parse.actor(request.context),
        )
        return pb.SearchPersonsResponse(
            persons=[render(p, pb.Person()) for p in found], page=common_pb2.PageInfo(next_cursor=cursor)
        )

    @rpc.translated
    def GetHistory(self, request, context):
        return render(queries.get_history(self.app, request.person_id), pb.GetHistoryResponse())

    @rpc.translated
    def GetCertificatesDue(self, request, context):
        due = certificates.due_now(self.app, request.person_id, parse.actor(request.context))
        return render(due, pb.GetCertificatesDueResponse())

    @rpc.translated
    def ListIntakeItems(self, request, context):
        items, cursor = queries.list_intake_items(
            self.app, request.state, parse.page(request.page), parse.actor(request.context)
        )
        return pb.ListIntakeItemsResponse(
            items=[render(i, pb.IntakeItem()) for i in items], page=common_pb2.PageInfo(next_cursor=cursor)
        )

    @rpc.translated
    def ListAuditEvents(self, request, context):
        events, cursor = queries.list_audit_events(
            self.app, request.operator_id, request.action, parse.page(request.page)
        )
        return common_pb2.ListAuditEventsResponse(
            events=[render(e, common_pb2.AuditEvent()) for e in events], page=common_pb2.PageInfo(next_cursor=cursor)
        )

    # ----- records: corrections, certificate ledger, change list -----

    @rpc.translated
    def CorrectQualification(self, request, context):
        result = corrections.correct_qualification(self.app, parse.correction(request), parse.actor(request.context))
        return render(result, pb.CorrectQualificationResponse())

    @rpc.translated
    def RecordPrefectureAcquisition(self, request, context):
        result = prefecture.record_prefecture_acquisition(
            self.app, parse.prefecture_acquisition(request), parse.actor(request.context)
        )
        return render(result, pb.RecordPrefectureAcquisitionResponse())

    @rpc.translated
    def RecordCertificateIssued(self, request, context):
        result = ledger.record_certificate_issued(
            self.app, parse.certificate_issued(request.certificate), parse.actor(request.context)
        )
        return render(result, pb.Certificate())

    @rpc.translated
    def RegisterCertificateReturn(self, request, context):
        result = ledger.register_certificate_return(
            self.app, parse.certificate_return(request), parse.actor(request.context)
        )
        return render(result, pb.RegisterCertificateReturnResponse())

    @rpc.translated
    def ListCertificates(self, request, context):
        found, cursor = ledger.list_certificates(
            self.app,
            person_id=request.person_id,
            state=request.state,
            outstanding_after_loss=request.outstanding_after_loss,
            page=parse.page(request.page),
            actor=parse.actor(request.context),
        )
        return pb.ListCertificatesResponse(
            certificates=[render(c, pb.Certificate()) for c in found], page=common_pb2.PageInfo(next_cursor=cursor)
        )

    @rpc.translated
    def ListChanges(self, request, context):
        found, cursor = ledger.list_changes(
            self.app,
            from_date=parse.date("from_date", request.from_date),
            to_date=parse.date("to_date", request.to_date),
            operator_id=request.operator_id,
            reason=request.reason,
            kind=request.kind,
            page=parse.page(request.page),
            actor=parse.actor(request.context),
        )
        return pb.ListChangesResponse(
            changes=[render(c, pb.ChangeRecord()) for c in found], page=common_pb2.PageInfo(next_cursor=cursor)
        )

    # ----- burden ratio, income facts, jobs -----

    @rpc.translated
    def RecordIncomeFacts(self, request, context):
        result = burden.record_income_facts(self.app, parse.record_incomes(request), parse.actor(request.context))
        return render(result, pb.RecordIncomeFactsResponse())

    @rpc.translated
    def DetermineBurdenRatio(self, request, context):
        result = burden.determine_burden_ratio(self.app, parse.burden_request(request), parse.actor(request.context))
        return render(result, pb.DetermineBurdenRatioResponse())

    @rpc.translated
    def ListBurdenDeterminations(self, request, context):
        page = parse.page(request.page)  # a cursor no list gave out is refused first, as on every list
        found, cursor = burden.list_burden_determinations(
            self.app,
            parse.required("household_id", request.household_id, "the household id"),
            page,
            parse.actor(request.context),
        )
        return pb.ListBurdenDeterminationsResponse(
            determinations=[render(d, pb.BurdenDetermination()) for d in found],
            page=common_pb2.PageInfo(next_cursor=cursor),
        )

    @rpc.translated
    def StartJob(self, request, context):
        return render(self.jobs.start(parse.start_job(request), parse.actor(request.context)), common_pb2.Job())

    @rpc.translated
    def GetRenewalFacts(self, request, context):
        if len(request.person_ids) > renewal_facts.MAX_PERSONS:
            raise RuleViolation(
                "person_ids", f"at most {renewal_facts.MAX_PERSONS} persons at a time", code="INVALID_RANGE"
            )
        found = renewal_facts.renewal_facts(
            self.app, list(request.person_ids), set(request.burden_for_kinds), parse.actor(request.context)
        )
        for entry in found["persons"]:
            if "refusal" in entry:  # the gRPC status a single call would have answered (a household's is shared)
                refusal = dict(entry["refusal"])
                refusal["code"] = rpc.STATUS_OF[refusal.pop("category")].name
                entry["refusal"] = refusal
        return render(found, pb.GetRenewalFactsResponse())

    @rpc.translated
    def ListInsuredPersons(self, request, context):
        found, after = queries.list_insured_persons(
            self.app,
            as_of=parse.date("as_of", request.as_of),
            after=request.after_person_id,
            limit=parse.page_size("page_size", request.page_size or 1000, 1, 5000),
            births=(parse.date("birth_from", request.birth_from), parse.date("birth_to", request.birth_to)),
            actor=parse.actor(request.context),
        )
        return render({"persons": found, "next_after_person_id": after}, pb.ListInsuredPersonsResponse())

    @rpc.translated
    def ExportCoverageFacts(self, request, context):
        if len(request.person_ids) > 1000:
            raise RuleViolation("person_ids", "at most 1000 persons at a time", code="INVALID_RANGE")
        page = queries.export_coverage_facts(
            self.app,
            as_of=parse.date("as_of", request.as_of),
            after=request.after_person_id,
            limit=parse.page_size("page_size", request.page_size or 20000, 1, 100000),
            person_ids=tuple(request.person_ids),
            actor=parse.actor(request.context),
        )
        # Built directly, not through json_format: a page is a population-sized bytes field.
        return pb.ExportCoverageFactsResponse(**page)

    @rpc.translated
    def GetJob(self, request, context):
        return render(self.jobs.get(parse.required("job_id", request.job_id, "the job id")), common_pb2.Job())

    @rpc.translated
    def ListJobs(self, request, context):
        return jobs_rpc.list_jobs(request, self.jobs.list, lambda job: render(job, common_pb2.Job()))

    @rpc.translated
    def ListJobResults(self, request, context):
        doc = self.jobs.results(
            parse.required("job_id", request.job_id, "the job id"),
            parse.page(request.page, numeric=False, default_size=100),
            person_id=request.person_id or None,
            household_id=request.household_id or None,
            actor=parse.actor(request.context),
        )
        return render(
            {
                "job": doc["job"],
                "title": doc["title"],
                "rows": doc["rows"],
                "households": doc["households"],
                "summary": doc["summary"],
                "page": {"next_cursor": doc["next_cursor"]},
            },
            pb.ListJobResultsResponse(),
        )

    # ----- decisions -----

    @rpc.translated
    def ListDecisions(self, request, context):
        page = parse.page(request.page)  # a cursor no list gave out is refused first, as on every list
        if not (request.person_id or request.household_id):
            raise RuleViolation("person_id", "name a person_id or a household_id", code="REQUIRED")
        found, cursor = decisions.list_decisions(
            self.app,
            person_id=request.person_id,
            household_id=request.household_id,
            from_date=parse.date("from_date", request.from_date),
            to_date=parse.date("to_date", request.to_date),
            page=page,
            actor=parse.actor(request.context),
        )
        return pb.ListDecisionsResponse(
            decisions=[render(d, pb.DecisionRecord()) for d in found], page=common_pb2.PageInfo(next_cursor=cursor)
        )

    @rpc.translated
    def ScreenListedPersons(self, request, context):
        listing = parse.required("list", request.list, "the name of the list")
        dv = queries.screen_listed(self.app, parse.actor(request.context), list(request.person_ids), listing)
        return pb.ScreenListedPersonsResponse(hidden_person_ids=sorted(dv.hidden), shown_person_ids=list(dv.shown))

    @rpc.translated
    def GetDecision(self, request, context):
        decision_id = parse.required("decision_id", request.decision_id, "the decision id")
        return render(decisions.get_decision(self.app, decision_id), pb.DecisionRecord())
