from nhi.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ImportFeedRequest(_message.Message):
    __slots__ = ("context", "source", "file_name", "content", "partial", "format")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    source: str
    file_name: str
    content: bytes
    partial: bool
    format: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., source: _Optional[str] = ..., file_name: _Optional[str] = ..., content: _Optional[bytes] = ..., partial: _Optional[bool] = ..., format: _Optional[str] = ...) -> None: ...

class ImportFeedResponse(_message.Message):
    __slots__ = ("import_id", "source", "state", "records", "applied", "rejected", "errors", "received_at")
    IMPORT_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    import_id: str
    source: str
    state: str
    records: int
    applied: int
    rejected: int
    errors: _containers.RepeatedCompositeFieldContainer[RecordError]
    received_at: str
    def __init__(self, import_id: _Optional[str] = ..., source: _Optional[str] = ..., state: _Optional[str] = ..., records: _Optional[int] = ..., applied: _Optional[int] = ..., rejected: _Optional[int] = ..., errors: _Optional[_Iterable[_Union[RecordError, _Mapping]]] = ..., received_at: _Optional[str] = ...) -> None: ...

class RecordError(_message.Message):
    __slots__ = ("line", "field", "message")
    LINE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    line: int
    field: str
    message: str
    def __init__(self, line: _Optional[int] = ..., field: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class GetImportRequest(_message.Message):
    __slots__ = ("import_id",)
    IMPORT_ID_FIELD_NUMBER: _ClassVar[int]
    import_id: str
    def __init__(self, import_id: _Optional[str] = ...) -> None: ...

class ListImportsRequest(_message.Message):
    __slots__ = ("page", "source")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    source: str
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class ListImportsResponse(_message.Message):
    __slots__ = ("imports", "page")
    IMPORTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    imports: _containers.RepeatedCompositeFieldContainer[ImportFeedResponse]
    page: _common_pb2.PageInfo
    def __init__(self, imports: _Optional[_Iterable[_Union[ImportFeedResponse, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class Inconsistency(_message.Message):
    __slots__ = ("inconsistency_id", "person_id", "household_id", "name", "kind", "nhi_status", "other_status", "mismatch", "action", "rule", "state", "detected_at", "last_seen_at", "resolved_at", "resolved_by", "change_id", "note", "source")
    INCONSISTENCY_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NHI_STATUS_FIELD_NUMBER: _ClassVar[int]
    OTHER_STATUS_FIELD_NUMBER: _ClassVar[int]
    MISMATCH_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DETECTED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_BY_FIELD_NUMBER: _ClassVar[int]
    CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    inconsistency_id: str
    person_id: str
    household_id: str
    name: str
    kind: str
    nhi_status: str
    other_status: str
    mismatch: str
    action: str
    rule: str
    state: str
    detected_at: str
    last_seen_at: str
    resolved_at: str
    resolved_by: str
    change_id: str
    note: str
    source: str
    def __init__(self, inconsistency_id: _Optional[str] = ..., person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., nhi_status: _Optional[str] = ..., other_status: _Optional[str] = ..., mismatch: _Optional[str] = ..., action: _Optional[str] = ..., rule: _Optional[str] = ..., state: _Optional[str] = ..., detected_at: _Optional[str] = ..., last_seen_at: _Optional[str] = ..., resolved_at: _Optional[str] = ..., resolved_by: _Optional[str] = ..., change_id: _Optional[str] = ..., note: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class ListInconsistenciesRequest(_message.Message):
    __slots__ = ("page", "state", "kind", "person_id", "context")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    state: str
    kind: str
    person_id: str
    context: _common_pb2.RequestContext
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., state: _Optional[str] = ..., kind: _Optional[str] = ..., person_id: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class ListInconsistenciesResponse(_message.Message):
    __slots__ = ("inconsistencies", "page")
    INCONSISTENCIES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    inconsistencies: _containers.RepeatedCompositeFieldContainer[Inconsistency]
    page: _common_pb2.PageInfo
    def __init__(self, inconsistencies: _Optional[_Iterable[_Union[Inconsistency, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ResolveInconsistencyRequest(_message.Message):
    __slots__ = ("context", "inconsistency_id", "change_id", "note")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    INCONSISTENCY_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    inconsistency_id: str
    change_id: str
    note: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., inconsistency_id: _Optional[str] = ..., change_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class DeadLetter(_message.Message):
    __slots__ = ("dead_letter_id", "event_id", "ce_type", "change_id", "reason", "state", "problems", "payload_json", "attempts", "outcome", "updated_by", "created_at", "updated_at")
    DEAD_LETTER_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    dead_letter_id: str
    event_id: str
    ce_type: str
    change_id: str
    reason: str
    state: str
    problems: _containers.RepeatedCompositeFieldContainer[RecordError]
    payload_json: str
    attempts: int
    outcome: str
    updated_by: str
    created_at: str
    updated_at: str
    def __init__(self, dead_letter_id: _Optional[str] = ..., event_id: _Optional[str] = ..., ce_type: _Optional[str] = ..., change_id: _Optional[str] = ..., reason: _Optional[str] = ..., state: _Optional[str] = ..., problems: _Optional[_Iterable[_Union[RecordError, _Mapping]]] = ..., payload_json: _Optional[str] = ..., attempts: _Optional[int] = ..., outcome: _Optional[str] = ..., updated_by: _Optional[str] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ...) -> None: ...

class ListDeadLettersRequest(_message.Message):
    __slots__ = ("context", "page", "state")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    page: _common_pb2.PageRequest
    state: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., state: _Optional[str] = ...) -> None: ...

class ListDeadLettersResponse(_message.Message):
    __slots__ = ("dead_letters", "page")
    DEAD_LETTERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    dead_letters: _containers.RepeatedCompositeFieldContainer[DeadLetter]
    page: _common_pb2.PageInfo
    def __init__(self, dead_letters: _Optional[_Iterable[_Union[DeadLetter, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class FixDeadLetterRequest(_message.Message):
    __slots__ = ("context", "dead_letter_id", "payload_json")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTER_ID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_JSON_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    dead_letter_id: str
    payload_json: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., dead_letter_id: _Optional[str] = ..., payload_json: _Optional[str] = ...) -> None: ...

class ReplayDeadLetterRequest(_message.Message):
    __slots__ = ("context", "dead_letter_id")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    DEAD_LETTER_ID_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    dead_letter_id: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., dead_letter_id: _Optional[str] = ...) -> None: ...

class OutboundRecord(_message.Message):
    __slots__ = ("sequence", "feed", "record_kind", "change_id", "person_id", "household_id", "insurer_number", "symbol", "number", "branch_no", "name_kanji", "name_kana", "birth_date", "sex", "postal_code", "address_code", "address", "building", "acquired_on", "lost_on", "effective_date", "reason", "change_kind", "status_kind", "status_start", "status_end", "address_exception", "ratio_percent", "dv_support", "business_date", "recorded_at")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    FEED_FIELD_NUMBER: _ClassVar[int]
    RECORD_KIND_FIELD_NUMBER: _ClassVar[int]
    CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    INSURER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    BRANCH_NO_FIELD_NUMBER: _ClassVar[int]
    NAME_KANJI_FIELD_NUMBER: _ClassVar[int]
    NAME_KANA_FIELD_NUMBER: _ClassVar[int]
    BIRTH_DATE_FIELD_NUMBER: _ClassVar[int]
    SEX_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_CODE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    BUILDING_FIELD_NUMBER: _ClassVar[int]
    ACQUIRED_ON_FIELD_NUMBER: _ClassVar[int]
    LOST_ON_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHANGE_KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_START_FIELD_NUMBER: _ClassVar[int]
    STATUS_END_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_EXCEPTION_FIELD_NUMBER: _ClassVar[int]
    RATIO_PERCENT_FIELD_NUMBER: _ClassVar[int]
    DV_SUPPORT_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    feed: str
    record_kind: str
    change_id: str
    person_id: str
    household_id: str
    insurer_number: str
    symbol: str
    number: str
    branch_no: str
    name_kanji: str
    name_kana: str
    birth_date: str
    sex: str
    postal_code: str
    address_code: str
    address: str
    building: str
    acquired_on: str
    lost_on: str
    effective_date: str
    reason: str
    change_kind: str
    status_kind: str
    status_start: str
    status_end: str
    address_exception: bool
    ratio_percent: int
    dv_support: bool
    business_date: str
    recorded_at: str
    def __init__(self, sequence: _Optional[int] = ..., feed: _Optional[str] = ..., record_kind: _Optional[str] = ..., change_id: _Optional[str] = ..., person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., insurer_number: _Optional[str] = ..., symbol: _Optional[str] = ..., number: _Optional[str] = ..., branch_no: _Optional[str] = ..., name_kanji: _Optional[str] = ..., name_kana: _Optional[str] = ..., birth_date: _Optional[str] = ..., sex: _Optional[str] = ..., postal_code: _Optional[str] = ..., address_code: _Optional[str] = ..., address: _Optional[str] = ..., building: _Optional[str] = ..., acquired_on: _Optional[str] = ..., lost_on: _Optional[str] = ..., effective_date: _Optional[str] = ..., reason: _Optional[str] = ..., change_kind: _Optional[str] = ..., status_kind: _Optional[str] = ..., status_start: _Optional[str] = ..., status_end: _Optional[str] = ..., address_exception: _Optional[bool] = ..., ratio_percent: _Optional[int] = ..., dv_support: _Optional[bool] = ..., business_date: _Optional[str] = ..., recorded_at: _Optional[str] = ...) -> None: ...

class ListOutboundRequest(_message.Message):
    __slots__ = ("context", "feed", "after_sequence", "page")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    FEED_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    feed: str
    after_sequence: int
    page: _common_pb2.PageRequest
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., feed: _Optional[str] = ..., after_sequence: _Optional[int] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListOutboundResponse(_message.Message):
    __slots__ = ("records", "last_sequence", "more")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    MORE_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[OutboundRecord]
    last_sequence: int
    more: bool
    def __init__(self, records: _Optional[_Iterable[_Union[OutboundRecord, _Mapping]]] = ..., last_sequence: _Optional[int] = ..., more: _Optional[bool] = ...) -> None: ...
