"""The services' command lines on a developer machine: they find the suite's var/ (secrets, databases, NATS) from
any directory below it, refuse to run a job on a database that does not exist, and refuse an unknown kind in one
line before touching anything."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

from nhi_common import config
from nhi_devtools.suite import local_secrets

BIN = pathlib.Path(sys.executable).parent
# Every variable use_local_state may set: cleared (and so restored by monkeypatch) around each test, or one would leak
# into the environment of every later test of the run.
CLEARED = ("NHI_MYNUMBER_KEY", "NHI_JWT_SECRET", "NHI_JETSTREAM_KEY", "NATS_URL", config.VAR_DIR)


def _run(args: list[str], cwd: pathlib.Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED and not k.endswith("_DATABASE_URL")}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_a_job_on_a_database_that_does_not_exist_is_refused_and_nothing_is_created(tmp_path):
    var = tmp_path / "project" / "var"
    local_secrets(var)  # what `make run` leaves: var/local.env, no database yet
    below = tmp_path / "project" / "docs" / "notes"
    below.mkdir(parents=True)
    result = _run([str(BIN / "nhi-qualification"), "run-job", "age75_loss", "--month", "2026-12"], below)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: there is no database at {var.resolve() / 'qualification.db'}; run this where `make run` keeps var/ "
        f"(or set {config.VAR_DIR}), or set QUALIFICATION_DATABASE_URL"
    ]
    assert sorted(p.name for p in var.iterdir()) == ["local.env"]
    assert not (below / "var").exists()


def test_an_unknown_kind_is_one_line_and_touches_nothing(tmp_path):
    var = tmp_path / "var"
    local_secrets(var)
    (var / "qualification.db").touch()
    result = _run([str(BIN / "nhi-qualification"), "run-job", "no_such_job"], tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "unknown job kind 'no_such_job'" in result.stderr
    assert "Traceback" not in result.stderr
    assert (var / "qualification.db").stat().st_size == 0  # not even migrated


def test_local_state_fills_only_what_the_environment_leaves_open(tmp_path, monkeypatch):
    var = tmp_path / "var"
    secrets = local_secrets(var)
    (var / "suite.json").write_text('{"nats_url": "nats://127.0.0.1:4999"}')
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NHI_JWT_SECRET", "from-the-environment")
    monkeypatch.chdir(var)
    assert config.use_local_state() == var
    assert os.environ["NHI_MYNUMBER_KEY"] == secrets["NHI_MYNUMBER_KEY"]
    assert os.environ["NHI_JWT_SECRET"] == "from-the-environment"
    assert os.environ["NATS_URL"] == "nats://127.0.0.1:4999"
    from nhi_qualification.settings import Settings

    assert config.load(Settings).database_url == f"sqlite:///{var.resolve()}/qualification.db"


def test_no_local_suite_changes_nothing(tmp_path, monkeypatch):
    for name in CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    assert config.use_local_state() is None
    assert config.VAR_DIR not in os.environ
