"""Errors to gRPC statuses (rpc.from_domain, rpc.translated) and page requests (paging.parse, paging.keyset)."""

from __future__ import annotations

import grpc
import pytest
import sqlalchemy as sa
from google.rpc import status_pb2

from nhi.common.v1 import common_pb2
from nhi.qualification.v1 import qualification_pb2
from nhi_common import paging, rpc
from nhi_common.errors import (
    Category,
    Conflict,
    DomainError,
    IdempotencyReuse,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from nhi_common.paging import Page


class Aborted(Exception):
    """What grpc raises out of a servicer method once the context is aborted."""


class FakeContext:
    def __init__(self) -> None:
        self.status: grpc.Status | None = None

    def abort_with_status(self, status: grpc.Status) -> None:
        self.status = status
        raise Aborted()


def details_of(status: grpc.Status):
    """The BadRequest field problems and the ErrorInfo an aborted call carries in its trailing metadata."""
    [(key, value)] = status.trailing_metadata
    assert key == rpc.DETAILS_KEY
    parsed = status_pb2.Status()
    parsed.ParseFromString(value)
    assert parsed.code == status.code.value[0]
    return rpc.unpack_details(parsed)


# ----- one status per category -----


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidInput("event_date", "is not a date", code="INVALID_DATE"), grpc.StatusCode.INVALID_ARGUMENT),
        (
            DomainError("persons[0]", "already insured", rule="ACQ-1", code="ALREADY_INSURED"),
            grpc.StatusCode.FAILED_PRECONDITION,
        ),
        (NotFound("person", "P1"), grpc.StatusCode.NOT_FOUND),
        (Conflict("the household changed", metadata={"current_version": "6"}), grpc.StatusCode.ABORTED),
        (PermissionDenied("mynumber:read is required"), grpc.StatusCode.PERMISSION_DENIED),
        (IdempotencyReuse(), grpc.StatusCode.FAILED_PRECONDITION),
    ],
)
def test_each_category_has_its_status(error, status):
    assert rpc.from_domain(error).code == status


def test_every_category_is_in_the_one_table():
    assert set(rpc.STATUS_OF) == set(Category)


def test_an_input_code_makes_an_input_error_unless_a_category_is_given():
    assert DomainError("cursor", "bad", code="INVALID_CURSOR").category == Category.INPUT
    assert DomainError("cursor", "bad", code="INVALID_CURSOR", category=Category.RULE).category == Category.RULE
    assert DomainError("lost_on", "before acquired_on", code="LOSS_BEFORE_ACQUISITION").category == Category.RULE


def test_the_field_and_rule_reach_the_bad_request_and_the_code_the_error_info():
    error = rpc.from_domain(
        DomainError(
            "persons[0].my_number",
            "the check digit is wrong",
            rule="NUM-MYNUMBER",
            code="INVALID_MY_NUMBER",
            metadata={"person_id": "P1"},
        )
    )
    [problem], info = rpc.unpack_details(error.to_status())
    assert (problem.field, problem.description, problem.rule) == (
        "persons[0].my_number",
        "the check digit is wrong",
        "NUM-MYNUMBER",
    )
    assert (info.reason, dict(info.metadata)) == ("INVALID_MY_NUMBER", {"person_id": "P1"})
    assert error.message == "persons[0].my_number: the check digit is wrong"


def test_an_error_without_a_field_carries_no_bad_request():
    fields, info = rpc.unpack_details(rpc.from_domain(NotFound("document", "D9")).to_status())
    assert fields == [] and info.reason == "NOT_FOUND" and dict(info.metadata) == {"kind": "document", "id": "D9"}


# ----- rpc.translated -----


class Servicer:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    @rpc.translated
    def GetThing(self, request, context):
        """Answer the request, or fail with the error given."""
        if self.error is not None:
            raise self.error
        return f"thing {request}"


def test_translated_answers_when_nothing_fails_and_keeps_the_methods_name():
    assert Servicer().GetThing("T1", FakeContext()) == "thing T1"
    assert Servicer.GetThing.__name__ == "GetThing" and Servicer.GetThing.__doc__.startswith("Answer")


def test_translated_aborts_a_domain_error_with_its_status_field_and_rule():
    context = FakeContext()
    with pytest.raises(Aborted):
        Servicer(DomainError("person_id", "not insured", rule="CERT-KIND", code="NOT_INSURED")).GetThing("T", context)
    assert context.status.code == grpc.StatusCode.FAILED_PRECONDITION
    assert context.status.details == "person_id: not insured"
    [problem], info = details_of(context.status)
    assert (problem.field, problem.rule, info.reason) == ("person_id", "CERT-KIND", "NOT_INSURED")


def test_translated_aborts_a_service_error_as_it_is():
    context = FakeContext()
    with pytest.raises(Aborted):
        Servicer(rpc.ServiceError(grpc.StatusCode.UNAVAILABLE, "down", reason="BACKEND_DOWN")).GetThing("T", context)
    assert context.status.code == grpc.StatusCode.UNAVAILABLE
    assert details_of(context.status)[1].reason == "BACKEND_DOWN"


def test_translated_lets_anything_else_through():
    with pytest.raises(ZeroDivisionError):
        Servicer(ZeroDivisionError()).GetThing("T", FakeContext())


# ----- paging.parse -----


def test_no_cursor_is_the_first_page_of_the_default_size_and_sizes_are_capped():
    assert paging.parse(0, "") == Page(paging.DEFAULT_SIZE, None)
    assert paging.parse(0, "", default_size=100) == Page(100, None)
    assert paging.parse(10_000, "") == Page(paging.MAX_SIZE, None)
    assert paging.parse(20, "123") == Page(20, 123)


@pytest.mark.parametrize("cursor", ["abc", "1" * 30, "-1", "1.5", " 12", "１２", "0x1f"])
def test_a_numeric_list_refuses_a_cursor_it_did_not_give_out_naming_the_cursor(cursor):
    with pytest.raises(InvalidInput) as caught:
        paging.parse(0, cursor)
    error = caught.value
    assert (error.field, error.code, error.category) == ("cursor", "INVALID_CURSOR", Category.INPUT)
    assert rpc.from_domain(error).code == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize("cursor", ["x" * 301, "a\nb"])
def test_a_list_keyed_by_text_refuses_what_no_list_could_have_given_out(cursor):
    with pytest.raises(InvalidInput) as caught:
        paging.parse(5, cursor, numeric=False)
    assert (caught.value.field, caught.value.code) == ("cursor", "INVALID_CURSOR")


def test_a_negative_page_size_is_refused_naming_the_page_size():
    with pytest.raises(InvalidInput) as caught:
        paging.parse(-1, "")
    assert (caught.value.field, caught.value.code) == ("page_size", "INVALID_PAGE_SIZE")


# ----- paging.keyset -----


@pytest.fixture
def things():
    engine = sa.create_engine("sqlite://")
    metadata = sa.MetaData()
    table = sa.Table(
        "things",
        metadata,
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(20), unique=True),
        sa.Column("colour", sa.String(10)),
    )
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(table),
            [{"seq": n, "name": f"P{n:03d}|髙", "colour": "red" if n % 2 else "blue"} for n in range(1, 8)],
        )
    with engine.connect() as conn:
        yield conn, table
    engine.dispose()


def walk(conn, query, key, size, *, numeric: bool = True, **order) -> list[list[int]]:
    """Every page of `query`, following each page's cursor as a client would."""
    pages, cursor = [], ""
    while True:
        rows, cursor = paging.keyset(conn, query, key, paging.parse(size, cursor, numeric=numeric), **order)
        pages.append([row.seq for row in rows])
        if not cursor:
            return pages


def test_keyset_pages_follow_each_other_oldest_or_newest_first(things):
    conn, table = things
    query = sa.select(table)
    assert walk(conn, query, table.c.seq, 3) == [[1, 2, 3], [4, 5, 6], [7]]
    assert walk(conn, query, table.c.seq, 3, newest_first=True) == [[7, 6, 5], [4, 3, 2], [1]]
    assert walk(conn, query.where(table.c.colour == "red"), table.c.seq, 2, newest_first=True) == [[7, 5], [3, 1]]


def test_keyset_gives_no_cursor_when_the_last_page_is_exactly_full(things):
    conn, table = things
    assert walk(conn, sa.select(table), table.c.seq, 7) == [[1, 2, 3, 4, 5, 6, 7]]


def test_a_list_keyed_by_text_takes_back_the_cursors_it_gave_out(things):
    conn, table = things
    assert walk(conn, sa.select(table), table.c.name, 3, numeric=False) == [[1, 2, 3], [4, 5, 6], [7]]
    assert walk(conn, sa.select(table), table.c.name, 4, numeric=False, newest_first=True) == [[7, 6, 5, 4], [3, 2, 1]]


def test_a_database_gone_under_a_call_answers_unavailable_and_other_database_errors_stay_errors():
    import grpc
    import pytest
    import sqlalchemy as sa

    from nhi_common import rpc

    class Aborted(Exception):
        pass

    class Context:
        def abort_with_status(self, status):
            raise Aborted(status.code, status.details)

    class Servicer:
        def __init__(self, error):
            self.error = error

        @rpc.translated
        def Call(self, request, context):
            raise self.error

    gone = sa.exc.OperationalError("SELECT 1", {}, Exception("terminating connection due to administrator command"))
    with pytest.raises(Aborted) as answer:
        Servicer(gone).Call(None, Context())
    assert answer.value.args == (grpc.StatusCode.UNAVAILABLE, "the database is not available; try again")
    broken = sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key"))
    with pytest.raises(sa.exc.IntegrityError):
        Servicer(broken).Call(None, Context())


# ----- a NUL character the database refused -----


def _nul_refused() -> sa.exc.DataError:
    return sa.exc.DataError("SELECT ...", {}, Exception("PostgreSQL text fields cannot contain NUL (0x00) bytes"))


class Recorder:
    @rpc.translated
    def RecordIncomeFacts(self, request, context):
        """The database refuses the request's text, as PostgreSQL refuses a NUL character."""
        raise _nul_refused()


def test_a_nul_character_the_database_refused_is_the_callers_error_naming_the_field():
    request = qualification_pb2.RecordIncomeFactsRequest(
        context=common_pb2.RequestContext(operator_id="clerk-1"),
        incomes=[
            qualification_pb2.IncomeFact(person_id="000000091"),
            qualification_pb2.IncomeFact(person_id="00\x001"),
        ],
    )
    context = FakeContext()
    with pytest.raises(Aborted):
        Recorder().RecordIncomeFacts(request, context)
    assert context.status.code == grpc.StatusCode.INVALID_ARGUMENT
    [problem], info = details_of(context.status)
    assert (problem.field, info.reason) == ("incomes[1].person_id", "INVALID_CHARACTER")


@pytest.mark.parametrize(
    ("message", "path"),
    [
        (common_pb2.RequestContext(operator_id="a\x00"), "operator_id"),
        (common_pb2.RequestContext(scopes=["x", "y\x00"]), "scopes[1]"),
        (
            qualification_pb2.RecordIncomeFactsRequest(context=common_pb2.RequestContext(purpose="\x00")),
            "context.purpose",
        ),
        (common_pb2.StartJobRequest(parameters={"month": "2026-12", "note": "a\x00"}), "parameters['note']"),
        (common_pb2.RequestContext(operator_id="clerk", purpose="窓口"), None),
    ],
)
def test_the_field_holding_a_nul_character_is_found_wherever_it_is(message, path):
    assert rpc.field_with_nul(message) == path


def test_a_data_error_with_no_nul_in_the_request_is_not_taken_for_one():
    request = qualification_pb2.RecordIncomeFactsRequest(incomes=[qualification_pb2.IncomeFact(person_id="1")])
    with pytest.raises(sa.exc.DataError):
        Recorder().RecordIncomeFacts(request, FakeContext())
