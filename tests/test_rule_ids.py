"""Every refusal that names a field names the rule it applies: a Part A rule id, the standard's requirement, or
for malformed input the check (required, format, enum, ...) — never an empty rule."""

from __future__ import annotations

import ast
import pathlib

import pytest

from nhi_common.errors import INPUT_RULES, DomainError, InvalidInput

ROOT = pathlib.Path(__file__).resolve().parents[1]
RAISERS = {"RuleViolation", "DomainError", "InvalidInput"}
SOURCES = sorted(
    p
    for base in ("svc-qualification", "svc-documents", "svc-integration", "svc-interchange", "common")
    for p in (ROOT / base / "src").rglob("*.py")
    if "migrations" not in p.parts
)


def refusals(path: pathlib.Path):
    """(line, code) of each refusal raised with a literal code and no rule."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in RAISERS:
            keywords = {k.arg: k.value for k in node.keywords}
            code = keywords.get("code")
            if "rule" not in keywords and isinstance(code, ast.Constant):
                yield node.lineno, code.value


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_refusal_of_a_rule_names_the_rule(path):
    missing = [f"line {line}: {code}" for line, code in refusals(path) if code not in INPUT_RULES]
    assert missing == [], f"{path.relative_to(ROOT)} refuses without a rule id: {missing}"


def test_malformed_input_names_the_check_it_failed():
    assert DomainError("persons", "at least one", code="REQUIRED").rule == "required"
    assert InvalidInput("cursor", "not ours", code="INVALID_CURSOR").rule == "format"
    assert DomainError("x", "y", rule="NUM-MYNUMBER", code="INVALID_MY_NUMBER").rule == "NUM-MYNUMBER"
