"""The API fuzzed from its own served spec (schemathesis), against the real gateway and services.

Every operation gets examples, boundary values (the coverage phase: integers past their bounds, strings past their
lengths, wrong types, control characters), random requests valid and invalid, and stateful sequences, with a
backoffice token and with a counter token. Asserted for every answer: no server error; status code, content type,
headers and body as the spec declares them; invalid requests refused; every error RFC 9457 problem+json
(`fuzz_checks.every_error_is_a_problem`); and afterwards no unhandled exception in any process's log.

Bounded in time (FUZZ_SECONDS per role); the run has a suite of its own, so that what the fuzzer creates
(notifications, corrections, jobs, income facts) never meets the other end-to-end tests. A longer run:
FUZZ_SECONDS=600 FUZZ_SEED=random pytest tests/test_fuzz_from_spec.py -s
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest
from support import RunningSuite, drop_schemas, start_suite

pytestmark = pytest.mark.e2e

BIN = pathlib.Path(sys.executable).parent
HERE = pathlib.Path(__file__).resolve().parent
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "every_error_is_a_problem",
)
SECONDS = {"backoffice": 45, "counter": 30}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    # The fuzzer starts population jobs (renewal, burden, age75) while it calls everything else: on a loaded
    # 2-core CI machine a call behind them may take longer than the 5 s default deadline, which is a 504 the
    # contract allows but this run counts as a server error. What is checked here is the contract, not latency.
    # A documents worker runs, so that the documents jobs the fuzzer starts are worked while it calls the rest.
    # One token subject sends every request: without a rate limit the fuzzer reaches the operations, not only 429.
    env = {"GRPC_DEADLINE_SECONDS": "30", "GATEWAY_RATE_LIMIT_PER_SECOND": "0"}
    suite, schemas = start_suite(tmp_path_factory.mktemp("fuzzed"), env=env)
    running = RunningSuite(suite)
    yield running
    running.http.close()
    suite.stop()
    drop_schemas(schemas)


def fuzz(running: RunningSuite, role: str, workdir: pathlib.Path) -> subprocess.CompletedProcess:
    seconds = int(os.environ.get("FUZZ_SECONDS") or SECONDS[role])
    seed = os.environ.get("FUZZ_SEED", "1")
    args = [
        str(BIN / "schemathesis"),
        "run",
        f"{running.suite.url}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {running.token(role)}",
        "--checks",
        ",".join(CHECKS),
        "--max-time",
        str(seconds),
        "--workers",
        "2",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "30",
        *(["--seed", seed] if seed != "random" else []),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "fuzz_checks", "PYTHONPATH": str(HERE), "NO_COLOR": "1"}
    # cwd: the run keeps its example database (.hypothesis) and reports out of the work tree
    return subprocess.run(args, cwd=workdir, env=env, capture_output=True, text=True, timeout=seconds + 180)


def summary(output: str) -> str:
    """The figures of a run: operations, test cases, failures."""
    lines = [line.strip() for line in output.splitlines()]
    wanted = re.compile(r"^(Selected|Tested):|generated|Failures|^❌|^✅|^⚠️|Seed:")
    return "\n".join(line for line in lines if wanted.search(line))


def unhandled_exceptions(running: RunningSuite) -> list[str]:
    """Log lines of any process that carry a traceback: an error no answer may show (a job's background thread)."""
    found = []
    for log in sorted((running.suite.var / "log").glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("exception"):
                found.append(f"{log.name}: {record.get('message')}: {record['exception'].strip().splitlines()[-1]}")
    return found


@pytest.mark.parametrize("role", ["backoffice", "counter"])
def test_the_spec_fuzzed_finds_no_server_error_and_no_answer_outside_it(fuzzed, role, tmp_path):
    result = fuzz(fuzzed, role, tmp_path)
    figures = summary(result.stdout)
    print(f"\nfuzzed as {role}:\n{figures}")
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-3000:]
    assert "generated" in figures, result.stdout[-3000:]
    assert unhandled_exceptions(fuzzed) == []
