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
    __slots__ = ("transfer_id", "state", "records", "created_at")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    transfer_id: str
    state: str
    records: int
    created_at: str
    def __init__(self, transfer_id: _Optional[str] = ..., state: _Optional[str] = ..., records: _Optional[int] = ..., created_at: _Optional[str] = ...) -> None: ...

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

class ListInterchangeRowsRequest(_message.Message):
    __slots__ = ("kind", "page")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    kind: str
    page: _common_pb2.PageRequest
    def __init__(self, kind: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

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
