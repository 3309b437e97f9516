"""The use cases called as the gRPC edge calls them: requests written as dicts go through the edge's own parser
(`entrypoints/parse.py`) into commands, so service tests exercise the same validation as the servicer."""

from __future__ import annotations

from google.protobuf import json_format

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2 as pb
from nhi_common import paging
from nhi_qualification.entrypoints import parse
from nhi_qualification.service_layer import (
    burden,
    certificates,
    corrections,
    decisions,
    ledger,
    notifications,
    queries,
    resident_reflection,
)
from nhi_qualification.service_layer.context import Actor
from nhi_qualification.service_layer.jobs import Jobs

LISTER = Actor("lister")  # a clerk reading a list, without the dv:read scope


def message(data: dict, cls):
    return json_format.ParseDict(data, cls())


class Qualification:
    """Intake, confirmation and look-ups."""

    def __init__(self, app) -> None:
        self.app = app

    def apply_resident_changes(self, changes, actor):
        request = message({"changes": changes}, pb.ApplyResidentChangesRequest)
        return resident_reflection.apply_resident_changes(self.app, parse.resident_changes(request), actor)

    def submit_notification(self, request, actor):
        return notifications.submit_notification(
            self.app, parse.notification(message(request, pb.SubmitNotificationRequest)), actor
        )

    def get_qualification(self, person_id, as_of, known_at, actor):
        return queries.get_qualification(self.app, person_id, as_of, known_at, actor)

    def get_person(self, person_id, actor):
        return queries.get_person(self.app, person_id, actor)

    def get_household(self, household_id, actor, as_of=None, known_at=None):
        return queries.get_household(self.app, household_id, actor, as_of, known_at)

    def search_persons(self, criteria, page_size, cursor, actor):
        return queries.search_persons(
            self.app,
            name_kana=criteria.get("name_kana", ""),
            birth_date=parse.date("birth_date", criteria.get("birth_date", "")),
            symbol=criteria.get("symbol", ""),
            number=criteria.get("number", ""),
            branch_no=criteria.get("branch_no", ""),
            my_number=criteria.get("my_number", ""),
            household_id=criteria.get("household_id", ""),
            page=paging.parse(page_size, cursor, numeric=False),
            name_kana_match=criteria.get("name_kana_match", "prefix"),
            actor=actor,
        )

    def get_history(self, person_id):
        return queries.get_history(self.app, person_id)

    def list_intake_items(self, state, page_size, cursor, actor=LISTER):
        return queries.list_intake_items(self.app, state, paging.parse(page_size, cursor), actor)

    def list_audit_events(self, operator_id, action, page_size, cursor):
        return queries.list_audit_events(self.app, operator_id, action, paging.parse(page_size, cursor))

    def certificates_due_now(self, person_id, actor):
        return certificates.due_now(self.app, person_id, actor)

    def list_decisions(self, person_id="", household_id="", page_size=0, cursor="", actor=LISTER):
        request = pb.ListDecisionsRequest(person_id=person_id, household_id=household_id)
        found, cursor = decisions.list_decisions(
            self.app,
            person_id=request.person_id,
            household_id=request.household_id,
            page=paging.parse(page_size, cursor),
            actor=actor,
        )
        return [message(d, pb.DecisionRecord) for d in found], cursor

    def get_decision(self, decision_id):
        return decisions.get_decision(self.app, decision_id)


class Records:
    """Corrections, the certificate ledger and the change list."""

    def __init__(self, app) -> None:
        self.app = app

    def correct_qualification(self, request, actor):
        return corrections.correct_qualification(
            self.app, parse.correction(message(request, pb.CorrectQualificationRequest)), actor
        )

    def record_certificate_issued(self, certificate, actor):
        return ledger.record_certificate_issued(
            self.app, parse.certificate_issued(message(certificate, pb.Certificate)), actor
        )

    def register_certificate_return(self, certificate_id, outcome, returned_on, note, actor):
        request = pb.RegisterCertificateReturnRequest(
            certificate_id=certificate_id, outcome=outcome, returned_on=returned_on, note=note
        )
        return ledger.register_certificate_return(self.app, parse.certificate_return(request), actor)

    def list_certificates(self, *, person_id, state, outstanding_after_loss, page_size, cursor, actor=None):
        return ledger.list_certificates(
            self.app,
            person_id=person_id,
            state=state,
            outstanding_after_loss=outstanding_after_loss,
            page=paging.parse(page_size, cursor),
            actor=actor,
        )

    def list_changes(self, *, from_date, to_date, operator_id, reason, kind, page_size, cursor, actor=LISTER):
        return ledger.list_changes(
            self.app,
            from_date=parse.date("from_date", from_date),
            to_date=parse.date("to_date", to_date),
            operator_id=operator_id,
            reason=reason,
            kind=kind,
            page=paging.parse(page_size, cursor),
            actor=actor,
        )


class Batches:
    """Income facts, burden ratios and the population jobs (run in-process unless `jobs` dispatches)."""

    def __init__(self, app, jobs: Jobs | None = None, chunk_size: int = 2) -> None:
        self.app = app
        self.jobs = jobs or Jobs(app, chunk_size=chunk_size)

    def record_income_facts(self, incomes, actor):
        request = message({"incomes": incomes}, pb.RecordIncomeFactsRequest)
        return burden.record_income_facts(self.app, parse.record_incomes(request), actor)["recorded"]

    def determine_burden_ratio(self, request, actor):
        return burden.determine_burden_ratio(
            self.app, parse.burden_request(message(request, pb.DetermineBurdenRatioRequest)), actor
        )

    def list_burden_determinations(self, household_id, page_size=0, cursor="", actor=LISTER):
        """As the servicer answers: each determination a BurdenDetermination message."""
        found, cursor = burden.list_burden_determinations(
            self.app, household_id, paging.parse(page_size, cursor), actor
        )
        return [message(d, pb.BurdenDetermination) for d in found], cursor

    def start_job(self, kind, parameters, actor):
        return self.jobs.start(parse.start_job(common_pb2.StartJobRequest(kind=kind, parameters=parameters)), actor)

    def get_job(self, job_id):
        return self.jobs.get(job_id)

    def wait(self, timeout=None):
        self.jobs.wait(timeout)

    def target_list(self, job_id, page_size=100, cursor="", actor=LISTER):
        return self.jobs.results(job_id, paging.parse(page_size, cursor, numeric=False, default_size=100), actor=actor)
