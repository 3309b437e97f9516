"""Settings from environment variables, read once per process, failing fast with a clear message."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
import typing
from collections.abc import Mapping


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
            raw = var.default
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
