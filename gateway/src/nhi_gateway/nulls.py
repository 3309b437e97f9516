"""Absent values as null, as the spec declares them: proto3 has no null, so an optional date or code it lacks
arrives as "" — which breaks the field's declared format. Every field the spec marks `nullable` answers null
instead of ""; no handler lists its own."""

from __future__ import annotations

import typing as t


def absent_as_null(value: t.Any, schema: dict | None) -> t.Any:
    """`value` (a JSON document) with each "" of a nullable property of `schema` (resolved, no $ref) as None."""
    if not schema:
        return value
    if isinstance(value, dict):
        properties = _merged(schema, "properties")
        for key, item in value.items():
            sub = properties.get(key)
            if sub is None:
                continue
            if item == "" and _nullable(sub):
                value[key] = None
            elif isinstance(item, (dict, list)):
                absent_as_null(item, sub)
    elif isinstance(value, list):
        items = _merged(schema, "items")
        if items:
            for item in value:
                absent_as_null(item, items)
    return value


def _merged(schema: dict, keyword: str) -> dict:
    """`properties` or `items` of a schema, its allOf parts included."""
    out = dict(schema.get(keyword) or {})
    for part in schema.get("allOf", []):
        if keyword == "properties":
            out.update(_merged(part, keyword))
        elif not out:
            out = _merged(part, keyword)
    return out


def _nullable(schema: dict) -> bool:
    return bool(schema.get("nullable")) or any(part.get("nullable") for part in schema.get("allOf", []))
