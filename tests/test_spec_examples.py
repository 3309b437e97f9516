"""Swagger's "Try it out" starts from the spec's examples: every request body and every JSON success answer has one, a
client would recognise it as this system's (the schema accepts it, absent values are null, never ""), and so do the
parameters that name a record.

The schemas are checked as the end-to-end tests check real answers (nhi_devtools.spec_check): `nullable` as
`anyOf [..., null]`, JSON Schema draft 7, the formats date and date-time.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from nhi_devtools.spec_check import _FORMATS, _blanks, _nullable_as_json_schema
from nhi_gateway.app import load_spec

SPEC = load_spec()
# The conversion drops `example` keys; the examples are read from SPEC, the schemas from CONVERTED.
CONVERTED = _nullable_as_json_schema(copy.deepcopy(SPEC))
METHODS = ("get", "put", "post", "patch", "delete")
JSON = "application/json"
SUCCESS = ("200", "201", "202")

OPERATIONS = [(method.upper(), path) for path, item in SPEC["paths"].items() for method in METHODS if method in item]


def _example_pointers(node: Any, at: str = "") -> list[str]:
    """Where a schema (or a schema inside it) carries an `example`."""
    if not isinstance(node, dict):
        return []
    here = [at] if "example" in node else []
    return here + [
        p for key, value in node.items() if key != "example" for p in _example_pointers(value, f"{at}/{key}")
    ]


SCHEMA_EXAMPLES = [
    (name, pointer) for name, schema in SPEC["components"]["schemas"].items() for pointer in _example_pointers(schema)
]


def _operation(method: str, path: str, spec: dict[str, Any]) -> dict[str, Any]:
    return spec["paths"][path][method.lower()]


def _resolve(node: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """A parameter, response or example named by $ref, as the component it names."""
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = spec["components"][kind][name]
    return node


def _at(node: Any, pointer: str) -> Any:
    for key in filter(None, pointer.split("/")):
        node = node[key]
    return node


def _examples(media: dict[str, Any]) -> dict[str, Any]:
    """The media type's examples by name (`example` is named "example")."""
    if "example" in media:
        return {"example": media["example"]}
    return {name: _resolve(example, SPEC)["value"] for name, example in media.get("examples", {}).items()}


def _problems(schema: dict[str, Any], value: Any) -> list[str]:
    """Why the schema refuses the value, and where the value says "" for an absent value."""
    validator = jsonschema.Draft7Validator({**schema, "components": CONVERTED["components"]}, format_checker=_FORMATS)
    found = [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(value)]
    return found + [f"/{p}: an empty string; an absent value is null" for p in _blanks(value)]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_request_body_has_an_example_its_schema_accepts(method, path):
    body = _operation(method, path, SPEC).get("requestBody")
    if body is None or JSON not in body.get("content", {}):
        pytest.skip("no JSON request body")
    examples = _examples(body["content"][JSON])
    assert examples, f"{method} {path}: the request body has no example for Try it out"
    schema = _operation(method, path, CONVERTED)["requestBody"]["content"][JSON]["schema"]
    for name, value in examples.items():
        assert _problems(schema, value) == [], f"{method} {path} request example {name!r}"


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_json_success_answer_has_an_example_its_schema_accepts(method, path):
    responses = _operation(method, path, SPEC)["responses"]
    converted = _operation(method, path, CONVERTED)["responses"]
    checked = 0
    for status in SUCCESS:
        media = _resolve(responses.get(status, {}), SPEC).get("content", {}).get(JSON)
        if media is None:
            continue
        examples = _examples(media)
        assert examples, f"{method} {path} → {status}: the answer has no example"
        schema = _resolve(converted[status], CONVERTED)["content"][JSON]["schema"]
        for name, value in examples.items():
            assert _problems(schema, value) == [], f"{method} {path} → {status} example {name!r}"
        checked += 1
    if not checked:
        pytest.skip("no JSON success answer")


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_parameter_naming_a_record_has_an_example_its_schema_accepts(method, path):
    parameters = [_resolve(p, SPEC) for p in _operation(method, path, SPEC).get("parameters", [])]
    naming = [p for p in parameters if p["in"] == "path" or p["name"].endswith("_id")]
    for parameter in naming:
        assert "example" in parameter, f"{method} {path}: the parameter {parameter['name']} has no example"
        schema = _nullable_as_json_schema(copy.deepcopy(parameter["schema"]))
        assert _problems(schema, parameter["example"]) == [], f"{method} {path}: parameter {parameter['name']}"


@pytest.mark.parametrize(("name", "pointer"), SCHEMA_EXAMPLES)
def test_every_schema_example_is_one_its_schema_accepts(name, pointer):
    example = _at(SPEC["components"]["schemas"][name], pointer)["example"]
    schema = _at(CONVERTED["components"]["schemas"][name], pointer)
    assert _problems(schema, example) == [], f"{name}{pointer}"
