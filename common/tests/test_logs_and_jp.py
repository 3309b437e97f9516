import datetime as dt
import json
import logging

import pytest

from nhi_common.jp import wareki
from nhi_common.logs import JsonFormatter, describe, redact


def test_twelve_digit_runs_never_reach_a_log_line():
    assert redact("my number 123456789018 seen") == "my number ************ seen"
    assert redact("person 000000001 and 1234567890123") == "person 000000001 and 1234567890123"


def test_json_lines_carry_the_service_and_mask_numbers():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "got %s", ("123456789018",), None)
    entry = json.loads(JsonFormatter("svc-test").format(record))
    assert entry["service"] == "svc-test"
    assert entry["message"] == "got ************"


def _raised(call) -> BaseException:
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the exception is what the test looks at
        return exc
    raise AssertionError("nothing raised")


def test_a_failure_kept_as_a_reason_or_a_job_error_tells_its_kind_without_the_value_it_echoed():
    """Python echoes the value it could not take (a name, an address, a date typed wrong); a dead letter's reason and
    a job's error keep the exception's type and message with the value masked, and no My Number."""
    assert describe(_raised(lambda: int("山田 太郎"))) == "ValueError: invalid literal for int() with base 10: '…'"
    assert describe(_raised(lambda: dt.date.fromisoformat('みどり市若葉町2丁目"3"'))) == (
        "ValueError: Invalid isoformat string: '…'"
    )
    assert describe(RuntimeError("the database is away; key 123456789018")) == (
        "RuntimeError: the database is away; key ************"
    )
    assert len(describe(RuntimeError("x" * 2000))) == 500


def test_a_logged_traceback_masks_the_value_in_its_exception_line_and_keeps_its_source_lines():
    data = {"name": "鈴木花子"}
    exc = _raised(lambda: int(data["name"]))
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), (type(exc), exc, exc.__traceback__))
    entry = json.loads(JsonFormatter("svc-test").format(record))
    assert "鈴木" not in entry["exception"]
    assert entry["exception"].splitlines()[-1] == "ValueError: invalid literal for int() with base 10: '…'"
    assert 'exc = _raised(lambda: int("鈴木花子"))' not in entry["exception"]  # the raising line is the lambda's
    assert "call()" in entry["exception"]  # source lines kept as they are


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2025, 4, 1), "令和7年4月1日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(1926, 12, 25), "昭和元年12月25日"),
    ],
)
def test_wareki_prints_era_years_with_gannen(day, text):
    assert wareki(day) == text
