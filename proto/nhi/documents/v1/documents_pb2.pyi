from nhi.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RenderDocumentRequest(_message.Message):
    __slots__ = ("context", "kind", "person_id", "household_id", "format", "parameters")
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
    context: _common_pb2.RequestContext
    kind: str
    person_id: str
    household_id: str
    format: str
    parameters: _containers.ScalarMap[str, str]
    def __init__(self, context: _Optional[_Union[_common_pb2.RequestContext, _Mapping]] = ..., kind: _Optional[str] = ..., person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., format: _Optional[str] = ..., parameters: _Optional[_Mapping[str, str]] = ...) -> None: ...

class DocumentMeta(_message.Message):
    __slots__ = ("document_id", "kind", "title", "person_id", "household_id", "media_type", "size_bytes", "sha256", "issued_on", "valid_until", "created_at", "certificate_number")
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
    def __init__(self, document_id: _Optional[str] = ..., kind: _Optional[str] = ..., title: _Optional[str] = ..., person_id: _Optional[str] = ..., household_id: _Optional[str] = ..., media_type: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., issued_on: _Optional[str] = ..., valid_until: _Optional[str] = ..., created_at: _Optional[str] = ..., certificate_number: _Optional[str] = ...) -> None: ...

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
