"""Helpers for tests that start the real suite: embedded NATS, every service and the gateway as processes."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import time
import uuid

import httpx
import sqlalchemy as sa

from nhi_devtools.spec_check import JSON_TYPES, ResponseChecker
from nhi_devtools.suite import SERVICES, Suite, free_port
from nhi_gateway.app import load_spec

BIN = pathlib.Path(sys.executable).parent
BUSINESS_DATE = "2026-11-24"


def postgres_env() -> tuple[dict[str, str], list[str]]:
    """Point every service at its own fresh schema when TEST_DATABASE_URL is set."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return {}, []
    tag = uuid.uuid4().hex[:8]
    env, schemas = {}, []
    for name, _script, prefix in SERVICES:
        schema = f"e2e_{tag}_{name}"
        env[f"{prefix}_DATABASE_URL"] = url
        env[f"{prefix}_DATABASE_SCHEMA"] = schema
        schemas.append(schema)
    return env, schemas


def drop_schemas(schemas: list[str]) -> None:
    if not schemas:
        return
    engine = sa.create_engine(os.environ["TEST_DATABASE_URL"])
    with engine.begin() as conn:
        for schema in schemas:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


class RunningSuite:
    """A started Suite plus the helpers a test needs to drive it like a user."""

    def __init__(self, suite: Suite) -> None:
        self.suite = suite
        self.checker = ResponseChecker(load_spec(), samples=os.environ.get("NHI_SPEC_SAMPLES"))
        self.http = httpx.Client(base_url=suite.url, timeout=30, event_hooks={"response": [self._check_against_spec]})
        self._tokens: dict[tuple, str] = {}

    def _check_against_spec(self, response: httpx.Response) -> None:
        """Every JSON answer the tests receive must be one the spec declares (fields, types, nulls, formats)."""
        response.read()
        content_type = response.headers.get("content-type", "")
        if not content_type.startswith(JSON_TYPES) or not response.content:
            return
        request = response.request
        self.checker.check(request.method, request.url.path, response.status_code, content_type, response.json())

    @property
    def env(self) -> dict[str, str]:
        return self.suite.env

    def token(self, *roles: str, scopes: tuple[str, ...] = ()) -> str:
        """A bearer token from `nhi-gateway token`, as an operator gets one; the same roles get the same token
        (it lives 12 hours and nothing revokes it) so that a test does not start a process per request."""
        key = (roles, tuple(scopes))
        if key not in self._tokens:
            self._tokens[key] = self._mint(roles, scopes)
        return self._tokens[key]

    def _mint(self, roles: tuple[str, ...], scopes: tuple[str, ...]) -> str:
        args = [str(BIN / "nhi-gateway"), "token"]
        for role in roles:
            args += ["--role", role]
        for scope in scopes:
            args += ["--scope", scope]
        result = subprocess.run(args, env=self.env, capture_output=True, text=True, check=True)
        return result.stdout.strip()

    def headers(self, *roles: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(*roles)}", **extra}

    def simulate(self, *args: str) -> dict:
        result = subprocess.run(
            [str(BIN / "nhi-sim"), *args, "--nats-url", self.env["NATS_URL"]],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(result.stdout)

    def wait_for(self, probe, *, timeout: float = 30, interval: float = 0.2):
        """Poll `probe` until it returns something truthy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = probe()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"condition not met within {timeout}s")


def start_suite(
    tmp: pathlib.Path,
    *,
    nats_url: str | None = None,
    households: int = 20,
    env: dict[str, str] | None = None,
    **suite_options,
) -> tuple[Suite, list[str]]:
    extra, schemas = postgres_env()
    env = {**extra, **(env or {})}
    env["NHI_BUSINESS_DATE"] = BUSINESS_DATE
    suite = Suite(
        var=tmp, gateway_port=free_port(), nats_url=nats_url, demo_households=households, extra_env=env, **suite_options
    )
    try:
        suite.start(timeout=120)
    except Exception:
        suite.stop()
        drop_schemas(schemas)
        raise
    return suite, schemas


def move_in(running: "RunningSuite", *, members: int, event_date: str, seed: int | None = None) -> dict:
    """A simulated 転入 whose members can all join the NHI (under 75 on the event date), once the counter sees it."""
    import datetime as dt
    import random

    rng = random.Random(seed)
    headers = running.headers("counter")
    cutoff = dt.date.fromisoformat(event_date).replace(year=dt.date.fromisoformat(event_date).year - 75)
    for _attempt in range(20):
        moved = running.simulate(
            "resident",
            "move-in",
            "--members",
            str(members),
            "--event-date",
            event_date,
            "--seed",
            str(rng.randrange(10**6)),
        )

        def household_known(household_id: str = moved["household_id"]):
            response = running.http.get(f"/api/v1/households/{household_id}", headers=headers)
            return response.json() if response.status_code == 200 else None

        household = running.wait_for(household_known)
        if all(dt.date.fromisoformat(m["birth_date"]) > cutoff for m in household["members"]):
            return moved
    raise AssertionError("the simulator gave no household of members under 75 in 20 tries")
