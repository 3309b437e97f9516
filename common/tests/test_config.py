import dataclasses
import datetime as dt

import pytest

from nhi_common.config import ConfigError, load, setting


@dataclasses.dataclass(frozen=True)
class Example:
    url: str = setting("EX_URL", None, "where to connect")
    port: int = setting("EX_PORT", "50051", "port")
    day: dt.date | None = setting("EX_DAY", None, "a date")
    debug: bool = setting("EX_DEBUG", "false", "debug")


def test_defaults_and_conversions():
    settings = load(Example, {"EX_URL": "sqlite://", "EX_DAY": "2026-04-01", "EX_DEBUG": "yes"})
    assert settings == Example(url="sqlite://", port=50051, day=dt.date(2026, 4, 1), debug=True)


def test_every_problem_is_reported_at_once_with_the_variable_name():
    with pytest.raises(ConfigError) as error:
        load(Example, {"EX_PORT": "eighty", "EX_DAY": "2025-02-30"})
    message = str(error.value)
    assert "EX_URL is required (where to connect)" in message
    assert "EX_PORT='eighty'" in message
    assert "EX_DAY='2025-02-30'" in message
