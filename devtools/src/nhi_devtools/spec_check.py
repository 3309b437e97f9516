"""Every JSON answer of the gateway checked against the OpenAPI spec: the tests drive the API as a client would and
fail on a field the spec does not declare, a null where it declares none, a date that is no date.

OpenAPI 3.0 schemas are JSON Schema with `nullable`; this turns `nullable: true` into `anyOf [..., null]` and then
validates with jsonschema (draft 7, formats `date` and `date-time` checked).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from typing import Any

import jsonschema

JSON_TYPES = ("application/json", "application/problem+json")
_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    return not isinstance(value, str) or bool(dt.date.fromisoformat(value)) and len(value) == 10


@_FORMATS.checks("date-time", raises=ValueError)
def _is_moment(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.tzinfo is not None and "T" in value


class SpecViolation(AssertionError):
    """A response the spec does not allow."""


def _nullable_as_json_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable_as_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable_as_json_schema(v) for k, v in node.items() if not k.startswith("x-") and k != "example"}
    if out.pop("nullable", False):
        return {"anyOf": [out, {"type": "null"}]}
    return out


class ResponseChecker:
    """Checks (method, path, status, content type, body) against the spec's operation and response."""

    def __init__(self, spec: dict[str, Any], *, samples: str | None = None) -> None:
        self.samples = samples  # a JSON-lines file that keeps one answer per operation and status, for examples
        converted = _nullable_as_json_schema(copy.deepcopy(spec))
        self.components = converted.get("components", {})
        self.base = spec["servers"][0]["url"].rstrip("/")
        self.routes: list[tuple[re.Pattern[str], str, dict[str, Any]]] = []
        # Literal paths before templated ones, so /jobs/{job_id} does not take /jobs.
        for path, item in sorted(converted["paths"].items(), key=lambda kv: kv[0].count("{")):
            pattern = re.compile(
                "^" + re.sub(r"\{[^/}]+\}", "[^/]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}")) + "$"
            )
            self.routes.append((pattern, path, item))

    def operation(self, method: str, url_path: str) -> tuple[str, dict[str, Any]] | None:
        if not url_path.startswith(self.base + "/"):
            return None
        rest = url_path[len(self.base) :]
        for pattern, path, item in self.routes:
            if pattern.match(rest) and method.lower() in item:
                return path, item[method.lower()]
        return None

    def check(self, method: str, url_path: str, status: int, content_type: str, body: Any) -> None:
        """Raise SpecViolation when the answer is not one the spec declares."""
        found = self.operation(method, url_path)
        if found is None:
            return
        path, operation = found
        media = content_type.split(";")[0].strip()
        responses = operation.get("responses", {})
        response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
        where = f"{method.upper()} {path} → {status}"
        if response is None:
            raise SpecViolation(f"{where}: the spec declares no such status")
        if "$ref" in response:
            response = self.components["responses"][response["$ref"].rsplit("/", 1)[-1]]
        content = response.get("content", {})
        if media not in content:
            raise SpecViolation(f"{where}: the spec declares no {media} answer (it has {sorted(content)})")
        schema = content[media].get("schema")
        if schema is None or media not in JSON_TYPES:
            return
        root = {**schema, "components": self.components}
        validator = jsonschema.Draft7Validator(root, format_checker=_FORMATS)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        if self.samples is not None:
            _keep_sample(self.samples, method, path, status, body)
        lines = [_line(e) for e in errors[:10]]
        lines += [f"  at /{p}: an empty string stands for an absent value; the spec says null" for p in _blanks(body)]
        if lines and self.samples is not None:
            _keep_sample(self.samples, method, path, status, {"violations": lines})
        elif lines:
            raise SpecViolation(f"{where}: the answer is outside the spec\n" + "\n".join(lines[:20]))


def _line(error: jsonschema.ValidationError) -> str:
    """Where and why, at the deepest point: the alternative of a nullable field that failed, the unexpected key."""
    if error.context:
        # A nullable field's value that is not null failed its real schema: say that, not "is not of type 'null'".
        real = [c for c in error.context if not (c.validator == "type" and c.validator_value == "null")]
        error = jsonschema.exceptions.best_match(real or error.context)
    path = "/".join(map(str, error.absolute_path))
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        path = "/".join(p for p in (path, ",".join(sorted(set(error.instance) - allowed))) if p)
    return f"  at /{path}: {error.message[:300]}"


def _keep_sample(file: str, method: str, path: str, status: int, body: Any) -> None:
    with open(file, "a", encoding="utf-8") as out:
        out.write(
            json.dumps({"method": method, "path": path, "status": status, "body": body}, ensure_ascii=False) + "\n"
        )


# Objects the API hands back as another system sent them (a dead letter's resident change): their "" is the
# sender's, not the API's.
VERBATIM = frozenset({"payload"})


def _blanks(node: Any, path: str = "") -> list[str]:
    """Where the body carries "" (an absent value is null, never ""), the keys of free-form maps included."""
    if isinstance(node, dict):
        return [p for k, v in node.items() if k not in VERBATIM for p in _blanks(v, f"{path}/{k}" if path else str(k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _blanks(v, f"{path}/{i}" if path else str(i))]
    return [path] if node == "" else []
