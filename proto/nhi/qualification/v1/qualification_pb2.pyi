from nhi.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Address(_message.Message):
    __slots__ = ("postal_code", "address_code", "address", "building", "district_code")
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_CODE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    BUILDING_FIELD_NUMBER: _ClassVar[int]
    DISTRICT_CODE_FIELD_NUMBER: _ClassVar[int]
    postal_code: str
    address_code: str
    address: str
    building: str
    district_code: str
    def __init__(self, postal_code: _Optional[str] = ..., address_code: _Optional[str] = ..., address: _Optional[str] = ..., building: _Optional[str] = ..., district_code: _Optional[str] = ...) -> None: ...

class Person(_message.Message):
    __slots__ = ("person_id", "household_id", "name_kanji", "name_kana", "birth_date", "sex", "relationship", "listing_order", "address", "resident_since", "resident_status", "my_number", "insured", "version", "nationality", "residence_status", "residence_expires_on")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_KANJI_FIELD_NUMBER: _ClassVar[int]
    NAME_KANA_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_FIELD_NUMBER: _ClassVar[int]
    SEX_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    LISTING_ORDER_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_SINCE_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_STATUS_FIELD_NUMBER: _ClassVar[int]
    MY_NUMBER_FIELD_NUMBER: _ClassVar[int]
    INSURED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    NATIONALITY_FIELD_NUMBER: _ClassVar[int]
    RESIDENCE_STATUS_FIELD_NUMBER: _ClassVar[int]
    RESIDENCE_EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    household_id: str
    name_kanji: str
    name_kana: str
    birth_date: str
    sex: str
    relationship: str
    listing_order: int
    address: Address
    resident_since: str
    resident_status: str
    my_number: str
    insured: bool
    version: int
    nationality: str
    residence_status: str
    residence_expires_on: str
    def __init__(self, person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., name_kanji: _Optional[str] = ..., name_kana: _Optional[str] = ..., birth_date: _Optional[str] = ..., sex: _Optional[str] = ..., relationship: _Optional[str] = ..., listing_order: _Optional[int] = ..., address: _Optional[_Union[Address, _Mapping]] = ..., resident_since: _Optional[str] = ..., resident_status: _Optional[str] = ..., my_number: _Optional[str] = ..., insured: _Optional[bool] = ..., version: _Optional[int] = ..., nationality: _Optional[str] = ..., residence_status: _Optional[str] = ..., residence_expires_on: _Optional[str] = ...) -> None: ...

class Household(_message.Message):
    __slots__ = ("household_id", "head_person_id", "symbol", "number", "deemed_head", "members", "address", "version")
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    HEAD_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    DEEMED_HEAD_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    household_id: str
    head_person_id: str
    symbol: str
    number: str
    deemed_head: bool
    members: _containers.RepeatedCompositeFieldContainer[Person]
    address: Address
    version: int
    def __init__(self, household_id: _Optional[str] = ..., head_person_id: _Optional[str] = ..., symbol: _Optional[str] = ..., number: _Optional[str] = ..., deemed_head: _Optional[bool] = ..., members: _Optional[_Iterable[_Union[Person, _Mapping]]] = ..., address: _Optional[_Union[Address, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class ResidentChange(_message.Message):
    __slots__ = ("change_id", "change_kind", "event_date", "notified_on", "household_id", "head_person_id", "persons", "address", "previous_municipality")
    CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_KIND_FIELD_NUMBER: _ClassVar[int]
    EVENT_DATE_FIELD_NUMBER: _ClassVar[int]
    NOTIFIED_ON_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    HEAD_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    PERSONS_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_MUNICIPALITY_FIELD_NUMBER: _ClassVar[int]
    change_id: str
    change_kind: str
    event_date: str
    notified_on: str
    household_id: str
    head_person_id: str
    persons: _containers.RepeatedCompositeFieldContainer[ResidentPerson]
    address: Address
    previous_municipality: str
    def __init__(self, change_id: _Optional[str] = ..., change_kind: _Optional[str] = ..., event_date: _Optional[str] = ..., notified_on: _Optional[str] = ..., household_id: _Optional[str] = ..., head_person_id: _Optional[str] = ..., persons: _Optional[_Iterable[_Union[ResidentPerson, _Mapping]]] = ..., address: _Optional[_Union[Address, _Mapping]] = ..., previous_municipality: _Optional[str] = ...) -> None: ...

class ResidentPerson(_message.Message):
    __slots__ = ("person_id", "name_kanji", "name_kana", "birth_date", "sex", "relationship", "listing_order", "my_number", "nationality", "residence_status", "residence_expires_on", "dv_support")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_KANJI_FIELD_NUMBER: _ClassVar[int]
    NAME_KANA_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_FIELD_NUMBER: _ClassVar[int]
    SEX_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    LISTING_ORDER_FIELD_NUMBER: _ClassVar[int]
    MY_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NATIONALITY_FIELD_NUMBER: _ClassVar[int]
    RESIDENCE_STATUS_FIELD_NUMBER: _ClassVar[int]
    RESIDENCE_EXPIRES_ON_FIELD_NUMBER: _ClassVar[int]
    DV_SUPPORT_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    name_kanji: str
    name_kana: str
    birth_date: str
    sex: str
    relationship: str
    listing_order: int
    my_number: str
    nationality: str
    residence_status: str
    residence_expires_on: str
    dv_support: bool
    def __init__(self, person_id: _Optional[str] = ..., name_kanji: _Optional[str] = ..., name_kana: _Optional[str] = ..., birth_date: _Optional[str] = ..., sex: _Optional[str] = ..., relationship: _Optional[str] = ..., listing_order: _Optional[int] = ..., my_number: _Optional[str] = ..., nationality: _Optional[str] = ..., residence_status: _Optional[str] = ..., residence_expires_on: _Optional[str] = ..., dv_support: _Optional[bool] = ...) -> None: ...

class ApplyResidentChangesRequest(_message.Message):
    __slots__ = ("context", "changes")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    changes: _containers.RepeatedCompositeFieldContainer[ResidentChange]
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., changes: _Optional[_Iterable[_Union[ResidentChange, _Mapping]]] = ...) -> None: ...

class AppliedChange(_message.Message):
    __slots__ = ("change_id", "outcome", "person_ids", "intake_item_id")
    CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    INTAKE_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    change_id: str
    outcome: str
    person_ids: _containers.RepeatedScalarFieldContainer[str]
    intake_item_id: str
    def __init__(self, change_id: _Optional[str] = ..., outcome: _Optional[str] = ..., person_ids: _Optional[_Iterable[str]] = ..., intake_item_id: _Optional[str] = ...) -> None: ...

class ApplyResidentChangesResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[AppliedChange]
    def __init__(self, results: _Optional[_Iterable[_Union[AppliedChange, _Mapping]]] = ...) -> None: ...

class IdentityCheck(_message.Message):
    __slots__ = ("document_kind", "checked_by")
    DOCUMENT_KIND_FIELD_NUMBER: _ClassVar[int]
    CHECKED_BY_FIELD_NUMBER: _ClassVar[int]
    document_kind: str
    checked_by: str
    def __init__(self, document_kind: _Optional[str] = ..., checked_by: _Optional[str] = ...) -> None: ...

class NotificationPerson(_message.Message):
    __slots__ = ("person_id", "my_number")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    MY_NUMBER_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    my_number: str
    def __init__(self, person_id: _Optional[str] = ..., my_number: _Optional[str] = ...) -> None: ...

class SubmitNotificationRequest(_message.Message):
    __slots__ = ("context", "kind", "reason", "household_id", "persons", "event_date", "notified_on", "identity_check", "dry_run", "expected_household_version")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    PERSONS_FIELD_NUMBER: _ClassVar[int]
    EVENT_DATE_FIELD_NUMBER: _ClassVar[int]
    NOTIFIED_ON_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_CHECK_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_HOUSEHOLD_VERSION_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    kind: str
    reason: str
    household_id: str
    persons: _containers.RepeatedCompositeFieldContainer[NotificationPerson]
    event_date: str
    notified_on: str
    identity_check: IdentityCheck
    dry_run: bool
    expected_household_version: int
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., household_id: _Optional[str] = ..., persons: _Optional[_Iterable[_Union[NotificationPerson, _Mapping]]] = ..., event_date: _Optional[str] = ..., notified_on: _Optional[str] = ..., identity_check: _Optional[_Union[IdentityCheck, _Mapping]] = ..., dry_run: _Optional[bool] = ..., expected_household_version: _Optional[int] = ...) -> None: ...

class DocumentDue(_message.Message):
    __slots__ = ("kind", "person_id", "reason")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    kind: str
    person_id: str
    reason: _common_pb2.Reason
    def __init__(self, kind: _Optional[str] = ..., person_id: _Optional[str] = ..., reason: _Optional[_Union[_common_pb2.Reason, _Mapping]] = ...) -> None: ...

class PersonDecision(_message.Message):
    __slots__ = ("person_id", "acquired_on", "lost_on", "symbol", "number", "branch_no", "reasons")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ACQUIRED_ON_FIELD_NUMBER: _ClassVar[int]
    LOST_ON_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    BRANCH_NO_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    acquired_on: str
    lost_on: str
    symbol: str
    number: str
    branch_no: str
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.Reason]
    def __init__(self, person_id: _Optional[str] = ..., acquired_on: _Optional[str] = ..., lost_on: _Optional[str] = ..., symbol: _Optional[str] = ..., number: _Optional[str] = ..., branch_no: _Optional[str] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ("change_id", "business_date", "persons", "documents", "late", "late_days", "retroactive_flag", "reasons", "dry_run")
    CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    PERSONS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    LATE_FIELD_NUMBER: _ClassVar[int]
    LATE_DAYS_FIELD_NUMBER: _ClassVar[int]
    RETROACTIVE_FLAG_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    change_id: str
    business_date: str
    persons: _containers.RepeatedCompositeFieldContainer[PersonDecision]
    documents: _containers.RepeatedCompositeFieldContainer[DocumentDue]
    late: bool
    late_days: int
    retroactive_flag: bool
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.Reason]
    dry_run: bool
    def __init__(self, change_id: _Optional[str] = ..., business_date: _Optional[str] = ..., persons: _Optional[_Iterable[_Union[PersonDecision, _Mapping]]] = ..., documents: _Optional[_Iterable[_Union[DocumentDue, _Mapping]]] = ..., late: _Optional[bool] = ..., late_days: _Optional[int] = ..., retroactive_flag: _Optional[bool] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class SubmitNotificationResponse(_message.Message):
    __slots__ = ("decision", "household_version")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_VERSION_FIELD_NUMBER: _ClassVar[int]
    decision: Decision
    household_version: int
    def __init__(self, decision: _Optional[_Union[Decision, _Mapping]] = ..., household_version: _Optional[int] = ...) -> None: ...

class GetQualificationRequest(_message.Message):
    __slots__ = ("person_id", "as_of", "known_at", "context")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    as_of: str
    known_at: str
    context: _common_pb2.RequestContext
    def __init__(self, person_id: _Optional[str] = ..., as_of: _Optional[str] = ..., known_at: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class QualificationPeriod(_message.Message):
    __slots__ = ("period_id", "person_id", "household_id", "insurer_number", "symbol", "number", "branch_no", "acquired_on", "acquired_reason", "lost_on", "lost_reason", "recorded_at", "superseded_at", "change_id", "reasons")
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    INSURER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    BRANCH_NO_FIELD_NUMBER: _ClassVar[int]
    ACQUIRED_ON_FIELD_NUMBER: _ClassVar[int]
    ACQUIRED_REASON_FIELD_NUMBER: _ClassVar[int]
    LOST_ON_FIELD_NUMBER: _ClassVar[int]
    LOST_REASON_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_AT_FIELD_NUMBER: _ClassVar[int]
    CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    period_id: str
    person_id: str
    household_id: str
    insurer_number: str
    symbol: str
    number: str
    branch_no: str
    acquired_on: str
    acquired_reason: str
    lost_on: str
    lost_reason: str
    recorded_at: str
    superseded_at: str
    change_id: str
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.Reason]
    def __init__(self, period_id: _Optional[str] = ..., person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., insurer_number: _Optional[str] = ..., symbol: _Optional[str] = ..., number: _Optional[str] = ..., branch_no: _Optional[str] = ..., acquired_on: _Optional[str] = ..., acquired_reason: _Optional[str] = ..., lost_on: _Optional[str] = ..., lost_reason: _Optional[str] = ..., recorded_at: _Optional[str] = ..., superseded_at: _Optional[str] = ..., change_id: _Optional[str] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ...) -> None: ...

class QualificationView(_message.Message):
    __slots__ = ("person_id", "as_of", "known_at", "insured", "period", "person")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    INSURED_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    as_of: str
    known_at: str
    insured: bool
    period: QualificationPeriod
    person: Person
    def __init__(self, person_id: _Optional[str] = ..., as_of: _Optional[str] = ..., known_at: _Optional[str] = ..., insured: _Optional[bool] = ..., period: _Optional[_Union[QualificationPeriod, _Mapping]] = ..., person: _Optional[_Union[Person, _Mapping]] = ...) -> None: ...

class GetPersonRequest(_message.Message):
    __slots__ = ("person_id", "context")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    context: _common_pb2.RequestContext
    def __init__(self, person_id: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class SearchPersonsRequest(_message.Message):
    __slots__ = ("context", "name_kana", "birth_date", "symbol", "number", "branch_no", "my_number", "household_id", "page")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    NAME_KANA_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    BRANCH_NO_FIELD_NUMBER: _ClassVar[int]
    MY_NUMBER_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    name_kana: str
    birth_date: str
    symbol: str
    number: str
    branch_no: str
    my_number: str
    household_id: str
    page: _common_pb2.PageRequest
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., name_kana: _Optional[str] = ..., birth_date: _Optional[str] = ..., symbol: _Optional[str] = ..., number: _Optional[str] = ..., branch_no: _Optional[str] = ..., my_number: _Optional[str] = ..., household_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class SearchPersonsResponse(_message.Message):
    __slots__ = ("persons", "page")
    PERSONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    persons: _containers.RepeatedCompositeFieldContainer[Person]
    page: _common_pb2.PageInfo
    def __init__(self, persons: _Optional[_Iterable[_Union[Person, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class GetHouseholdRequest(_message.Message):
    __slots__ = ("household_id", "context")
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    household_id: str
    context: _common_pb2.RequestContext
    def __init__(self, household_id: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class GetHistoryRequest(_message.Message):
    __slots__ = ("person_id",)
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    def __init__(self, person_id: _Optional[str] = ...) -> None: ...

class GetHistoryResponse(_message.Message):
    __slots__ = ("versions",)
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[QualificationPeriod]
    def __init__(self, versions: _Optional[_Iterable[_Union[QualificationPeriod, _Mapping]]] = ...) -> None: ...

class CorrectQualificationRequest(_message.Message):
    __slots__ = ("context", "period_id", "acquired_on", "lost_on", "reason", "correction_reason")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    ACQUIRED_ON_FIELD_NUMBER: _ClassVar[int]
    LOST_ON_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_REASON_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    period_id: str
    acquired_on: str
    lost_on: str
    reason: str
    correction_reason: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., period_id: _Optional[str] = ..., acquired_on: _Optional[str] = ..., lost_on: _Optional[str] = ..., reason: _Optional[str] = ..., correction_reason: _Optional[str] = ...) -> None: ...

class CorrectQualificationResponse(_message.Message):
    __slots__ = ("period",)
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    period: QualificationPeriod
    def __init__(self, period: _Optional[_Union[QualificationPeriod, _Mapping]] = ...) -> None: ...

class RegisterCertificateReturnRequest(_message.Message):
    __slots__ = ("context", "certificate_id", "outcome", "returned_on")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RETURNED_ON_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    certificate_id: str
    outcome: str
    returned_on: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., certificate_id: _Optional[str] = ..., outcome: _Optional[str] = ..., returned_on: _Optional[str] = ...) -> None: ...

class RegisterCertificateReturnResponse(_message.Message):
    __slots__ = ("certificate_id", "outcome")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    certificate_id: str
    outcome: str
    def __init__(self, certificate_id: _Optional[str] = ..., outcome: _Optional[str] = ...) -> None: ...

class IncomeFact(_message.Message):
    __slots__ = ("person_id", "taxable_income", "gross_income", "kyu_tadashigaki_income", "non_taxed", "income_year")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    TAXABLE_INCOME_FIELD_NUMBER: _ClassVar[int]
    GROSS_INCOME_FIELD_NUMBER: _ClassVar[int]
    KYU_TADASHIGAKI_INCOME_FIELD_NUMBER: _ClassVar[int]
    NON_TAXED_FIELD_NUMBER: _ClassVar[int]
    INCOME_YEAR_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    taxable_income: int
    gross_income: int
    kyu_tadashigaki_income: int
    non_taxed: bool
    income_year: int
    def __init__(self, person_id: _Optional[str] = ..., taxable_income: _Optional[int] = ..., gross_income: _Optional[int] = ..., kyu_tadashigaki_income: _Optional[int] = ..., non_taxed: _Optional[bool] = ..., income_year: _Optional[int] = ...) -> None: ...

class DetermineBurdenRatioRequest(_message.Message):
    __slots__ = ("context", "household_id", "as_of", "incomes")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    INCOMES_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    household_id: str
    as_of: str
    incomes: _containers.RepeatedCompositeFieldContainer[IncomeFact]
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., household_id: _Optional[str] = ..., as_of: _Optional[str] = ..., incomes: _Optional[_Iterable[_Union[IncomeFact, _Mapping]]] = ...) -> None: ...

class DetermineBurdenRatioResponse(_message.Message):
    __slots__ = ("household_id", "ratio_percent", "limit_category", "pending", "reasons")
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    RATIO_PERCENT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    household_id: str
    ratio_percent: int
    limit_category: str
    pending: bool
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.Reason]
    def __init__(self, household_id: _Optional[str] = ..., ratio_percent: _Optional[int] = ..., limit_category: _Optional[str] = ..., pending: _Optional[bool] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ...) -> None: ...

class ListChangesRequest(_message.Message):
    __slots__ = ("page", "from_date", "to_date", "operator_id", "reason")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    from_date: str
    to_date: str
    operator_id: str
    reason: str
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., from_date: _Optional[str] = ..., to_date: _Optional[str] = ..., operator_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ChangeRecord(_message.Message):
    __slots__ = ("change_id", "recorded_at", "operator_id", "kind", "reason", "household_id", "person_ids", "event_date", "notified_on", "business_date", "before_json", "after_json")
    CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    EVENT_DATE_FIELD_NUMBER: _ClassVar[int]
    NOTIFIED_ON_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    BEFORE_JSON_FIELD_NUMBER: _ClassVar[int]
    AFTER_JSON_FIELD_NUMBER: _ClassVar[int]
    change_id: str
    recorded_at: str
    operator_id: str
    kind: str
    reason: str
    household_id: str
    person_ids: _containers.RepeatedScalarFieldContainer[str]
    event_date: str
    notified_on: str
    business_date: str
    before_json: str
    after_json: str
    def __init__(self, change_id: _Optional[str] = ..., recorded_at: _Optional[str] = ..., operator_id: _Optional[str] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., household_id: _Optional[str] = ..., person_ids: _Optional[_Iterable[str]] = ..., event_date: _Optional[str] = ..., notified_on: _Optional[str] = ..., business_date: _Optional[str] = ..., before_json: _Optional[str] = ..., after_json: _Optional[str] = ...) -> None: ...

class ListChangesResponse(_message.Message):
    __slots__ = ("changes", "page")
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[ChangeRecord]
    page: _common_pb2.PageInfo
    def __init__(self, changes: _Optional[_Iterable[_Union[ChangeRecord, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class IntakeItem(_message.Message):
    __slots__ = ("item_id", "source_change_id", "kind", "household_id", "person_ids", "event_date", "state", "created_at")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    EVENT_DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    source_change_id: str
    kind: str
    household_id: str
    person_ids: _containers.RepeatedScalarFieldContainer[str]
    event_date: str
    state: str
    created_at: str
    def __init__(self, item_id: _Optional[str] = ..., source_change_id: _Optional[str] = ..., kind: _Optional[str] = ..., household_id: _Optional[str] = ..., person_ids: _Optional[_Iterable[str]] = ..., event_date: _Optional[str] = ..., state: _Optional[str] = ..., created_at: _Optional[str] = ...) -> None: ...

class ListIntakeItemsRequest(_message.Message):
    __slots__ = ("page", "state")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    state: str
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., state: _Optional[str] = ...) -> None: ...

class ListIntakeItemsResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[IntakeItem]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[IntakeItem, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...
