"""The local supervisor behind `make run`: embedded NATS, secrets, demo data, every service and the gateway.

It starts each part as its own process (through the console scripts), so the local suite runs the same
code paths as a deployment. Ctrl-C or SIGTERM stops every process it started.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
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
    extra_env: dict[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        self.var = self.var.resolve()
        self.processes: dict[str, subprocess.Popen] = {}
        self.nats: EmbeddedNats | None = None
        self.env: dict[str, str] = {}
        self.ports: dict[str, int] = {}

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(local_secrets(self.var))
        env["NATS_URL"] = self.nats_url or self.nats.url
        for name, _script, prefix in SERVICES:
            port = self.ports[name]
            env.setdefault(f"{prefix}_DATABASE_URL", f"sqlite:///{self.var / (name + '.db')}")
            env[f"{prefix}_GRPC_PORT"] = str(port)
            env[f"{prefix}_ADDR"] = f"127.0.0.1:{port}"
        env.setdefault("INTERCHANGE_FILE_DIR", str(self.var / "interchange"))
        env.setdefault("INTEGRATION_OUTBOUND_DIR", str(self.var / "integration" / "outbound"))
        env.setdefault("DOCUMENTS_BLOB_DIR", str(self.var / "documents" / "blobs"))
        env.setdefault("DOCUMENTS_PRINT_DIR", str(self.var / "documents" / "print"))
        env["GATEWAY_PORT"] = str(self.gateway_port)
        env.setdefault("GATEWAY_HOST", "127.0.0.1")
        env.update(self.extra_env)
        return env

    def start(self, *, timeout: float = 90) -> None:
        self.var.mkdir(parents=True, exist_ok=True)
        (self.var / "log").mkdir(exist_ok=True)
        if not self.nats_url:
            self.nats = EmbeddedNats(self.var / "nats", log_file=self.var / "log" / "nats-server.log").start()
        self.ports = {name: free_port() for name, _s, _p in SERVICES}
        self.env = self._environment()
        if self.demo_households:
            self.load_demo()
        for name, script, _prefix in SERVICES:
            self._spawn(name, [str(BIN / script), "serve"])
        for number in range(1, self.documents_workers + 1):
            self._spawn(f"documents-worker-{number}", [str(BIN / "nhi-documents"), "work"])
        self._spawn("gateway", [str(BIN / "nhi-gateway"), "serve"])
        self.wait_ready(timeout)
        (self.var / "suite.json").write_text(
            json.dumps({"api": self.url + "/api/v1", "nats_url": self.env["NATS_URL"]})
        )

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
        log = open(self.var / "log" / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child for its lifetime
        self.processes[name] = subprocess.Popen(
            args, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )

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
        (self.var / "suite.json").unlink(missing_ok=True)
        if self.nats is not None:
            self.nats.stop()
            self.nats = None


def _run_command(args: argparse.Namespace) -> int:
    suite = Suite(
        var=pathlib.Path(args.var),
        gateway_port=int(os.environ.get("GATEWAY_PORT", "8080")),
        nats_url=os.environ.get("NATS_URL") or None,
        demo_households=args.households,
    )
    stop = {"flag": False}

    def _handler(signum, _frame):
        stop["flag"] = True

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
    print("starting the NHI suite (logs in", suite.var / "log", ") ...", flush=True)
    try:
        suite.start()
        print(
            json.dumps(
                {"api": suite.url + "/api/v1", "swagger_ui": suite.url + "/api/v1/ui/", "nats": suite.env["NATS_URL"]},
                indent=2,
            )
        )
        print("get a token:  make token ROLE=counter   (roles: counter backoffice batch auditor admin)")
        print("press Ctrl-C to stop", flush=True)
        while not stop["flag"]:
            suite.check_alive()
            time.sleep(0.5)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        suite.stop()
        print("stopped", flush=True)
    return 0


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
    args = parser.parse_args(argv)
    if args.command == "run":
        return _run_command(args)
    var = pathlib.Path(args.var)
    values = local_secrets(var)
    running = var / "suite.json"
    if running.exists():
        values["NATS_URL"] = json.loads(running.read_text())["nats_url"]
    for key, value in sorted(values.items()):
        print(f"export {key}={shlex.quote(value)}")
    return 0
