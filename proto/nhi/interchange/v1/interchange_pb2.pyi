from nhi.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PendingAggregationRecord(_message.Message):
    __slots__ = ("record_id", "event_id", "event_type", "person_id", "household_id", "change_id", "effective_date", "received_at", "state")
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGE_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    record_id: str
    event_id: str
    event_type: str
    person_id: str
    household_id: str
    change_id: str
    effective_date: str
    received_at: str
    state: str
    def __init__(self, record_id: _Optional[str] = ..., event_id: _Optional[str] = ..., event_type: _Optional[str] = ..., person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., change_id: _Optional[str] = ..., effective_date: _Optional[str] = ..., received_at: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...

class ListPendingAggregationRequest(_message.Message):
    __slots__ = ("page", "person_id")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    person_id: str
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., person_id: _Optional[str] = ...) -> None: ...

class ListPendingAggregationResponse(_message.Message):
    __slots__ = ("records", "page", "total")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[PendingAggregationRecord]
    page: _common_pb2.PageInfo
    total: int
    def __init__(self, records: _Optional[_Iterable[_Union[PendingAggregationRecord, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ..., total: _Optional[int] = ...) -> None: ...

class AggregationFile(_message.Message):
    __slots__ = ("file_id", "kind", "file_name", "records", "created_at", "business_date", "cutoff_at", "bytes", "sha256", "degraded_characters")
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    CUTOFF_AT_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    DEGRADED_CHARACTERS_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    kind: str
    file_name: str
    records: int
    created_at: str
    business_date: str
    cutoff_at: str
    bytes: int
    sha256: str
    degraded_characters: int
    def __init__(self, file_id: _Optional[str] = ..., kind: _Optional[str] = ..., file_name: _Optional[str] = ..., records: _Optional[int] = ..., created_at: _Optional[str] = ..., business_date: _Optional[str] = ..., cutoff_at: _Optional[str] = ..., bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., degraded_characters: _Optional[int] = ...) -> None: ...

class ListAggregationFilesRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListAggregationFilesResponse(_message.Message):
    __slots__ = ("files", "page")
    FILES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[AggregationFile]
    page: _common_pb2.PageInfo
    def __init__(self, files: _Optional[_Iterable[_Union[AggregationFile, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class SubCopyTransfer(_message.Message):
    __slots__ = ("transfer_id", "state", "records", "created_at", "business_date", "file_name", "sha256", "accepted", "rejected", "no_auto_answer", "result_at", "result_note", "retried", "retry_exhausted")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_DATE_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    NO_AUTO_ANSWER_FIELD_NUMBER: _ClassVar[int]
    RESULT_AT_FIELD_NUMBER: _ClassVar[int]
    RESULT_NOTE_FIELD_NUMBER: _ClassVar[int]
    RETRIED_FIELD_NUMBER: _ClassVar[int]
    RETRY_EXHAUSTED_FIELD_NUMBER: _ClassVar[int]
    transfer_id: str
    state: str
    records: int
    created_at: str
    business_date: str
    file_name: str
    sha256: str
    accepted: int
    rejected: int
    no_auto_answer: int
    result_at: str
    result_note: str
    retried: int
    retry_exhausted: int
    def __init__(self, transfer_id: _Optional[str] = ..., state: _Optional[str] = ..., records: _Optional[int] = ..., created_at: _Optional[str] = ..., business_date: _Optional[str] = ..., file_name: _Optional[str] = ..., sha256: _Optional[str] = ..., accepted: _Optional[int] = ..., rejected: _Optional[int] = ..., no_auto_answer: _Optional[int] = ..., result_at: _Optional[str] = ..., result_note: _Optional[str] = ..., retried: _Optional[int] = ..., retry_exhausted: _Optional[int] = ...) -> None: ...

class ListSubCopyTransfersRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListSubCopyTransfersResponse(_message.Message):
    __slots__ = ("transfers", "page")
    TRANSFERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    transfers: _containers.RepeatedCompositeFieldContainer[SubCopyTransfer]
    page: _common_pb2.PageInfo
    def __init__(self, transfers: _Optional[_Iterable[_Union[SubCopyTransfer, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class QuerySubCopyRequest(_message.Message):
    __slots__ = ("context", "person_id", "item")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    person_id: str
    item: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., person_id: _Optional[str] = ..., item: _Optional[str] = ...) -> None: ...

class QuerySubCopyResponse(_message.Message):
    __slots__ = ("query_id", "state")
    QUERY_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    query_id: str
    state: str
    def __init__(self, query_id: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...

class SubCopyQuery(_message.Message):
    __slots__ = ("query_id", "person_id", "item", "state", "operator_id", "created_at", "household_id", "income_year", "sent_at", "answered_at", "result_code", "result_note", "taxable_income", "gross_income", "kyu_tadashigaki_income", "public_pension_income", "total_income", "non_taxed", "determination_id", "ratio_percent", "pending")
    QUERY_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    INCOME_YEAR_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_AT_FIELD_NUMBER: _ClassVar[int]
    RESULT_CODE_FIELD_NUMBER: _ClassVar[int]
    RESULT_NOTE_FIELD_NUMBER: _ClassVar[int]
    TAXABLE_INCOME_FIELD_NUMBER: _ClassVar[int]
    GROSS_INCOME_FIELD_NUMBER: _ClassVar[int]
    KYU_TADASHIGAKI_INCOME_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_PENSION_INCOME_FIELD_NUMBER: _ClassVar[int]
    TOTAL_INCOME_FIELD_NUMBER: _ClassVar[int]
    NON_TAXED_FIELD_NUMBER: _ClassVar[int]
    DETERMINATION_ID_FIELD_NUMBER: _ClassVar[int]
    RATIO_PERCENT_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    query_id: str
    person_id: str
    item: str
    state: str
    operator_id: str
    created_at: str
    household_id: str
    income_year: int
    sent_at: str
    answered_at: str
    result_code: str
    result_note: str
    taxable_income: int
    gross_income: int
    kyu_tadashigaki_income: int
    public_pension_income: int
    total_income: int
    non_taxed: bool
    determination_id: str
    ratio_percent: int
    pending: bool
    def __init__(self, query_id: _Optional[str] = ..., person_id: _Optional[str] = ..., item: _Optional[str] = ..., state: _Optional[str] = ..., operator_id: _Optional[str] = ..., created_at: _Optional[str] = ..., household_id: _Optional[str] = ..., income_year: _Optional[int] = ..., sent_at: _Optional[str] = ..., answered_at: _Optional[str] = ..., result_code: _Optional[str] = ..., result_note: _Optional[str] = ..., taxable_income: _Optional[int] = ..., gross_income: _Optional[int] = ..., kyu_tadashigaki_income: _Optional[int] = ..., public_pension_income: _Optional[int] = ..., total_income: _Optional[int] = ..., non_taxed: _Optional[bool] = ..., determination_id: _Optional[str] = ..., ratio_percent: _Optional[int] = ..., pending: _Optional[bool] = ...) -> None: ...

class ListSubCopyQueriesRequest(_message.Message):
    __slots__ = ("page", "person_id", "context")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    person_id: str
    context: _common_pb2.RequestContext
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., person_id: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class ListSubCopyQueriesResponse(_message.Message):
    __slots__ = ("queries", "page")
    QUERIES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    queries: _containers.RepeatedCompositeFieldContainer[SubCopyQuery]
    page: _common_pb2.PageInfo
    def __init__(self, queries: _Optional[_Iterable[_Union[SubCopyQuery, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class GetSubCopyQueryRequest(_message.Message):
    __slots__ = ("query_id",)
    QUERY_ID_FIELD_NUMBER: _ClassVar[int]
    query_id: str
    def __init__(self, query_id: _Optional[str] = ...) -> None: ...

class ManualRequest(_message.Message):
    __slots__ = ("request_id", "person_id", "item", "requester", "reason", "state", "received_at", "decided_at", "decided_by", "note", "answer_file")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FILE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    person_id: str
    item: str
    requester: str
    reason: str
    state: str
    received_at: str
    decided_at: str
    decided_by: str
    note: str
    answer_file: str
    def __init__(self, request_id: _Optional[str] = ..., person_id: _Optional[str] = ..., item: _Optional[str] = ..., requester: _Optional[str] = ..., reason: _Optional[str] = ..., state: _Optional[str] = ..., received_at: _Optional[str] = ..., decided_at: _Optional[str] = ..., decided_by: _Optional[str] = ..., note: _Optional[str] = ..., answer_file: _Optional[str] = ...) -> None: ...

class ListManualRequestsRequest(_message.Message):
    __slots__ = ("page", "state", "context")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    state: str
    context: _common_pb2.RequestContext
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., state: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class ListManualRequestsResponse(_message.Message):
    __slots__ = ("requests", "page")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[ManualRequest]
    page: _common_pb2.PageInfo
    def __init__(self, requests: _Optional[_Iterable[_Union[ManualRequest, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class DecideManualRequestRequest(_message.Message):
    __slots__ = ("context", "request_id", "decision", "note")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    request_id: str
    decision: str
    note: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., request_id: _Optional[str] = ..., decision: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class ListInterchangeRowsRequest(_message.Message):
    __slots__ = ("kind", "page", "context")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    page: _common_pb2.PageRequest
    context: _common_pb2.RequestContext
    def __init__(self, kind: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class InterchangeRow(_message.Message):
    __slots__ = ("cells",)
    class CellsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CELLS_FIELD_NUMBER: _ClassVar[int]
    cells: _containers.ScalarMap[str, str]
    def __init__(self, cells: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListInterchangeRowsResponse(_message.Message):
    __slots__ = ("rows", "page")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[InterchangeRow]
    page: _common_pb2.PageInfo
    def __init__(self, rows: _Optional[_Iterable[_Union[InterchangeRow, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...
