"""Search as clerks type, through the gateway: hiragana, half-width or spaced kana finds the resident."""

from __future__ import annotations

import unicodedata

import pytest
from support import move_in

pytestmark = pytest.mark.e2e

KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def half_width(text: str) -> str:
    """ナカジマ as a clerk's old terminal sends it: ﾅｶｼﾞﾏ (half-width, voiced marks apart)."""
    table = {}
    for code in range(0xFF61, 0xFFA0):
        table.setdefault(unicodedata.normalize("NFKC", chr(code)), chr(code))
    out = []
    for ch in text:
        if ch in table:
            out.append(table[ch])
            continue
        base = unicodedata.normalize("NFD", ch)
        out.append("".join(table.get(part, part) for part in base).replace("\u3099", "ﾞ").replace("\u309a", "ﾟ"))
    return "".join(out)


def test_a_resident_is_found_by_hiragana_half_width_and_spaced_kana(running):
    counter = running.headers("counter")
    moved = move_in(running, members=1, event_date="2026-11-02", seed=7)
    members = running.http.get(f"/api/v1/households/{moved['household_id']}", headers=counter).json()["members"]
    person = members[0]
    kana = person["name_kana"]
    family = kana.replace("\u3000", " ").split(" ")[0]
    typed = {
        "hiragana": family.translate(KATAKANA_TO_HIRAGANA),
        "half-width": half_width(family),
        "no space": kana.replace(" ", "").replace("\u3000", ""),
        "half-width space": kana.replace("\u3000", " "),
    }
    for how, text in typed.items():
        response = running.http.get("/api/v1/persons", params={"name_kana": text}, headers=counter)
        assert response.status_code == 200, (how, response.text)
        assert person["person_id"] in [p["person_id"] for p in response.json()["persons"]], (how, text)
    everyone = running.http.get("/api/v1/persons", params={"name_kana": "%"}, headers=counter).json()["persons"]
    assert everyone == []
