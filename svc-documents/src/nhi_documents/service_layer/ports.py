"""What the use cases need from the outside: svc-qualification and a renderer."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from ..domain.certificate import EligibilityCertificate
from ..domain.model import CertificatesDue, HouseholdInfo, PersonInfo, QualificationInfo


class QualificationSource(Protocol):
    """Persons, qualifications, households and the certificates due (CERT-KIND, CERT-EXPIRY);
    raises rpc.ServiceError NOT_FOUND / UNAVAILABLE / FAILED_PRECONDITION (NOT_INSURED)."""

    def get_person(self, person_id: str, *, operator_id: str, business_date: dt.date) -> PersonInfo: ...

    def get_qualification(self, person_id: str, *, as_of: dt.date, operator_id: str,
                          business_date: dt.date) -> QualificationInfo: ...

    def get_household(self, household_id: str, *, operator_id: str, business_date: dt.date) -> HouseholdInfo: ...

    def certificates_due(self, person_id: str, *, operator_id: str, business_date: dt.date) -> CertificatesDue: ...


class Renderer(Protocol):
    def eligibility_certificate(self, cert: EligibilityCertificate) -> bytes: ...
