"""Every rule id of the binding rule table (shared/domain.md, Part A) is named in the code and in a test."""

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
RULE_IDS = [
    "ACQ-MOVE-IN",
    "ACQ-MOVE-IN-PREF",
    "ACQ-BIRTH",
    "ACQ-EMP-LEAVE",
    "ACQ-WELFARE-END",
    "ACQ-FOREIGN",
    "LOSS-MOVE-OUT",
    "END-MOVE-OUT-PREF",
    "LOSS-DEATH",
    "LOSS-EMP-JOIN",
    "LOSS-WELFARE",
    "LOSS-KUMIAI",
    "LOSS-AGE75",
    "LOSS-LATER-ELDERLY-DISABILITY",
    "ELDER-START",
    "ELDER-END",
    "BURDEN-3",
    "BURDEN-KIJUN",
    "BURDEN-KYU-TADASHIGAKI",
    "BURDEN-YEAR",
    "BURDEN-PENDING",
    "LIMIT-CAT",
    "CERT-KIND",
    "CERT-EXPIRY",
    "ELDER-CERT-EXPIRY",
    "NOTIFY-14",
    "RETRO-LIMIT",
    "NUM-INSURER",
    "NUM-INSURED",
    "NUM-MYNUMBER",
    "HOUSEHOLD",
    "SPECIAL-STATUS",
    "DV",
]


def _text(pattern: str) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in ROOT.glob(pattern))


SOURCE = _text("svc-*/src/**/*.py")
TESTS = _text("svc-*/tests/**/*.py") + "\n".join(
    p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("*.py") if p.name != pathlib.Path(__file__).name
)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_the_rule_is_implemented_and_tested(rule_id):
    quoted = f'"{rule_id}"'
    assert quoted in SOURCE, f"no code names {rule_id}"
    assert rule_id in TESTS, f"no test names {rule_id}"
