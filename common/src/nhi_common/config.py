"""Settings from environment variables, read once per process, failing fast with a clear message."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import pathlib
import sys
import typing
from collections.abc import Mapping

# The state directory of a local suite (`make run`): databases, secrets (local.env), suite.json. Defaults that
# start with "var/" are relative to it; NHI_VAR_DIR names it, else use_local_state() finds it.
VAR_DIR = "NHI_VAR_DIR"


class ConfigError(Exception):
    """A setting is missing or malformed."""


@dataclasses.dataclass(frozen=True)
class Var:
    """One environment variable: its name, default, and what it is for (also feeds the README table)."""

    name: str
    default: str | None
    help: str
    secret: bool = False


def setting(name: str, default: str | None = None, help: str = "", secret: bool = False) -> typing.Any:
    """Declare a dataclass field read from the environment variable `name`."""
    return dataclasses.field(metadata={"var": Var(name, default, help, secret)})


def _convert(var: Var, raw: str, target: typing.Any) -> typing.Any:
    try:
        if target is int:
            return int(raw)
        if target is float:
            return float(raw)
        if target is bool:
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError("expected true or false")
        if target is dt.date:
            return dt.date.fromisoformat(raw)
        return raw
    except ValueError as exc:
        raise ConfigError(f"{var.name}={raw!r} is not a valid {getattr(target, '__name__', target)}: {exc}") from exc


def load(cls: type, env: Mapping[str, str] | None = None) -> typing.Any:
    """Build the settings dataclass `cls` from `env` (default os.environ); raise ConfigError on any problem."""
    env = os.environ if env is None else env
    hints = typing.get_type_hints(cls)
    values: dict[str, typing.Any] = {}
    problems: list[str] = []
    for field in dataclasses.fields(cls):
        var: Var = field.metadata["var"]
        target = hints[field.name]
        optional = False
        if typing.get_origin(target) in (typing.Union, __import__("types").UnionType):
            args = [a for a in typing.get_args(target) if a is not type(None)]
            optional, target = True, args[0]
        raw = env.get(var.name)
        if raw is None or raw == "":
            raw = _under_var_dir(var.default, env.get(VAR_DIR))
        if raw is None:
            if optional:
                values[field.name] = None
                continue
            problems.append(f"{var.name} is required ({var.help})")
            continue
        try:
            values[field.name] = _convert(var, raw, target)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("invalid configuration: " + "; ".join(problems))
    return cls(**values)


def _under_var_dir(default: str | None, var_dir: str | None) -> str | None:
    """A default under "var/" (a path, or a SQLite URL) moved under the state directory when one is known."""
    if default is None or not var_dir:
        return default
    for prefix in ("var/", "sqlite:///var/"):
        if default.startswith(prefix):
            return default[: len(prefix) - 4] + str(pathlib.Path(var_dir) / default[len(prefix) :])
    return default


def local_state_dir(start: pathlib.Path | None = None) -> pathlib.Path | None:
    """NHI_VAR_DIR, else the nearest `var/` holding a local.env, from the working directory upwards."""
    if os.environ.get(VAR_DIR):
        return pathlib.Path(os.environ[VAR_DIR])
    here = (start or pathlib.Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "var" / "local.env").is_file():
            return folder / "var"
    return None


def use_local_state() -> pathlib.Path | None:
    """A command line on a machine running `make run` finds what the suite uses, as `make env` would print it.

    The secrets of var/local.env and the NATS_URL of the running suite (var/suite.json) become defaults (the
    environment still wins), and the defaults under "var/" point into that directory, whatever the working
    directory. Where there is no local suite (a container, a CronJob) nothing changes.
    """
    var = local_state_dir()
    if var is None:
        return None
    local_env = var / "local.env"
    if local_env.is_file():
        for line in local_env.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                if not os.environ.get(key.strip()):
                    os.environ[key.strip()] = value.strip()
    running = var / "suite.json"
    if running.is_file() and not os.environ.get("NATS_URL"):
        try:
            os.environ["NATS_URL"] = json.loads(running.read_text())["nats_url"]
        except (ValueError, KeyError):
            pass
    os.environ[VAR_DIR] = str(var.resolve())
    return var


def require_existing_database(url: str, variable: str) -> None:
    """Exit with one line when a SQLite database a command needs does not exist (instead of making an empty one)."""
    if not url.startswith("sqlite:///"):
        return
    path = pathlib.Path(url[len("sqlite:///") :])
    if not path.exists():
        print(
            f"error: there is no database at {path.resolve()}; run this where `make run` keeps var/ (or set "
            f"{VAR_DIR}), or set {variable}",
            file=sys.stderr,
        )
        raise SystemExit(2)


def load_or_exit(cls: type) -> typing.Any:
    """Like load(), but print the problem and exit 2: the way a process starts."""
    try:
        return load(cls)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def variables(cls: type) -> list[Var]:
    """The environment variables a settings class reads."""
    return [f.metadata["var"] for f in dataclasses.fields(cls)]
