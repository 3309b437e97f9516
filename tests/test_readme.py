"""The README documents every environment variable a process reads."""

import importlib
import pathlib

import pytest

from nhi_common import config

README = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text()
SETTINGS = [
    "nhi_qualification.settings",
    "nhi_documents.settings",
    "nhi_integration.settings",
    "nhi_interchange.settings",
    "nhi_gateway.settings",
    "nhi_common.audit_cli",
]


@pytest.mark.parametrize("module", SETTINGS)
def test_every_setting_is_in_the_configuration_table(module):
    settings = importlib.import_module(module).Settings
    missing = [v.name for v in config.variables(settings) if f"| `{v.name}` |" not in README]
    assert missing == []


def test_the_readme_gives_the_two_commands():
    assert "make run" in README and "make test" in README
