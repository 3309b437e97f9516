"""Absent values as null, as the spec declares them: proto3 has no null, so an optional date or code it lacks
arrives as "" — which breaks the field's declared format. Every field the spec marks `nullable` answers null
instead of ""; no handler lists its own."""

from __future__ import annotations

import typing as t


class _Shape(t.NamedTuple):
    """What absent_as_null reads of a schema, its allOf/anyOf/oneOf parts merged."""

    schema: dict  # held, so no other dict takes its id while the shape is cached
    properties: dict
    others: dict | None
    items: dict


# By id of the schema: a response's schemas are the long-lived dicts of the loaded spec (and the items of an array
# are merged once into a dict of its shape), so their parts are merged once, not again for every answer. A few
# hundred in all; the bound only guards against a caller that would hand in a new schema with every answer.
_shapes: dict[int, _Shape] = {}
_MAX_SHAPES = 10_000


def absent_as_null(value: t.Any, schema: dict | None) -> t.Any:
    """`value` (a JSON document) with each "" of a nullable property of `schema` (resolved, no $ref) as None."""
    if not schema:
        return value
    if isinstance(value, dict):
        shape = _shape(schema)
        for key, item in value.items():
            sub = shape.properties.get(key, shape.others)
            if sub is None:
                continue
            if item == "" and _nullable(sub):
                value[key] = None
            elif isinstance(item, float) and item.is_integer() and sub.get("type") == "integer":
                value[key] = int(item)  # a protobuf Struct carries every number as a double
            elif isinstance(item, (dict, list)):
                absent_as_null(item, sub)
    elif isinstance(value, list):
        items = _shape(schema).items
        if items:
            for item in value:
                absent_as_null(item, items)
    return value


def _shape(schema: dict) -> _Shape:
    shape = _shapes.get(id(schema))
    if shape is None:
        if len(_shapes) >= _MAX_SHAPES:
            _shapes.clear()
        shape = _Shape(schema, _merged(schema, "properties"), _other_properties(schema), _merged(schema, "items"))
        _shapes[id(schema)] = shape
    return shape


def _other_properties(schema: dict) -> dict | None:
    """The schema of a map's values (additionalProperties), its allOf/anyOf parts included."""
    for part in [schema, *schema.get("allOf", []), *schema.get("anyOf", []), *schema.get("oneOf", [])]:
        extra = part.get("additionalProperties")
        if isinstance(extra, dict):
            return extra
    return None


def _merged(schema: dict, keyword: str) -> dict:
    """`properties` or `items` of a schema, its allOf parts included (and, for properties, the alternatives of
    anyOf/oneOf: a field one alternative declares nullable answers null whichever alternative the value is)."""
    out = dict(schema.get(keyword) or {})
    alternatives = [*schema.get("anyOf", []), *schema.get("oneOf", [])] if keyword == "properties" else []
    for part in [*schema.get("allOf", []), *alternatives]:
        if keyword == "properties":
            out.update(_merged(part, keyword))
        elif not out:
            out = _merged(part, keyword)
    return out


def _nullable(schema: dict) -> bool:
    return bool(schema.get("nullable")) or any(part.get("nullable") for part in schema.get("allOf", []))
