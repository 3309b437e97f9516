"""Each kind of error has a stable, documented problem type: every kind the code can answer is listed in the spec."""

from __future__ import annotations

import pathlib
import re

import grpc
import yaml

from nhi_gateway import problems

ROOT = pathlib.Path(__file__).resolve().parents[1]
SPEC = ROOT / "gateway/src/nhi_gateway/openapi/api.yaml"
# A code travels as the ErrorInfo reason and becomes the problem's kind (problems.from_rpc_error).
CODE = re.compile(r'(?:\bcode|\breason)\s*(?::\s*str\s*)?=\s*"([A-Z][A-Z0-9_]+)"|^[A-Z_]+ = "([A-Z][A-Z0-9_]+)"', re.M)
KIND = re.compile(r'kind="([a-z-]+)"')
# stream names, a file prefix, an environment variable's name
NOT_CODES = {"HS256", "RESIDENT", "NHI_JOBS", "PENSION", "TAX", "NHI_EVENTS", "NHI_DEAD", "RET_", "NHI_VAR_DIR"}
NOT_CODES |= {"NHI_MYNUMBER_KEY", "NHI_MYNUMBER_KEYS", "NHI_MYNUMBER_KEY_VERSION"}  # environment variables' names
NOT_CODES |= {"GATEWAY_RATE_LIMIT_FILE"}
# A reason that is a gRPC status name says nothing the status does not: the problem keeps the status's kind.
STATUS_NAMES = {code.name for code in grpc.StatusCode}


def documented() -> dict[str, str]:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))["components"]["schemas"]["Problem"]["x-problem-types"]


def produced() -> set[str]:
    kinds = {kind for kind, _title in problems.DEFAULTS.values()}
    for base in ("svc-qualification", "svc-documents", "svc-integration", "svc-interchange", "common", "gateway"):
        for path in (ROOT / base / "src").rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if base == "gateway":
                kinds |= set(KIND.findall(text))  # the gateway's own problems name their kind
            for code in (a or b for a, b in CODE.findall(text)):
                if code not in NOT_CODES and code not in STATUS_NAMES:
                    kinds.add(code.lower().replace("_", "-"))
    return kinds


def test_every_kind_of_error_the_api_can_answer_is_documented_with_its_meaning():
    listed = documented()
    assert sorted(produced() - set(listed)) == []
    assert all(meaning.strip() for meaning in listed.values())


def test_the_problem_type_of_a_kind_is_its_documented_uri():
    assert problems.kind_url("stale-version") == "https://nhi.example/problems/stale-version"
    assert "stale-version" in documented()
