"""The Helm chart lints strictly, renders offline, validates against Kubernetes schemas, is hardened, and matches its golden renders."""

from __future__ import annotations

import difflib
import importlib.util
import pathlib

import pytest
import yaml

helm = pytest.importorskip("helm_python", reason="helm-python-sdk is not installed (requirements-dev.txt)")
kubernetes_validate = pytest.importorskip(
    "kubernetes_validate", reason="kubernetes-validate is not installed (requirements-dev.txt)"
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "nhi"
KUBERNETES_VERSION = "1.35.0"
WORKLOAD_KINDS = {"Deployment", "CronJob"}


def _load_render_golden():
    spec = importlib.util.spec_from_file_location("render_golden", ROOT / "charts" / "render_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render_golden = _load_render_golden()
CASES = render_golden.golden_cases()


@pytest.fixture(scope="module", params=sorted(CASES))
def rendered(request) -> tuple[str, str]:
    return request.param, render_golden.render(CASES[request.param])


def _documents(text: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def _containers(doc: dict) -> list[dict]:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]["containers"]


def _workloads(text: str) -> list[dict]:
    return [doc for doc in _documents(text) if doc["kind"] in WORKLOAD_KINDS]


@pytest.mark.parametrize("case", sorted(CASES))
def test_chart_lints_clean_in_strict_mode(case):
    report = helm.lint(
        CHART, CASES[case], strict=True, namespace=render_golden.NAMESPACE, kube_version=f"v{KUBERNETES_VERSION}"
    )
    problems = [m for m in report["messages"] if m["severity"] >= 2] + [{"error": e} for e in report["errors"]]
    assert not problems, problems


def test_every_manifest_validates_against_the_kubernetes_schema(rendered):
    case, text = rendered
    documents = _documents(text)
    assert documents, f"{case}: nothing rendered"
    for doc in documents:
        name = f"{case}: {doc.get('kind')} {doc.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{name}: {'.'.join(map(str, error.path))}: {error.message}")


def test_every_container_has_resources_and_a_hardened_security_context(rendered):
    case, text = rendered
    for doc in _workloads(text):
        pod = (doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"])["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, doc["metadata"]["name"]
        for container in _containers(doc):
            where = f"{case}: {doc['metadata']['name']}/{container['name']}"
            assert container["resources"].get("requests") and container["resources"].get("limits"), where
            security = container["securityContext"]
            assert security["runAsNonRoot"] is True, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
            assert {"/tmp", "/app/var"} <= mounts, where


def test_grpc_components_use_native_grpc_probes_and_the_gateway_http_probes(rendered):
    case, text = rendered
    with helm.Chart.load(CHART) as chart:
        components = chart.merge_values(CASES[case])["components"]
    deployments = {doc["metadata"]["name"]: doc for doc in _documents(text) if doc["kind"] == "Deployment"}
    for name, component in components.items():
        (container,) = _containers(deployments[f"{render_golden.RELEASE}-{name}"])
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            if component["kind"] == "grpc":
                assert container[probe]["grpc"] == {"port": component["port"]}, f"{case}: {name} {probe}"
            else:
                assert container[probe]["httpGet"]["port"] == "http", f"{case}: {name} {probe}"
    gateway = _containers(deployments[f"{render_golden.RELEASE}-gateway"])[0]
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_default_render_has_the_five_components_and_no_secret_values():
    text = render_golden.render(None)
    kinds = [(doc["kind"], doc["metadata"]["name"]) for doc in _documents(text)]
    for name in ("qualification", "documents", "integration", "interchange", "gateway"):
        assert ("Deployment", f"nhi-{name}") in kinds
        assert ("Service", f"nhi-{name}") in kinds
    assert not [kind for kind, _ in kinds if kind == "Secret"], "the default install must use an existing Secret"


def test_cron_jobs_and_workers_have_a_disabled_default_entry():
    with helm.Chart.load(CHART) as chart:
        values = chart.values
    assert [(job["name"], job["schedule"], job["enabled"]) for job in values["cronJobs"]] == [
        ("daily-aggregation", "30 1 * * *", False),
        ("aggregation-import", "0 7,12,17 * * *", False),
        ("subcopy-registration", "0 2 * * *", False),
        ("subcopy-query-send", "15 2 * * *", False),
        ("intermediate-receipt", "0 7,12,17 * * *", False),
    ]
    assert values["workers"] and all(worker["enabled"] is False for worker in values["workers"])


def test_every_cron_job_calls_a_subcommand_its_program_has(rendered):
    """A CronJob's command is `<program> run-job <job>` with a job the program's CLI takes (nhi-interchange's)."""
    from nhi_interchange.entrypoints import cli as interchange_cli

    programs = {"nhi-interchange": set(interchange_cli.JOBS)}
    case, text = rendered
    cron_jobs = [doc for doc in _documents(text) if doc["kind"] == "CronJob"]
    for doc in cron_jobs:
        (container,) = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
        program, subcommand, job = container["command"][:3]
        assert subcommand == "run-job" and job in programs[program], container["command"]
    assert len(cron_jobs) == (5 if case == "all-features" else 0)


def test_render_equals_the_golden_file(rendered):
    case, text = rendered
    golden = CHART / "golden" / f"{case}.yaml"
    expected = golden.read_text(encoding="utf-8") if golden.exists() else ""
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True),
                text.splitlines(True),
                fromfile=str(golden.relative_to(ROOT)),
                tofile="rendered",
                n=2,
            )
        )
        pytest.fail(
            f"the chart renders differently from {golden.relative_to(ROOT)}; review the diff, then "
            f"run python charts/render_golden.py\n{diff}"
        )
