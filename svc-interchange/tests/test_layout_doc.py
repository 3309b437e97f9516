"""docs/interchange/aggregation.md documents every field of every record the code writes, with its size."""

from __future__ import annotations

import pathlib
import re

import pytest

from nhi_interchange.domain import layout

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "interchange" / "aggregation.md"


@pytest.mark.parametrize("of", [layout.HEADER, layout.HOUSEHOLD, layout.PERSON, layout.TRAILER, layout.RESULT])
def test_the_document_states_each_field_with_its_bytes_and_offset(of):
    text = DOC.read_text(encoding="utf-8")
    at = 1
    for n, field in enumerate(of.fields, start=1):
        row = f"| {n} | `{field.name}` | {field.label} | {field.size} | {at} | {field.kind} |"
        assert row in text, row
        at += field.size
    assert at - 1 == layout.RECORD_SIZE


def test_the_document_lists_every_degraded_character():
    text = DOC.read_text(encoding="utf-8")
    for char, written in layout.DEGRADE.items():
        assert re.search(rf"\| {re.escape(char)} \| U\+[0-9A-F]+ \| {re.escape(written)} \|", text), char
