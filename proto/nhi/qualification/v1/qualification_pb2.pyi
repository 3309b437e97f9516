from google.protobuf import struct_pb2 as _struct_pb2
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
    __slots__ = ("person_id", "household_id", "name_kanji", "name_kana", "birth_date", "sex", "relationship", "listing_order", "address", "resident_since", "resident_status", "my_number", "insured", "version", "nationality", "residence_status", "residence_expires_on", "statuses", "display_name", "card_registered", "dv_support")
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
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CARD_REGISTERED_FIELD_NUMBER: _ClassVar[int]
    DV_SUPPORT_FIELD_NUMBER: _ClassVar[int]
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
    statuses: _containers.RepeatedCompositeFieldContainer[StatusPeriod]
    display_name: str
    card_registered: bool
    dv_support: bool
    def __init__(self, person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., name_kanji: _Optional[str] = ..., name_kana: _Optional[str] = ..., birth_date: _Optional[str] = ..., sex: _Optional[str] = ..., relationship: _Optional[str] = ..., listing_order: _Optional[int] = ..., address: _Optional[_Union[Address, _Mapping]] = ..., resident_since: _Optional[str] = ..., resident_status: _Optional[str] = ..., my_number: _Optional[str] = ..., insured: _Optional[bool] = ..., version: _Optional[int] = ..., nationality: _Optional[str] = ..., residence_status: _Optional[str] = ..., residence_expires_on: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[StatusPeriod, _Mapping]]] = ..., display_name: _Optional[str] = ..., card_registered: _Optional[bool] = ..., dv_support: _Optional[bool] = ...) -> None: ...

class StatusPeriod(_message.Message):
    __slots__ = ("status_id", "person_id", "kind", "start", "end", "evidence", "separation_date", "separation_code", "display_name", "reasons")
    STATUS_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    SEPARATION_DATE_FIELD_NUMBER: _ClassVar[int]
    SEPARATION_CODE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    status_id: str
    person_id: str
    kind: str
    start: str
    end: str
    evidence: _containers.RepeatedScalarFieldContainer[str]
    separation_date: str
    separation_code: str
    display_name: str
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.Reason]
    def __init__(self, status_id: _Optional[str] = ..., person_id: _Optional[str] = ..., kind: _Optional[str] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., evidence: _Optional[_Iterable[str]] = ..., separation_date: _Optional[str] = ..., separation_code: _Optional[str] = ..., display_name: _Optional[str] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ...) -> None: ...

class Household(_message.Message):
    __slots__ = ("household_id", "head_person_id", "symbol", "number", "deemed_head", "members", "address", "version", "nhi_head_person_id")
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    HEAD_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    DEEMED_HEAD_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    NHI_HEAD_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    household_id: str
    head_person_id: str
    symbol: str
    number: str
    deemed_head: bool
    members: _containers.RepeatedCompositeFieldContainer[Person]
    address: Address
    version: int
    nhi_head_person_id: str
    def __init__(self, household_id: _Optional[str] = ..., head_person_id: _Optional[str] = ..., symbol: _Optional[str] = ..., number: _Optional[str] = ..., deemed_head: _Optional[bool] = ..., members: _Optional[_Iterable[_Union[Person, _Mapping]]] = ..., address: _Optional[_Union[Address, _Mapping]] = ..., version: _Optional[int] = ..., nhi_head_person_id: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("context", "kind", "reason", "household_id", "persons", "event_date", "notified_on", "identity_check", "dry_run", "expected_household_version", "statuses", "new_head_person_id", "prefecture_acquired_on")
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
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    NEW_HEAD_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    PREFECTURE_ACQUIRED_ON_FIELD_NUMBER: _ClassVar[int]
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
    statuses: _containers.RepeatedCompositeFieldContainer[StatusPeriod]
    new_head_person_id: str
    prefecture_acquired_on: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., household_id: _Optional[str] = ..., persons: _Optional[_Iterable[_Union[NotificationPerson, _Mapping]]] = ..., event_date: _Optional[str] = ..., notified_on: _Optional[str] = ..., identity_check: _Optional[_Union[IdentityCheck, _Mapping]] = ..., dry_run: _Optional[bool] = ..., expected_household_version: _Optional[int] = ..., statuses: _Optional[_Iterable[_Union[StatusPeriod, _Mapping]]] = ..., new_head_person_id: _Optional[str] = ..., prefecture_acquired_on: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("person_id", "acquired_on", "lost_on", "symbol", "number", "branch_no", "reasons", "coverage_starts_on", "coverage_ends_on")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ACQUIRED_ON_FIELD_NUMBER: _ClassVar[int]
    LOST_ON_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    BRANCH_NO_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_STARTS_ON_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_ENDS_ON_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    acquired_on: str
    lost_on: str
    symbol: str
    number: str
    branch_no: str
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.Reason]
    coverage_starts_on: str
    coverage_ends_on: str
    def __init__(self, person_id: _Optional[str] = ..., acquired_on: _Optional[str] = ..., lost_on: _Optional[str] = ..., symbol: _Optional[str] = ..., number: _Optional[str] = ..., branch_no: _Optional[str] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ..., coverage_starts_on: _Optional[str] = ..., coverage_ends_on: _Optional[str] = ...) -> None: ...

class CertificateDue(_message.Message):
    __slots__ = ("kind", "person_id", "valid_from", "valid_until", "reasons")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    kind: str
    person_id: str
    valid_from: str
    valid_until: str
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.Reason]
    def __init__(self, kind: _Optional[str] = ..., person_id: _Optional[str] = ..., valid_from: _Optional[str] = ..., valid_until: _Optional[str] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ("change_id", "business_date", "persons", "documents", "late", "late_days", "retroactive_flag", "reasons", "dry_run", "certificates_to_issue", "certificates_to_collect", "income_inquiry_needed", "statuses")
    CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    PERSONS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    LATE_FIELD_NUMBER: _ClassVar[int]
    LATE_DAYS_FIELD_NUMBER: _ClassVar[int]
    RETROACTIVE_FLAG_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATES_TO_ISSUE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATES_TO_COLLECT_FIELD_NUMBER: _ClassVar[int]
    INCOME_INQUIRY_NEEDED_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    change_id: str
    business_date: str
    persons: _containers.RepeatedCompositeFieldContainer[PersonDecision]
    documents: _containers.RepeatedCompositeFieldContainer[DocumentDue]
    late: bool
    late_days: int
    retroactive_flag: bool
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.Reason]
    dry_run: bool
    certificates_to_issue: _containers.RepeatedCompositeFieldContainer[CertificateDue]
    certificates_to_collect: _containers.RepeatedCompositeFieldContainer[Certificate]
    income_inquiry_needed: bool
    statuses: _containers.RepeatedCompositeFieldContainer[StatusPeriod]
    def __init__(self, change_id: _Optional[str] = ..., business_date: _Optional[str] = ..., persons: _Optional[_Iterable[_Union[PersonDecision, _Mapping]]] = ..., documents: _Optional[_Iterable[_Union[DocumentDue, _Mapping]]] = ..., late: _Optional[bool] = ..., late_days: _Optional[int] = ..., retroactive_flag: _Optional[bool] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ..., dry_run: _Optional[bool] = ..., certificates_to_issue: _Optional[_Iterable[_Union[CertificateDue, _Mapping]]] = ..., certificates_to_collect: _Optional[_Iterable[_Union[Certificate, _Mapping]]] = ..., income_inquiry_needed: _Optional[bool] = ..., statuses: _Optional[_Iterable[_Union[StatusPeriod, _Mapping]]] = ...) -> None: ...

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
    __slots__ = ("period_id", "person_id", "household_id", "insurer_number", "symbol", "number", "branch_no", "acquired_on", "acquired_reason", "lost_on", "lost_reason", "recorded_at", "superseded_at", "change_id", "reasons", "version_id", "coverage_starts_on", "coverage_ends_on", "void", "correction_reason", "operator_id")
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
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_STARTS_ON_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_ENDS_ON_FIELD_NUMBER: _ClassVar[int]
    VOID_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_REASON_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
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
    version_id: int
    coverage_starts_on: str
    coverage_ends_on: str
    void: bool
    correction_reason: str
    operator_id: str
    def __init__(self, period_id: _Optional[str] = ..., person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., insurer_number: _Optional[str] = ..., symbol: _Optional[str] = ..., number: _Optional[str] = ..., branch_no: _Optional[str] = ..., acquired_on: _Optional[str] = ..., acquired_reason: _Optional[str] = ..., lost_on: _Optional[str] = ..., lost_reason: _Optional[str] = ..., recorded_at: _Optional[str] = ..., superseded_at: _Optional[str] = ..., change_id: _Optional[str] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ..., version_id: _Optional[int] = ..., coverage_starts_on: _Optional[str] = ..., coverage_ends_on: _Optional[str] = ..., void: _Optional[bool] = ..., correction_reason: _Optional[str] = ..., operator_id: _Optional[str] = ...) -> None: ...

class QualificationView(_message.Message):
    __slots__ = ("person_id", "as_of", "known_at", "insured", "period", "person", "reasons")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    INSURED_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    as_of: str
    known_at: str
    insured: bool
    period: QualificationPeriod
    person: Person
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.Reason]
    def __init__(self, person_id: _Optional[str] = ..., as_of: _Optional[str] = ..., known_at: _Optional[str] = ..., insured: _Optional[bool] = ..., period: _Optional[_Union[QualificationPeriod, _Mapping]] = ..., person: _Optional[_Union[Person, _Mapping]] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ...) -> None: ...

class GetPersonRequest(_message.Message):
    __slots__ = ("person_id", "context")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    context: _common_pb2.RequestContext
    def __init__(self, person_id: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class SearchPersonsRequest(_message.Message):
    __slots__ = ("context", "name_kana", "birth_date", "symbol", "number", "branch_no", "my_number", "household_id", "page", "name_kana_match")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    NAME_KANA_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    BRANCH_NO_FIELD_NUMBER: _ClassVar[int]
    MY_NUMBER_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    NAME_KANA_MATCH_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    name_kana: str
    birth_date: str
    symbol: str
    number: str
    branch_no: str
    my_number: str
    household_id: str
    page: _common_pb2.PageRequest
    name_kana_match: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., name_kana: _Optional[str] = ..., birth_date: _Optional[str] = ..., symbol: _Optional[str] = ..., number: _Optional[str] = ..., branch_no: _Optional[str] = ..., my_number: _Optional[str] = ..., household_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., name_kana_match: _Optional[str] = ...) -> None: ...

class SearchPersonsResponse(_message.Message):
    __slots__ = ("persons", "page")
    PERSONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    persons: _containers.RepeatedCompositeFieldContainer[Person]
    page: _common_pb2.PageInfo
    def __init__(self, persons: _Optional[_Iterable[_Union[Person, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class GetHouseholdRequest(_message.Message):
    __slots__ = ("household_id", "context", "as_of", "known_at")
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    household_id: str
    context: _common_pb2.RequestContext
    as_of: str
    known_at: str
    def __init__(self, household_id: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., as_of: _Optional[str] = ..., known_at: _Optional[str] = ...) -> None: ...

class GetHistoryRequest(_message.Message):
    __slots__ = ("person_id", "context")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    context: _common_pb2.RequestContext
    def __init__(self, person_id: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class GetHistoryResponse(_message.Message):
    __slots__ = ("versions", "person_versions")
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    PERSON_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[QualificationPeriod]
    person_versions: _containers.RepeatedCompositeFieldContainer[PersonVersion]
    def __init__(self, versions: _Optional[_Iterable[_Union[QualificationPeriod, _Mapping]]] = ..., person_versions: _Optional[_Iterable[_Union[PersonVersion, _Mapping]]] = ...) -> None: ...

class PersonVersion(_message.Message):
    __slots__ = ("version", "recorded_at", "cause", "attributes")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    version: int
    recorded_at: str
    cause: str
    attributes: _struct_pb2.Struct
    def __init__(self, version: _Optional[int] = ..., recorded_at: _Optional[str] = ..., cause: _Optional[str] = ..., attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CorrectQualificationRequest(_message.Message):
    __slots__ = ("context", "period_id", "version_id", "acquired_on", "lost_on", "clear_lost_on", "acquired_reason", "lost_reason", "notified_on", "relationship", "listing_order", "undo", "correction_reason")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    ACQUIRED_ON_FIELD_NUMBER: _ClassVar[int]
    LOST_ON_FIELD_NUMBER: _ClassVar[int]
    CLEAR_LOST_ON_FIELD_NUMBER: _ClassVar[int]
    ACQUIRED_REASON_FIELD_NUMBER: _ClassVar[int]
    LOST_REASON_FIELD_NUMBER: _ClassVar[int]
    NOTIFIED_ON_FIELD_NUMBER: _ClassVar[int]
    RELATIONSHIP_FIELD_NUMBER: _ClassVar[int]
    LISTING_ORDER_FIELD_NUMBER: _ClassVar[int]
    UNDO_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_REASON_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    period_id: str
    version_id: int
    acquired_on: str
    lost_on: str
    clear_lost_on: bool
    acquired_reason: str
    lost_reason: str
    notified_on: str
    relationship: str
    listing_order: int
    undo: bool
    correction_reason: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., period_id: _Optional[str] = ..., version_id: _Optional[int] = ..., acquired_on: _Optional[str] = ..., lost_on: _Optional[str] = ..., clear_lost_on: _Optional[bool] = ..., acquired_reason: _Optional[str] = ..., lost_reason: _Optional[str] = ..., notified_on: _Optional[str] = ..., relationship: _Optional[str] = ..., listing_order: _Optional[int] = ..., undo: _Optional[bool] = ..., correction_reason: _Optional[str] = ...) -> None: ...

class CorrectQualificationResponse(_message.Message):
    __slots__ = ("period", "resend_required", "change_id", "reasons", "late", "late_days", "certificates_to_reissue")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    RESEND_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    LATE_FIELD_NUMBER: _ClassVar[int]
    LATE_DAYS_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATES_TO_REISSUE_FIELD_NUMBER: _ClassVar[int]
    period: QualificationPeriod
    resend_required: bool
    change_id: str
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.Reason]
    late: bool
    late_days: int
    certificates_to_reissue: _containers.RepeatedCompositeFieldContainer[CertificateDue]
    def __init__(self, period: _Optional[_Union[QualificationPeriod, _Mapping]] = ..., resend_required: _Optional[bool] = ..., change_id: _Optional[str] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ..., late: _Optional[bool] = ..., late_days: _Optional[int] = ..., certificates_to_reissue: _Optional[_Iterable[_Union[CertificateDue, _Mapping]]] = ...) -> None: ...

class RecordPrefectureAcquisitionRequest(_message.Message):
    __slots__ = ("context", "person_id", "period_id", "prefecture_acquired_on", "source_change_id")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    PREFECTURE_ACQUIRED_ON_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    person_id: str
    period_id: str
    prefecture_acquired_on: str
    source_change_id: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., person_id: _Optional[str] = ..., period_id: _Optional[str] = ..., prefecture_acquired_on: _Optional[str] = ..., source_change_id: _Optional[str] = ...) -> None: ...

class RecordPrefectureAcquisitionResponse(_message.Message):
    __slots__ = ("outcome", "period_id", "version_id", "acquired_on", "coverage_starts_on", "change_id")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    ACQUIRED_ON_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_STARTS_ON_FIELD_NUMBER: _ClassVar[int]
    CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    outcome: str
    period_id: str
    version_id: int
    acquired_on: str
    coverage_starts_on: str
    change_id: str
    def __init__(self, outcome: _Optional[str] = ..., period_id: _Optional[str] = ..., version_id: _Optional[int] = ..., acquired_on: _Optional[str] = ..., coverage_starts_on: _Optional[str] = ..., change_id: _Optional[str] = ...) -> None: ...

class RegisterCertificateReturnRequest(_message.Message):
    __slots__ = ("context", "certificate_id", "outcome", "returned_on", "note")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    RETURNED_ON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    certificate_id: str
    outcome: str
    returned_on: str
    note: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., certificate_id: _Optional[str] = ..., outcome: _Optional[str] = ..., returned_on: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class RegisterCertificateReturnResponse(_message.Message):
    __slots__ = ("certificate",)
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    certificate: Certificate
    def __init__(self, certificate: _Optional[_Union[Certificate, _Mapping]] = ...) -> None: ...

class Certificate(_message.Message):
    __slots__ = ("certificate_id", "kind", "person_id", "household_id", "certificate_number", "issued_on", "valid_from", "valid_until", "state", "returned_on", "document_id", "collect", "note")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ISSUED_ON_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RETURNED_ON_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    COLLECT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    certificate_id: str
    kind: str
    person_id: str
    household_id: str
    certificate_number: str
    issued_on: str
    valid_from: str
    valid_until: str
    state: str
    returned_on: str
    document_id: str
    collect: bool
    note: str
    def __init__(self, certificate_id: _Optional[str] = ..., kind: _Optional[str] = ..., person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., certificate_number: _Optional[str] = ..., issued_on: _Optional[str] = ..., valid_from: _Optional[str] = ..., valid_until: _Optional[str] = ..., state: _Optional[str] = ..., returned_on: _Optional[str] = ..., document_id: _Optional[str] = ..., collect: _Optional[bool] = ..., note: _Optional[str] = ...) -> None: ...

class ListCertificatesRequest(_message.Message):
    __slots__ = ("page", "person_id", "state", "outstanding_after_loss", "context")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_AFTER_LOSS_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    person_id: str
    state: str
    outstanding_after_loss: bool
    context: _common_pb2.RequestContext
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., person_id: _Optional[str] = ..., state: _Optional[str] = ..., outstanding_after_loss: _Optional[bool] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class ListCertificatesResponse(_message.Message):
    __slots__ = ("certificates", "page")
    CERTIFICATES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    certificates: _containers.RepeatedCompositeFieldContainer[Certificate]
    page: _common_pb2.PageInfo
    def __init__(self, certificates: _Optional[_Iterable[_Union[Certificate, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class GetCertificatesDueRequest(_message.Message):
    __slots__ = ("context", "person_id")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    person_id: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., person_id: _Optional[str] = ...) -> None: ...

class GetCertificatesDueResponse(_message.Message):
    __slots__ = ("person_id", "as_of", "certificates", "reasons")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATES_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    as_of: str
    certificates: _containers.RepeatedCompositeFieldContainer[CertificateDue]
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.Reason]
    def __init__(self, person_id: _Optional[str] = ..., as_of: _Optional[str] = ..., certificates: _Optional[_Iterable[_Union[CertificateDue, _Mapping]]] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ...) -> None: ...

class RecordCertificateIssuedRequest(_message.Message):
    __slots__ = ("context", "certificate")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    certificate: Certificate
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., certificate: _Optional[_Union[Certificate, _Mapping]] = ...) -> None: ...

class RecordIncomeFactsRequest(_message.Message):
    __slots__ = ("context", "incomes")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    INCOMES_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    incomes: _containers.RepeatedCompositeFieldContainer[IncomeFact]
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., incomes: _Optional[_Iterable[_Union[IncomeFact, _Mapping]]] = ...) -> None: ...

class RecordIncomeFactsResponse(_message.Message):
    __slots__ = ("recorded",)
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    recorded: int
    def __init__(self, recorded: _Optional[int] = ...) -> None: ...

class IncomeFact(_message.Message):
    __slots__ = ("person_id", "taxable_income", "gross_income", "kyu_tadashigaki_income", "non_taxed", "income_year", "public_pension_income", "total_income")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    TAXABLE_INCOME_FIELD_NUMBER: _ClassVar[int]
    GROSS_INCOME_FIELD_NUMBER: _ClassVar[int]
    KYU_TADASHIGAKI_INCOME_FIELD_NUMBER: _ClassVar[int]
    NON_TAXED_FIELD_NUMBER: _ClassVar[int]
    INCOME_YEAR_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_PENSION_INCOME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_INCOME_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    taxable_income: int
    gross_income: int
    kyu_tadashigaki_income: int
    non_taxed: bool
    income_year: int
    public_pension_income: int
    total_income: int
    def __init__(self, person_id: _Optional[str] = ..., taxable_income: _Optional[int] = ..., gross_income: _Optional[int] = ..., kyu_tadashigaki_income: _Optional[int] = ..., non_taxed: _Optional[bool] = ..., income_year: _Optional[int] = ..., public_pension_income: _Optional[int] = ..., total_income: _Optional[int] = ...) -> None: ...

class DetermineBurdenRatioRequest(_message.Message):
    __slots__ = ("context", "household_id", "as_of", "incomes", "dry_run")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    INCOMES_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    household_id: str
    as_of: str
    incomes: _containers.RepeatedCompositeFieldContainer[IncomeFact]
    dry_run: bool
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., household_id: _Optional[str] = ..., as_of: _Optional[str] = ..., incomes: _Optional[_Iterable[_Union[IncomeFact, _Mapping]]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class DetermineBurdenRatioResponse(_message.Message):
    __slots__ = ("household_id", "ratio_percent", "limit_category", "pending", "reasons", "income_year", "as_of", "persons", "determination_id", "dry_run")
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    RATIO_PERCENT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    INCOME_YEAR_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    PERSONS_FIELD_NUMBER: _ClassVar[int]
    DETERMINATION_ID_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    household_id: str
    ratio_percent: int
    limit_category: str
    pending: bool
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.Reason]
    income_year: int
    as_of: str
    persons: _containers.RepeatedCompositeFieldContainer[PersonBurden]
    determination_id: str
    dry_run: bool
    def __init__(self, household_id: _Optional[str] = ..., ratio_percent: _Optional[int] = ..., limit_category: _Optional[str] = ..., pending: _Optional[bool] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ..., income_year: _Optional[int] = ..., as_of: _Optional[str] = ..., persons: _Optional[_Iterable[_Union[PersonBurden, _Mapping]]] = ..., determination_id: _Optional[str] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class PersonBurden(_message.Message):
    __slots__ = ("person_id", "elder", "ratio_percent", "limit_category", "reasons")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ELDER_FIELD_NUMBER: _ClassVar[int]
    RATIO_PERCENT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    elder: bool
    ratio_percent: int
    limit_category: str
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.Reason]
    def __init__(self, person_id: _Optional[str] = ..., elder: _Optional[bool] = ..., ratio_percent: _Optional[int] = ..., limit_category: _Optional[str] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ...) -> None: ...

class ListBurdenDeterminationsRequest(_message.Message):
    __slots__ = ("household_id", "page", "context")
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    household_id: str
    page: _common_pb2.PageRequest
    context: _common_pb2.RequestContext
    def __init__(self, household_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class BurdenDetermination(_message.Message):
    __slots__ = ("determination_id", "household_id", "as_of", "income_year", "ratio_percent", "limit_category", "pending", "changed", "business_date", "operator_id", "job_id", "recorded_at", "reasons", "persons")
    DETERMINATION_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    INCOME_YEAR_FIELD_NUMBER: _ClassVar[int]
    RATIO_PERCENT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    PERSONS_FIELD_NUMBER: _ClassVar[int]
    determination_id: str
    household_id: str
    as_of: str
    income_year: int
    ratio_percent: int
    limit_category: str
    pending: bool
    changed: bool
    business_date: str
    operator_id: str
    job_id: str
    recorded_at: str
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.Reason]
    persons: _containers.RepeatedCompositeFieldContainer[PersonBurden]
    def __init__(self, determination_id: _Optional[str] = ..., household_id: _Optional[str] = ..., as_of: _Optional[str] = ..., income_year: _Optional[int] = ..., ratio_percent: _Optional[int] = ..., limit_category: _Optional[str] = ..., pending: _Optional[bool] = ..., changed: _Optional[bool] = ..., business_date: _Optional[str] = ..., operator_id: _Optional[str] = ..., job_id: _Optional[str] = ..., recorded_at: _Optional[str] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ..., persons: _Optional[_Iterable[_Union[PersonBurden, _Mapping]]] = ...) -> None: ...

class ListBurdenDeterminationsResponse(_message.Message):
    __slots__ = ("determinations", "page")
    DETERMINATIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    determinations: _containers.RepeatedCompositeFieldContainer[BurdenDetermination]
    page: _common_pb2.PageInfo
    def __init__(self, determinations: _Optional[_Iterable[_Union[BurdenDetermination, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ListChangesRequest(_message.Message):
    __slots__ = ("page", "from_date", "to_date", "operator_id", "reason", "kind", "context")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    from_date: str
    to_date: str
    operator_id: str
    reason: str
    kind: str
    context: _common_pb2.RequestContext
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., from_date: _Optional[str] = ..., to_date: _Optional[str] = ..., operator_id: _Optional[str] = ..., reason: _Optional[str] = ..., kind: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class ChangeRecord(_message.Message):
    __slots__ = ("change_id", "recorded_at", "operator_id", "kind", "reason", "household_id", "person_ids", "event_date", "notified_on", "business_date", "before_json", "after_json", "kind_label", "reason_label", "persons", "before", "after")
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
    KIND_LABEL_FIELD_NUMBER: _ClassVar[int]
    REASON_LABEL_FIELD_NUMBER: _ClassVar[int]
    PERSONS_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
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
    kind_label: str
    reason_label: str
    persons: _containers.RepeatedCompositeFieldContainer[ChangePerson]
    before: _struct_pb2.Struct
    after: _struct_pb2.Struct
    def __init__(self, change_id: _Optional[str] = ..., recorded_at: _Optional[str] = ..., operator_id: _Optional[str] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., household_id: _Optional[str] = ..., person_ids: _Optional[_Iterable[str]] = ..., event_date: _Optional[str] = ..., notified_on: _Optional[str] = ..., business_date: _Optional[str] = ..., before_json: _Optional[str] = ..., after_json: _Optional[str] = ..., kind_label: _Optional[str] = ..., reason_label: _Optional[str] = ..., persons: _Optional[_Iterable[_Union[ChangePerson, _Mapping]]] = ..., before: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., after: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ChangePerson(_message.Message):
    __slots__ = ("person_id", "name_kanji", "name_kana", "symbol", "number", "branch_no")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_KANJI_FIELD_NUMBER: _ClassVar[int]
    NAME_KANA_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    BRANCH_NO_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    name_kanji: str
    name_kana: str
    symbol: str
    number: str
    branch_no: str
    def __init__(self, person_id: _Optional[str] = ..., name_kanji: _Optional[str] = ..., name_kana: _Optional[str] = ..., symbol: _Optional[str] = ..., number: _Optional[str] = ..., branch_no: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("page", "state", "context")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    state: str
    context: _common_pb2.RequestContext
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., state: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class ListIntakeItemsResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[IntakeItem]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[IntakeItem, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ListJobResultsRequest(_message.Message):
    __slots__ = ("job_id", "page", "person_id", "household_id", "context")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    page: _common_pb2.PageRequest
    person_id: str
    household_id: str
    context: _common_pb2.RequestContext
    def __init__(self, job_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class JobResult(_message.Message):
    __slots__ = ("person_id", "household_id", "birth_date", "age_75_birthday", "lost_on", "outcome", "deemed_head", "specific_same_household", "remaining_insured", "burden_redetermined", "certificates_ended")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_FIELD_NUMBER: _ClassVar[int]
    AGE_75_BIRTHDAY_FIELD_NUMBER: _ClassVar[int]
    LOST_ON_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DEEMED_HEAD_FIELD_NUMBER: _ClassVar[int]
    SPECIFIC_SAME_HOUSEHOLD_FIELD_NUMBER: _ClassVar[int]
    REMAINING_INSURED_FIELD_NUMBER: _ClassVar[int]
    BURDEN_REDETERMINED_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATES_ENDED_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    household_id: str
    birth_date: str
    age_75_birthday: str
    lost_on: str
    outcome: str
    deemed_head: bool
    specific_same_household: bool
    remaining_insured: _containers.RepeatedScalarFieldContainer[str]
    burden_redetermined: str
    certificates_ended: int
    def __init__(self, person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., birth_date: _Optional[str] = ..., age_75_birthday: _Optional[str] = ..., lost_on: _Optional[str] = ..., outcome: _Optional[str] = ..., deemed_head: _Optional[bool] = ..., specific_same_household: _Optional[bool] = ..., remaining_insured: _Optional[_Iterable[str]] = ..., burden_redetermined: _Optional[str] = ..., certificates_ended: _Optional[int] = ...) -> None: ...

class BurdenJobResult(_message.Message):
    __slots__ = ("household_id", "determination_id", "as_of", "income_year", "burden_ratio", "ratio_percent", "limit_category", "pending", "pending_reason", "changed")
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    DETERMINATION_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    INCOME_YEAR_FIELD_NUMBER: _ClassVar[int]
    BURDEN_RATIO_FIELD_NUMBER: _ClassVar[int]
    RATIO_PERCENT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    PENDING_REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    household_id: str
    determination_id: str
    as_of: str
    income_year: int
    burden_ratio: str
    ratio_percent: int
    limit_category: str
    pending: bool
    pending_reason: str
    changed: bool
    def __init__(self, household_id: _Optional[str] = ..., determination_id: _Optional[str] = ..., as_of: _Optional[str] = ..., income_year: _Optional[int] = ..., burden_ratio: _Optional[str] = ..., ratio_percent: _Optional[int] = ..., limit_category: _Optional[str] = ..., pending: _Optional[bool] = ..., pending_reason: _Optional[str] = ..., changed: _Optional[bool] = ...) -> None: ...

class ListJobResultsResponse(_message.Message):
    __slots__ = ("job", "title", "rows", "summary", "page", "households")
    class SummaryEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    JOB_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLDS_FIELD_NUMBER: _ClassVar[int]
    job: _common_pb2.Job
    title: str
    rows: _containers.RepeatedCompositeFieldContainer[JobResult]
    summary: _containers.ScalarMap[str, int]
    page: _common_pb2.PageInfo
    households: _containers.RepeatedCompositeFieldContainer[BurdenJobResult]
    def __init__(self, job: _Optional[_Union[_common_pb2.Job, _Mapping]] = ..., title: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[JobResult, _Mapping]]] = ..., summary: _Optional[_Mapping[str, int]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ..., households: _Optional[_Iterable[_Union[BurdenJobResult, _Mapping]]] = ...) -> None: ...

class DecisionRecord(_message.Message):
    __slots__ = ("decision_id", "kind", "reason", "household_id", "person_ids", "business_date", "event_date", "notified_on", "recorded_at", "operator_id", "origin", "automatic", "decision", "correction", "job_id")
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    EVENT_DATE_FIELD_NUMBER: _ClassVar[int]
    NOTIFIED_ON_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    AUTOMATIC_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    decision_id: str
    kind: str
    reason: str
    household_id: str
    person_ids: _containers.RepeatedScalarFieldContainer[str]
    business_date: str
    event_date: str
    notified_on: str
    recorded_at: str
    operator_id: str
    origin: str
    automatic: bool
    decision: Decision
    correction: CorrectionDecision
    job_id: str
    def __init__(self, decision_id: _Optional[str] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., household_id: _Optional[str] = ..., person_ids: _Optional[_Iterable[str]] = ..., business_date: _Optional[str] = ..., event_date: _Optional[str] = ..., notified_on: _Optional[str] = ..., recorded_at: _Optional[str] = ..., operator_id: _Optional[str] = ..., origin: _Optional[str] = ..., automatic: _Optional[bool] = ..., decision: _Optional[_Union[Decision, _Mapping]] = ..., correction: _Optional[_Union[CorrectionDecision, _Mapping]] = ..., job_id: _Optional[str] = ...) -> None: ...

class CorrectionDecision(_message.Message):
    __slots__ = ("period_id", "corrected_version_id", "version_id", "corrected_change_id", "corrected_fields", "correction_reason", "effective_date", "retroactive_flag", "resend_required", "certificates_marked_for_collection", "reasons", "certificates_to_reissue", "late", "late_days")
    PERIOD_ID_FIELD_NUMBER: _ClassVar[int]
    CORRECTED_VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    CORRECTED_CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    CORRECTED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_REASON_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    RETROACTIVE_FLAG_FIELD_NUMBER: _ClassVar[int]
    RESEND_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATES_MARKED_FOR_COLLECTION_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATES_TO_REISSUE_FIELD_NUMBER: _ClassVar[int]
    LATE_FIELD_NUMBER: _ClassVar[int]
    LATE_DAYS_FIELD_NUMBER: _ClassVar[int]
    period_id: str
    corrected_version_id: int
    version_id: int
    corrected_change_id: str
    corrected_fields: _containers.RepeatedScalarFieldContainer[str]
    correction_reason: str
    effective_date: str
    retroactive_flag: bool
    resend_required: bool
    certificates_marked_for_collection: int
    reasons: _containers.RepeatedCompositeFieldContainer[_common_pb2.Reason]
    certificates_to_reissue: _containers.RepeatedCompositeFieldContainer[CertificateDue]
    late: bool
    late_days: int
    def __init__(self, period_id: _Optional[str] = ..., corrected_version_id: _Optional[int] = ..., version_id: _Optional[int] = ..., corrected_change_id: _Optional[str] = ..., corrected_fields: _Optional[_Iterable[str]] = ..., correction_reason: _Optional[str] = ..., effective_date: _Optional[str] = ..., retroactive_flag: _Optional[bool] = ..., resend_required: _Optional[bool] = ..., certificates_marked_for_collection: _Optional[int] = ..., reasons: _Optional[_Iterable[_Union[_common_pb2.Reason, _Mapping]]] = ..., certificates_to_reissue: _Optional[_Iterable[_Union[CertificateDue, _Mapping]]] = ..., late: _Optional[bool] = ..., late_days: _Optional[int] = ...) -> None: ...

class ListDecisionsRequest(_message.Message):
    __slots__ = ("page", "person_id", "household_id", "from_date", "to_date", "context")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    person_id: str
    household_id: str
    from_date: str
    to_date: str
    context: _common_pb2.RequestContext
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., from_date: _Optional[str] = ..., to_date: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class ListDecisionsResponse(_message.Message):
    __slots__ = ("decisions", "page")
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    decisions: _containers.RepeatedCompositeFieldContainer[DecisionRecord]
    page: _common_pb2.PageInfo
    def __init__(self, decisions: _Optional[_Iterable[_Union[DecisionRecord, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class GetDecisionRequest(_message.Message):
    __slots__ = ("decision_id",)
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    decision_id: str
    def __init__(self, decision_id: _Optional[str] = ...) -> None: ...

class ListInsuredPersonsRequest(_message.Message):
    __slots__ = ("context", "as_of", "after_person_id", "page_size", "birth_from", "birth_to")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    AFTER_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    BIRTH_FROM_FIELD_NUMBER: _ClassVar[int]
    BIRTH_TO_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    as_of: str
    after_person_id: str
    page_size: int
    birth_from: str
    birth_to: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., as_of: _Optional[str] = ..., after_person_id: _Optional[str] = ..., page_size: _Optional[int] = ..., birth_from: _Optional[str] = ..., birth_to: _Optional[str] = ...) -> None: ...

class InsuredPersonRef(_message.Message):
    __slots__ = ("person_id", "household_id", "birth_date", "postal_code")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    household_id: str
    birth_date: str
    postal_code: str
    def __init__(self, person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., birth_date: _Optional[str] = ..., postal_code: _Optional[str] = ...) -> None: ...

class ListInsuredPersonsResponse(_message.Message):
    __slots__ = ("persons", "next_after_person_id")
    PERSONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_AFTER_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    persons: _containers.RepeatedCompositeFieldContainer[InsuredPersonRef]
    next_after_person_id: str
    def __init__(self, persons: _Optional[_Iterable[_Union[InsuredPersonRef, _Mapping]]] = ..., next_after_person_id: _Optional[str] = ...) -> None: ...

class ExportCoverageFactsRequest(_message.Message):
    __slots__ = ("context", "as_of", "after_person_id", "page_size", "person_ids")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    AFTER_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    as_of: str
    after_person_id: str
    page_size: int
    person_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., as_of: _Optional[str] = ..., after_person_id: _Optional[str] = ..., page_size: _Optional[int] = ..., person_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ExportCoverageFactsResponse(_message.Message):
    __slots__ = ("rows", "columns", "count", "next_after_person_id")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    NEXT_AFTER_PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    rows: bytes
    columns: _containers.RepeatedScalarFieldContainer[str]
    count: int
    next_after_person_id: str
    def __init__(self, rows: _Optional[bytes] = ..., columns: _Optional[_Iterable[str]] = ..., count: _Optional[int] = ..., next_after_person_id: _Optional[str] = ...) -> None: ...

class GetRenewalFactsRequest(_message.Message):
    __slots__ = ("context", "person_ids", "burden_for_kinds")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    BURDEN_FOR_KINDS_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    person_ids: _containers.RepeatedScalarFieldContainer[str]
    burden_for_kinds: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., person_ids: _Optional[_Iterable[str]] = ..., burden_for_kinds: _Optional[_Iterable[str]] = ...) -> None: ...

class RenewalRefusal(_message.Message):
    __slots__ = ("code", "reason", "field", "rule", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    reason: str
    field: str
    rule: str
    message: str
    def __init__(self, code: _Optional[str] = ..., reason: _Optional[str] = ..., field: _Optional[str] = ..., rule: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class RenewalFacts(_message.Message):
    __slots__ = ("person_id", "qualification", "due", "person", "refusal")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    QUALIFICATION_FIELD_NUMBER: _ClassVar[int]
    DUE_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    qualification: QualificationView
    due: GetCertificatesDueResponse
    person: Person
    refusal: RenewalRefusal
    def __init__(self, person_id: _Optional[str] = ..., qualification: _Optional[_Union[QualificationView, _Mapping]] = ..., due: _Optional[_Union[GetCertificatesDueResponse, _Mapping]] = ..., person: _Optional[_Union[Person, _Mapping]] = ..., refusal: _Optional[_Union[RenewalRefusal, _Mapping]] = ...) -> None: ...

class GetRenewalFactsResponse(_message.Message):
    __slots__ = ("persons", "households", "burdens")
    PERSONS_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLDS_FIELD_NUMBER: _ClassVar[int]
    BURDENS_FIELD_NUMBER: _ClassVar[int]
    persons: _containers.RepeatedCompositeFieldContainer[RenewalFacts]
    households: _containers.RepeatedCompositeFieldContainer[Household]
    burdens: _containers.RepeatedCompositeFieldContainer[DetermineBurdenRatioResponse]
    def __init__(self, persons: _Optional[_Iterable[_Union[RenewalFacts, _Mapping]]] = ..., households: _Optional[_Iterable[_Union[Household, _Mapping]]] = ..., burdens: _Optional[_Iterable[_Union[DetermineBurdenRatioResponse, _Mapping]]] = ...) -> None: ...

class ScreenListedPersonsRequest(_message.Message):
    __slots__ = ("context", "person_ids", "list")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    LIST_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    person_ids: _containers.RepeatedScalarFieldContainer[str]
    list: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., person_ids: _Optional[_Iterable[str]] = ..., list: _Optional[str] = ...) -> None: ...

class ScreenListedPersonsResponse(_message.Message):
    __slots__ = ("hidden_person_ids", "shown_person_ids")
    HIDDEN_PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    SHOWN_PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    hidden_person_ids: _containers.RepeatedScalarFieldContainer[str]
    shown_person_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, hidden_person_ids: _Optional[_Iterable[str]] = ..., shown_person_ids: _Optional[_Iterable[str]] = ...) -> None: ...
