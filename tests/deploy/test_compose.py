"""docker-compose.yml is valid, builds from Dockerfiles that exist, and sets only documented variables."""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
SERVICES = ("qualification", "documents", "integration", "interchange")
SERVICE_PREFIXES = ("QUALIFICATION_", "DOCUMENTS_", "INTEGRATION_", "INTERCHANGE_")


def documented_variables() -> set[str]:
    """The names in the first column of the table under '## Environment variables' of docs/conventions.md."""
    text = (ROOT / "docs" / "conventions.md").read_text(encoding="utf-8")
    section = text.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) < 3:
            continue
        for name in re.findall(r"`([A-Z0-9_<>]+)`", cells[1]):
            if name.startswith("<SVC>_"):
                names.update(prefix + name.removeprefix("<SVC>_") for prefix in SERVICE_PREFIXES)
            else:
                names.add(name)
    return names


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _built(compose: dict) -> dict[str, dict]:
    return {name: service for name, service in compose["services"].items() if "build" in service}


def _depends_on(service: dict) -> dict:
    depends = service.get("depends_on", {})
    return {name: {} for name in depends} if isinstance(depends, list) else depends


@pytest.mark.skipif(
    shutil.which("docker-compose") is None,
    reason="docker-compose is not on PATH (Debian package docker-compose); the Python checks still run",
)
def test_docker_compose_accepts_the_file():
    result = subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "config", "-q"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_the_conventions_table_is_parsed():
    names = documented_variables()
    assert {
        "NATS_URL",
        "QUALIFICATION_DATABASE_URL",
        "INTERCHANGE_DATABASE_SCHEMA",
        "GATEWAY_HOST",
        "NHI_JWT_SECRET",
    } <= names


def test_every_built_service_has_its_build_context_and_dockerfile(compose):
    built = _built(compose)
    assert set(SERVICES) | {"gateway", "simulators"} <= set(built)
    for name, service in built.items():
        context = ROOT / service["build"]["context"]
        assert context.is_dir(), f"{name}: build context {context} is missing"
        dockerfile = context / service["build"].get("dockerfile", "Dockerfile")
        assert dockerfile.is_file(), f"{name}: {dockerfile.relative_to(ROOT)} is missing"


def test_every_variable_set_for_a_suite_service_is_documented(compose):
    documented = documented_variables()
    for name, service in _built(compose).items():
        environment = service.get("environment", {})
        keys = [item.split("=", 1)[0] for item in environment] if isinstance(environment, list) else list(environment)
        undocumented = sorted(set(keys) - documented)
        assert not undocumented, f"{name} sets variables not in docs/conventions.md: {undocumented}"


def test_the_gateway_waits_for_the_four_healthy_services(compose):
    depends = _depends_on(compose["services"]["gateway"])
    for name in SERVICES:
        assert depends.get(name, {}).get("condition") == "service_healthy", name


def test_the_services_wait_for_nats_and_postgres(compose):
    for name in SERVICES:
        depends = _depends_on(compose["services"][name])
        assert depends.get("nats", {}).get("condition") == "service_healthy", name
        assert depends.get("postgres", {}).get("condition") == "service_healthy", name
        assert "healthcheck" in compose["services"][name], name


def test_nats_runs_jetstream_on_a_volume_and_postgres_has_a_readiness_check(compose):
    nats = compose["services"]["nats"]
    assert "-js" in nats["command"] and "/data" in nats["command"]
    assert any(volume.endswith(":/data") for volume in nats["volumes"])
    assert "pg_isready" in compose["services"]["postgres"]["healthcheck"]["test"]


def test_the_gateway_is_published_on_8080_and_listens_on_all_interfaces(compose):
    gateway = compose["services"]["gateway"]
    assert "8080:8080" in gateway["ports"]
    assert gateway["environment"]["GATEWAY_HOST"] == "0.0.0.0"


def test_the_simulators_are_a_tools_profile(compose):
    assert compose["services"]["simulators"]["profiles"] == ["tools"]


@pytest.mark.parametrize(
    "directory", ["gateway", "svc-qualification", "svc-documents", "svc-integration", "svc-interchange", "simulators"]
)
def test_dockerfile_is_slim_and_runs_as_a_non_root_user(directory):
    path = ROOT / directory / "Dockerfile"
    if not path.exists():
        pytest.skip(
            f"{directory}/Dockerfile is not written yet (test_every_built_service_has_its_build_context_and_dockerfile fails for it)"
        )
    text = path.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.MULTILINE), "base image"
    assert re.search(r"^USER 10001\b", text, re.MULTILINE), "non-root user"
    assert "PYTHONDONTWRITEBYTECODE=1" in text
    assert "--no-cache-dir" in text
    assert re.search(r"^(CMD|ENTRYPOINT) \[", text, re.MULTILINE), "exec-form command"


def test_dockerignore_keeps_local_state_out_of_the_build_context():
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    for pattern in (".venv", "var", ".git", "**/__pycache__"):
        assert pattern in lines, pattern
