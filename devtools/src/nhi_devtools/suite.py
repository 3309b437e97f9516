"""The local supervisor behind `make run`: embedded NATS, secrets, demo data, every service and the gateway.

It starts each part as its own process (through the console scripts), so the local suite runs the same
code paths as a deployment. Under `nhi-suite run` it supervises them like a process manager: a process that dies
is started again after a backoff (1 s doubling to 30 s, reset once it has stayed up a minute) and the restart is
logged; SIGINT, SIGTERM and SIGHUP (the terminal closing) stop every process it started; `var/` is locked, so a
second suite on the same state directory is refused, and a busy gateway port is reported before anything starts.
"""

from __future__ import annotations

import argparse
import base64
import ctypes
import dataclasses
import fcntl
import json
import os
import pathlib
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from .natsserver import EmbeddedNats

BIN = pathlib.Path(sys.executable).parent
SERVICES = (  # name, console script, env prefix
    ("qualification", "nhi-qualification", "QUALIFICATION"),
    ("documents", "nhi-documents", "DOCUMENTS"),
    ("integration", "nhi-integration", "INTEGRATION"),
    ("interchange", "nhi-interchange", "INTERCHANGE"),
)


SERVER_ONLY_SECRET = "NHI_JETSTREAM_KEY"
# The demo municipality's 住所/行政区変換 table for the daily aggregation link (docs/interchange/address-table.md).
ADDRESS_TABLE = BIN.parents[1] / "docs" / "interchange" / "address-table.sample.csv"
RESTART_FIRST_DELAY = 1.0
RESTART_MAX_DELAY = 30.0
RESTART_STABLE_AFTER = 60.0  # a process up this long has its backoff reset


class SuiteError(RuntimeError):
    """A reason the suite cannot start, worded for the operator."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child gets SIGTERM when the supervisor dies, even by SIGKILL, so nothing is left behind."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def exit_on_sigterm() -> None:
    """A SIGTERM (a `kill`, a CI timeout) raises SystemExit in the main thread, as Ctrl-C raises KeyboardInterrupt, so
    that the caller's `with` blocks and `finally` clauses stop the processes it started and drop what it created,
    instead of the process ending on the spot and leaving them behind."""

    def _exit(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)


def port_in_use(host: str, port: int) -> bool:
    """True when something listens on host:port (a socket in TIME_WAIT does not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def local_secrets(var: pathlib.Path) -> dict[str, str]:
    """Development secrets kept in var/local.env (created once, mode 600); the environment wins."""
    path = var / "local.env"
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip()
    changed = False
    if "NHI_JWT_SECRET" not in values:
        values["NHI_JWT_SECRET"] = secrets.token_urlsafe(48)
        changed = True
    if "NHI_MYNUMBER_KEY" not in values:
        values["NHI_MYNUMBER_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()
        changed = True
    if "NHI_JETSTREAM_KEY" not in values:  # the embedded NATS server's encryption at rest
        values["NHI_JETSTREAM_KEY"] = secrets.token_hex(32)
        changed = True
    if changed:
        var.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "# local development secrets, made by nhi-suite; never commit\n"
            + "".join(f"{k}={v}\n" for k, v in sorted(values.items()))
        )
        path.chmod(0o600)
    return {k: os.environ.get(k) or v for k, v in values.items()}


@dataclasses.dataclass
class Suite:
    """Every process of the local suite, started in order and stopped together."""

    var: pathlib.Path
    gateway_port: int = 8080
    nats_url: str | None = None
    demo_households: int = 1000
    documents_workers: int = 1  # `nhi-documents work` processes: renewal chunks and the print queue
    intermediate_server: bool = True  # `nhi-sim intermediate serve`: the intermediate server's simulator
    extra_env: dict[str, str] = dataclasses.field(default_factory=dict)
    # `nhi-suite run`: restart what dies and take the children down with the supervisor. Tests leave it off:
    # they kill processes on purpose and restart them themselves.
    supervise: bool = False

    def __post_init__(self) -> None:
        self.var = self.var.resolve()
        self.processes: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, list[str]] = {}
        self.started_at: dict[str, float] = {}
        self.restarts: dict[str, int] = {}
        self.pending: dict[str, float] = {}  # name -> monotonic time of its next start
        self.nats: EmbeddedNats | None = None
        self.env: dict[str, str] = {}
        self.ports: dict[str, int] = {}
        self._lock_file = None

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(local_secrets(self.var))
        env.pop(SERVER_ONLY_SECRET, None)  # only the NATS server reads it
        env["NATS_URL"] = self.nats_url or self.nats.url
        for name, _script, prefix in SERVICES:
            port = self.ports[name]
            env.setdefault(f"{prefix}_DATABASE_URL", f"sqlite:///{self.var / (name + '.db')}")
            env[f"{prefix}_GRPC_PORT"] = str(port)
            env[f"{prefix}_ADDR"] = f"127.0.0.1:{port}"
        env.setdefault("INTERCHANGE_FILE_DIR", str(self.var / "interchange"))
        if ADDRESS_TABLE.exists():
            env.setdefault("INTERCHANGE_ADDRESS_TABLE", str(ADDRESS_TABLE))
        env.setdefault("INTEGRATION_OUTBOUND_DIR", str(self.var / "integration" / "outbound"))
        env.setdefault("DOCUMENTS_BLOB_DIR", str(self.var / "documents" / "blobs"))
        env.setdefault("DOCUMENTS_PRINT_DIR", str(self.var / "documents" / "print"))
        env["GATEWAY_PORT"] = str(self.gateway_port)
        env.setdefault("GATEWAY_HOST", "127.0.0.1")
        env.setdefault("NHI_CONSOLE_LOCAL_SIGNIN", "on")  # the demo's role picker at /console/login
        env.update(self.extra_env)
        return env

    def lock(self) -> None:
        """Hold var/suite.lock for the suite's lifetime: one suite per state directory (and its NATS store)."""
        self.var.mkdir(parents=True, exist_ok=True)
        handle = open(self.var / "suite.lock", "a+")  # noqa: SIM115 - held until stop()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise SuiteError(
                f"a suite is already running from {self.var} (pid {holder}); stop it (Ctrl-C in its terminal, "
                "or kill that pid) or give another state directory with --var"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle

    def unlock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def check_ports(self) -> None:
        host = os.environ.get("GATEWAY_HOST", "127.0.0.1")
        if port_in_use(host, self.gateway_port):
            raise SuiteError(
                f"port {self.gateway_port} on {host} is in use by another program; stop it or choose another port "
                f"with GATEWAY_PORT (e.g. GATEWAY_PORT={self.gateway_port + 1} make run)"
            )

    def start(self, *, timeout: float = 90) -> None:
        """Start NATS (unless one is given), every service and the gateway, and wait until the gateway is ready. A
        suite that does not come up (a service exits on a bad setting, the wait runs out) is stopped before the error
        is raised: nothing of it is left running for a caller that has no suite to stop."""
        self.lock()
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout: float) -> None:
        self.check_ports()
        (self.var / "log").mkdir(exist_ok=True)
        if not self.nats_url:
            self.nats = EmbeddedNats(
                self.var / "nats",
                log_file=self.var / "log" / "nats-server.log",
                encryption_key=local_secrets(self.var)["NHI_JETSTREAM_KEY"],
            ).start()
        # Distinct ports, none the gateway's: a port just probed free can be handed out again before its owner binds.
        taken = {self.gateway_port}
        self.ports = {}
        for name, _s, _p in SERVICES:
            port = free_port()
            while port in taken:
                port = free_port()
            taken.add(port)
            self.ports[name] = port
        self.env = self._environment()
        if self.demo_households:
            self.load_demo()
        for name, script, _prefix in SERVICES:
            self._spawn(name, [str(BIN / script), "serve"])
        for number in range(1, self.documents_workers + 1):
            self._spawn(f"documents-worker-{number}", [str(BIN / "nhi-documents"), "work"])
        if self.intermediate_server:
            self._spawn("intermediate-server", self.intermediate_server_command())
        self._spawn("gateway", [str(BIN / "nhi-gateway"), "serve"])
        self.wait_ready(timeout)
        self.write_state()

    def intermediate_server_command(self) -> list[str]:
        """The intermediate-server simulator on svc-interchange's file directory: it registers the sub-copies dropped
        there, answers the queries and takes the manual answers (docs/interchange/subcopy.md)."""
        return [
            str(BIN / "nhi-sim"),
            "intermediate",
            "serve",
            "--file-dir",
            self.env["INTERCHANGE_FILE_DIR"],
            "--state",
            str(self.var / "simulators" / "intermediate.json"),
            "--interval",
            "2",
        ]

    def write_state(self) -> None:
        """var/suite.json: where the running suite answers and which processes it runs (for `make env`, tools)."""
        processes = {name: process.pid for name, process in self.processes.items() if process.poll() is None}
        if self.nats is not None and self.nats.process is not None:
            processes["nats-server"] = self.nats.process.pid
        state = {
            "api": self.url + "/api/v1",
            "nats_url": self.env["NATS_URL"],
            "supervisor_pid": os.getpid(),
            "processes": processes,
        }
        temporary = self.var / "suite.json.tmp"
        temporary.write_text(json.dumps(state))
        temporary.replace(self.var / "suite.json")

    def load_demo(self) -> None:
        """Generate the synthetic municipality once, and import it (a no-op when already loaded)."""
        demo = self.var / "demo" / "municipality.jsonl"
        if not demo.exists():
            demo.parent.mkdir(parents=True, exist_ok=True)
            self._run(
                [
                    str(BIN / "nhi-sim"),
                    "demo-municipality",
                    "--households",
                    str(self.demo_households),
                    "--seed",
                    "1",
                    "--out",
                    str(demo),
                ]
            )
        self._run([str(BIN / "nhi-qualification"), "import-migration", str(demo)])

    def _run(self, args: list[str]) -> None:
        result = subprocess.run(args, env=self.env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {result.stderr.strip()[-2000:]}")

    def _spawn(self, name: str, args: list[str]) -> None:
        with open(self.var / "log" / f"{name}.log", "ab") as log:  # the child keeps its own descriptor
            self.processes[name] = subprocess.Popen(
                args,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent if self.supervise else None,  # noqa: PLW1509 - no threads here
            )
        self.commands[name] = args
        self.started_at[name] = time.monotonic()

    def supervise_once(self, report=print) -> None:
        """Restart what has died, after its backoff; `report` gets one line per event for the operator."""
        now = time.monotonic()
        if self.nats is not None and self.nats.process is not None and self.nats.process.poll() is not None:
            report(f"nats-server exited with code {self.nats.process.returncode}; restarting it on the same port")
            self.nats.start()
            self.write_state()
        for name, process in list(self.processes.items()):
            if process.poll() is None:
                if now - self.started_at[name] > RESTART_STABLE_AFTER:
                    self.restarts.pop(name, None)
                continue
            if name not in self.pending:
                count = self.restarts.get(name, 0) + 1
                self.restarts[name] = count
                delay = min(RESTART_MAX_DELAY, RESTART_FIRST_DELAY * 2 ** (count - 1))
                self.pending[name] = now + delay
                report(
                    f"{name} exited with code {process.returncode}; restarting in {delay:.0f} s "
                    f"(restart {count}; log {self.var / 'log' / (name + '.log')})"
                )
            elif now >= self.pending[name]:
                del self.pending[name]
                self._spawn(name, self.commands[name])
                report(f"{name} restarted (pid {self.processes[name].pid})")
                self.write_state()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the suite was not ready within {timeout:.0f}s; see {self.var / 'log'}")

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                tail = (self.var / "log" / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self.processes.clear()
        if self._lock_file is not None:  # a suite refused by the lock leaves the running one's state alone
            (self.var / "suite.json").unlink(missing_ok=True)
        if self.nats is not None:
            self.nats.stop()
            self.nats = None
        self.unlock()


def _run_command(args: argparse.Namespace) -> int:
    suite = Suite(
        var=pathlib.Path(args.var),
        gateway_port=int(os.environ.get("GATEWAY_PORT", "8080")),
        nats_url=os.environ.get("NATS_URL") or None,
        demo_households=args.households,
        supervise=True,
    )
    stop = {"signal": None}

    def _handler(signum, _frame):
        stop["signal"] = signal.Signals(signum).name

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _handler)

    def report(line: str) -> None:
        print(time.strftime("%H:%M:%S"), line, flush=True)

    print("starting the NHI suite (logs in", suite.var / "log", ") ...", flush=True)
    try:
        suite.start()
        print(
            json.dumps(
                {
                    "console": suite.url + "/console/",
                    "api": suite.url + "/api/v1",
                    "swagger_ui": suite.url + "/api/v1/ui/",
                    "nats": suite.env["NATS_URL"],
                },
                indent=2,
            )
        )
        print("get a token:  make token ROLE=counter   (roles: counter backoffice batch auditor admin)")
        print("press Ctrl-C to stop", flush=True)
        while stop["signal"] is None:
            suite.supervise_once(report)
            time.sleep(0.5)
        report(f"{stop['signal']}: stopping every process")
    except SuiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        suite.stop()
        print("stopped", flush=True)
    return 0


def _running_state(var: pathlib.Path) -> dict | None:
    """The state of the suite running from `var`, or None (no suite.json, or its supervisor is gone)."""
    path = var / "suite.json"
    if not path.exists():
        return None
    state = json.loads(path.read_text())
    pid = state.get("supervisor_pid")
    if pid is not None:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
    return state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nhi-suite", description="run the whole NHI suite locally")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start every process; Ctrl-C stops them")
    run.add_argument("--var", default="var", help="state directory (databases, NATS store, logs, secrets)")
    run.add_argument("--households", type=int, default=1000, help="size of the synthetic demo municipality")
    secrets_cmd = commands.add_parser(
        "env", help="print `export` lines: local secrets (created if missing) and the NATS_URL of a running suite"
    )
    secrets_cmd.add_argument("--var", default="var")
    backup_cmd = commands.add_parser(
        "backup", help="back up the running suite (databases, files, secrets, streams) into a new directory"
    )
    backup_cmd.add_argument("target")
    backup_cmd.add_argument("--var", default="var")
    restore_cmd = commands.add_parser("restore", help="restore a backup into an empty state directory")
    restore_cmd.add_argument("source")
    restore_cmd.add_argument("--var", default="var")
    args = parser.parse_args(argv)
    if args.command == "run":
        return _run_command(args)
    if args.command in ("backup", "restore"):
        from . import backup

        if args.command == "backup":
            return backup.main_backup(args.var, args.target)
        return backup.main_restore(args.source, args.var)
    var = pathlib.Path(args.var)
    values = local_secrets(var)
    values.pop(SERVER_ONLY_SECRET, None)
    state = _running_state(var)
    if state is not None:
        values["NATS_URL"] = state["nats_url"]
    for key, value in sorted(values.items()):
        print(f"export {key}={shlex.quote(value)}")
    if state is None:
        print(
            f"nhi-suite env: no suite is running from {var.resolve()}, so NATS_URL is not set; start one with `make run`",
            file=sys.stderr,
        )
        return 3
    return 0
