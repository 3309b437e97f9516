from nhi.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RenderDocumentRequest(_message.Message):
    __slots__ = ("context", "kind", "person_id", "household_id", "format", "parameters", "rows")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    kind: str
    person_id: str
    household_id: str
    format: str
    parameters: _containers.ScalarMap[str, str]
    rows: _containers.RepeatedCompositeFieldContainer[ListRow]
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., kind: _Optional[str] = ..., person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., format: _Optional[str] = ..., parameters: _Optional[_Mapping[str, str]] = ..., rows: _Optional[_Iterable[_Union[ListRow, _Mapping]]] = ...) -> None: ...

class ListRow(_message.Message):
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

class DocumentMeta(_message.Message):
    __slots__ = ("document_id", "kind", "title", "person_id", "household_id", "media_type", "size_bytes", "sha256", "issued_on", "valid_until", "created_at", "certificate_number", "replaced_characters", "template_version", "reissue_of", "reissue_count", "job_id")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    ISSUED_ON_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REPLACED_CHARACTERS_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    REISSUE_OF_FIELD_NUMBER: _ClassVar[int]
    REISSUE_COUNT_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    kind: str
    title: str
    person_id: str
    household_id: str
    media_type: str
    size_bytes: int
    sha256: str
    issued_on: str
    valid_until: str
    created_at: str
    certificate_number: str
    replaced_characters: int
    template_version: str
    reissue_of: str
    reissue_count: int
    job_id: str
    def __init__(self, document_id: _Optional[str] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., media_type: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., issued_on: _Optional[str] = ..., valid_until: _Optional[str] = ..., created_at: _Optional[str] = ..., certificate_number: _Optional[str] = ..., replaced_characters: _Optional[int] = ..., template_version: _Optional[str] = ..., reissue_of: _Optional[str] = ..., reissue_count: _Optional[int] = ..., job_id: _Optional[str] = ...) -> None: ...

class GetDocumentRequest(_message.Message):
    __slots__ = ("document_id", "context")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    context: _common_pb2.RequestContext
    def __init__(self, document_id: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class DocumentContent(_message.Message):
    __slots__ = ("meta", "content")
    META_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    meta: DocumentMeta
    content: bytes
    def __init__(self, meta: _Optional[_Union[DocumentMeta, _Mapping]] = ..., content: _Optional[bytes] = ...) -> None: ...

class ListDocumentsRequest(_message.Message):
    __slots__ = ("page", "person_id", "kind")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    person_id: str
    kind: str
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., person_id: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class ListDocumentsResponse(_message.Message):
    __slots__ = ("documents", "page")
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedCompositeFieldContainer[DocumentMeta]
    page: _common_pb2.PageInfo
    def __init__(self, documents: _Optional[_Iterable[_Union[DocumentMeta, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class ListUndrawableCharactersRequest(_message.Message):
    __slots__ = ("page", "person_id", "context")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    person_id: str
    context: _common_pb2.RequestContext
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., person_id: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class UndrawableCharacter(_message.Message):
    __slots__ = ("person_id", "field", "character", "kind", "first_seen_at", "last_seen_at", "refusals", "outcome")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    REFUSALS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    field: str
    character: str
    kind: str
    first_seen_at: str
    last_seen_at: str
    refusals: int
    outcome: str
    def __init__(self, person_id: _Optional[str] = ..., field: _Optional[str] = ..., character: _Optional[str] = ..., kind: _Optional[str] = ..., first_seen_at: _Optional[str] = ..., last_seen_at: _Optional[str] = ..., refusals: _Optional[int] = ..., outcome: _Optional[str] = ...) -> None: ...

class ListUndrawableCharactersResponse(_message.Message):
    __slots__ = ("characters", "page")
    CHARACTERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    characters: _containers.RepeatedCompositeFieldContainer[UndrawableCharacter]
    page: _common_pb2.PageInfo
    def __init__(self, characters: _Optional[_Iterable[_Union[UndrawableCharacter, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class JobManifest(_message.Message):
    __slots__ = ("job_id", "manifest_json")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_JSON_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    manifest_json: str
    def __init__(self, job_id: _Optional[str] = ..., manifest_json: _Optional[str] = ...) -> None: ...

class ListPrintQueueRequest(_message.Message):
    __slots__ = ("page", "printed", "person_id", "kind", "context")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PRINTED_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    printed: str
    person_id: str
    kind: str
    context: _common_pb2.RequestContext
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., printed: _Optional[str] = ..., person_id: _Optional[str] = ..., kind: _Optional[str] = ..., context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ...) -> None: ...

class PrintQueueItem(_message.Message):
    __slots__ = ("item_id", "person_id", "household_id", "kind", "reason", "rule_ids", "due_on", "created_at", "printed", "printed_at", "printed_by", "document_id")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    HOUSEHOLD_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RULE_IDS_FIELD_NUMBER: _ClassVar[int]
    DUE_ON_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    PRINTED_FIELD_NUMBER: _ClassVar[int]
    PRINTED_AT_FIELD_NUMBER: _ClassVar[int]
    PRINTED_BY_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    person_id: str
    household_id: str
    kind: str
    reason: str
    rule_ids: _containers.RepeatedScalarFieldContainer[str]
    due_on: str
    created_at: str
    printed: bool
    printed_at: str
    printed_by: str
    document_id: str
    def __init__(self, item_id: _Optional[str] = ..., person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., kind: _Optional[str] = ..., reason: _Optional[str] = ..., rule_ids: _Optional[_Iterable[str]] = ..., due_on: _Optional[str] = ..., created_at: _Optional[str] = ..., printed: _Optional[bool] = ..., printed_at: _Optional[str] = ..., printed_by: _Optional[str] = ..., document_id: _Optional[str] = ...) -> None: ...

class ListPrintQueueResponse(_message.Message):
    __slots__ = ("items", "page")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[PrintQueueItem]
    page: _common_pb2.PageInfo
    def __init__(self, items: _Optional[_Iterable[_Union[PrintQueueItem, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageInfo, _Mapping]] = ...) -> None: ...

class MarkPrintedRequest(_message.Message):
    __slots__ = ("context", "item_id", "document_id")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    item_id: str
    document_id: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., item_id: _Optional[str] = ..., document_id: _Optional[str] = ...) -> None: ...

class ReissueDocumentRequest(_message.Message):
    __slots__ = ("context", "document_id", "reason")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RequestContext
    document_id: str
    reason: str
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., document_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ListDocumentKindsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DocumentKindColumn(_message.Message):
    __slots__ = ("key", "heading")
    KEY_FIELD_NUMBER: _ClassVar[int]
    HEADING_FIELD_NUMBER: _ClassVar[int]
    key: str
    heading: str
    def __init__(self, key: _Optional[str] = ..., heading: _Optional[str] = ...) -> None: ...

class DocumentKindOption(_message.Message):
    __slots__ = ("name", "values")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    name: str
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class DocumentKindInfo(_message.Message):
    __slots__ = ("code", "title", "group", "formats", "options", "roles", "columns", "source_connected")
    CODE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    FORMATS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CONNECTED_FIELD_NUMBER: _ClassVar[int]
    code: str
    title: str
    group: str
    formats: _containers.RepeatedScalarFieldContainer[str]
    options: _containers.RepeatedCompositeFieldContainer[DocumentKindOption]
    roles: _containers.RepeatedScalarFieldContainer[str]
    columns: _containers.RepeatedCompositeFieldContainer[DocumentKindColumn]
    source_connected: bool
    def __init__(self, code: _Optional[str] = ..., title: _Optional[str] = ..., group: _Optional[str] = ..., formats: _Optional[_Iterable[str]] = ..., options: _Optional[_Iterable[_Union[DocumentKindOption, _Mapping]]] = ..., roles: _Optional[_Iterable[str]] = ..., columns: _Optional[_Iterable[_Union[DocumentKindColumn, _Mapping]]] = ..., source_connected: _Optional[bool] = ...) -> None: ...

class ListDocumentKindsResponse(_message.Message):
    __slots__ = ("kinds",)
    KINDS_FIELD_NUMBER: _ClassVar[int]
    kinds: _containers.RepeatedCompositeFieldContainer[DocumentKindInfo]
    def __init__(self, kinds: _Optional[_Iterable[_Union[DocumentKindInfo, _Mapping]]] = ...) -> None: ...
