import datetime as dt
import json
import logging

import pytest

from nhi_common.jp import wareki
from nhi_common.logs import JsonFormatter, redact


def test_twelve_digit_runs_never_reach_a_log_line():
    assert redact("my number 123456789018 seen") == "my number ************ seen"
    assert redact("person 000000001 and 1234567890123") == "person 000000001 and 1234567890123"


def test_json_lines_carry_the_service_and_mask_numbers():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "got %s", ("123456789018",), None)
    entry = json.loads(JsonFormatter("svc-test").format(record))
    assert entry["service"] == "svc-test"
    assert entry["message"] == "got ************"


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
