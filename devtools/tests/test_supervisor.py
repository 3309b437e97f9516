"""`nhi-suite run` as an operator meets it: a dead service comes back, one suite per state directory, a busy port
named before anything starts, and SIGHUP (the terminal closing) leaves no process behind."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from nhi_devtools.suite import free_port

BIN = pathlib.Path(sys.executable).parent
pytestmark = pytest.mark.e2e


def _environment(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env.pop("NATS_URL", None)  # the embedded NATS, as on a fresh machine
    env["GATEWAY_PORT"] = str(port)
    return env


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not alive
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def _state(var: pathlib.Path) -> dict | None:
    try:
        return json.loads((var / "suite.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _get(url: str, token: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


@pytest.fixture()
def suite_process(tmp_path):
    var = tmp_path / "var"
    port = free_port()
    env = _environment(port)
    process = subprocess.Popen(
        [str(BIN / "nhi-suite"), "run", "--var", str(var), "--households", "3"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        state = _wait(lambda: _state(var), 150, "the suite wrote var/suite.json")
        yield process, var, port, env, state
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def test_a_killed_service_is_restarted_a_second_suite_is_refused_and_sighup_stops_everything(suite_process):
    process, var, port, env, state = suite_process
    children = dict(state["processes"])
    assert {"qualification", "documents", "integration", "interchange", "gateway", "nats-server"} <= set(children)

    # SIGKILL of a service: the supervisor logs it and starts it again; the suite answers again.
    os.kill(children["qualification"], signal.SIGKILL)
    restarted = _wait(
        lambda: (s := _state(var)) and s["processes"].get("qualification") not in (None, children["qualification"]),
        60,
        "svc-qualification restarted",
    )
    assert restarted
    token_env = {**env, **dict(_secrets(var))}
    token = subprocess.run(
        [str(BIN / "nhi-gateway"), "token", "--role", "counter"], env=token_env, capture_output=True, text=True
    ).stdout.strip()
    url = f"http://127.0.0.1:{port}/api/v1/persons?name_kana=%E3%82%A2"
    _wait(lambda: _get(url, token) == 200, 60, "a person search answered after the restart")

    # A second suite on the same state directory is refused, naming the running one; it starts nothing.
    second = subprocess.run(
        [str(BIN / "nhi-suite"), "run", "--var", str(var), "--households", "3"],
        env=_environment(free_port()),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode != 0
    assert f"pid {process.pid}" in second.stderr and "already running" in second.stderr
    assert "press Ctrl-C" not in second.stdout

    # SIGHUP, as when the terminal closes: every process stops, the port is free again.
    pids = list(_state(var)["processes"].values())
    process.send_signal(signal.SIGHUP)
    process.wait(60)
    output = process.stdout.read()
    assert "qualification exited with code -9; restarting" in output
    assert "SIGHUP: stopping every process" in output
    _wait(lambda: not any(_alive(pid) for pid in pids), 30, "no process of the suite left")
    assert _get(f"http://127.0.0.1:{port}/readyz") == 0


def _secrets(var: pathlib.Path):
    for line in (var / "local.env").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            yield tuple(line.split("=", 1))


def test_a_busy_port_is_named_before_anything_starts(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [str(BIN / "nhi-suite"), "run", "--var", str(tmp_path / "var"), "--households", "3"],
            env=_environment(port),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"port {port}" in result.stderr and "GATEWAY_PORT" in result.stderr
    assert "press Ctrl-C" not in result.stdout
    assert not (tmp_path / "var" / "nats").exists()


def test_env_without_a_running_suite_exits_non_zero_and_says_so(tmp_path):
    result = subprocess.run(
        [str(BIN / "nhi-suite"), "env", "--var", str(tmp_path)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 3
    assert "no suite is running" in result.stderr
    assert "NATS_URL" not in result.stdout
    assert "export NHI_JWT_SECRET=" in result.stdout  # `make token` still finds the local secrets


def test_a_benchmark_killed_with_sigterm_runs_its_cleanup_and_exits_143(tmp_path):
    """exit_on_sigterm: what a bench started is stopped and what it created is removed by its own `finally`, and a
    child it started is not left running."""
    done = tmp_path / "cleaned"
    script = (
        "import subprocess, sys, time\n"
        "from nhi_devtools.suite import exit_on_sigterm\n"
        "exit_on_sigterm()\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "try:\n"
        "    print(child.pid, flush=True)\n"
        "    time.sleep(60)\n"
        "finally:\n"
        "    child.terminate(); child.wait(10)\n"
        f"    open({str(done)!r}, 'w').write('yes')\n"
    )
    bench = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child_pid = int(bench.stdout.readline())
    bench.send_signal(signal.SIGTERM)
    assert bench.wait(20) == 128 + signal.SIGTERM
    assert done.read_text() == "yes"
    with pytest.raises(ProcessLookupError):
        os.kill(child_pid, 0)


def test_a_suite_that_does_not_come_up_leaves_nothing_of_it_running(tmp_path):
    """A service that exits on a bad setting fails the start, and the start stops what it had started (NATS, the
    other services): a bench or a test that gets the error has no suite to stop and must not leave one behind."""
    from nhi_devtools.suite import SERVICES, Suite

    env = {f"{prefix}_DATABASE_URL": f"sqlite:///{tmp_path / (name + '.db')}" for name, _s, prefix in SERVICES}
    env["INTEGRATION_RESIDENT_BATCH"] = "0"  # svc-integration refuses it and exits with 2
    suite = Suite(var=tmp_path, gateway_port=free_port(), demo_households=0, documents_workers=0, extra_env=env)
    spawned: list[subprocess.Popen] = []
    spawn = suite._spawn  # noqa: SLF001

    def spawn_and_keep(name: str, args: list[str]) -> None:
        spawn(name, args)
        spawned.append(suite.processes[name])

    suite._spawn = spawn_and_keep  # noqa: SLF001
    with pytest.raises(RuntimeError, match="integration exited with 2"):
        suite.start(timeout=120)
    assert len(spawned) >= 5  # the services and the gateway had been started
    assert all(process.poll() is not None for process in spawned)
    assert suite.nats is None and not suite.processes
    assert _processes_naming(tmp_path) == []  # the embedded nats-server too


def _processes_naming(path: pathlib.Path) -> list[int]:
    """Live processes whose command line names `path`."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(path) in command and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found
