"""docs/interchange/aggregation.md and subcopy.md document every field of every record the code writes, with its size."""

from __future__ import annotations

import pathlib
import re

import pytest

from nhi_interchange.domain import layout, subcopy

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "interchange"
DOC = DOCS / "aggregation.md"
SUBCOPY_LAYOUTS = [
    subcopy.SUBCOPY,
    subcopy.TRANSFER_RESULT,
    subcopy.QUERY,
    subcopy.QUERY_ANSWER,
    subcopy.MANUAL_REQUEST,
    subcopy.MANUAL_ANSWER,
]


@pytest.mark.parametrize(
    "of, page",
    [(of, "aggregation.md") for of in (layout.HEADER, layout.HOUSEHOLD, layout.PERSON, layout.TRAILER, layout.RESULT)]
    + [(of, "subcopy.md") for of in SUBCOPY_LAYOUTS],
)
def test_the_document_states_each_field_with_its_bytes_and_offset(of, page):
    text = (DOCS / page).read_text(encoding="utf-8")
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
