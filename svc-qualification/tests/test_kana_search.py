"""Search as clerks type: a kana name is found whatever the script, the width and the spaces; exact matches first."""

from __future__ import annotations

import pytest

from nhi_common.errors import DomainError
from nhi_qualification.domain.kana import search_key
from nhi_qualification.service_layer.context import Actor

CLERK = Actor("clerk-01")
NAMES = {
    "000000101": "ナカジマ ススム",
    "000000102": "ナカジマ",
    "000000103": "ナカジマ ハナコ",
    "000000104": "ナカ タロウ",
    "000000105": "タナカ ジロウ",
}


@pytest.fixture
def town(service):
    people = [
        {
            "person_id": pid,
            "name_kanji": "中島",
            "name_kana": kana,
            "birth_date": "1980-01-01",
            "sex": "1",
            "relationship": "世帯主",
            "listing_order": 1,
        }
        for pid, kana in NAMES.items()
    ]
    for index, person in enumerate(people):
        service.apply_resident_changes(
            [
                {
                    "change_id": f"k-{index}",
                    "change_kind": "move_in",
                    "event_date": "2026-11-01",
                    "notified_on": "2026-11-01",
                    "household_id": f"H{index}",
                    "persons": [person],
                }
            ],
            Actor("integration"),
        )
    return service


def found(service, kana, page_size=50, cursor="", **criteria):
    people, next_cursor = service.search_persons({"name_kana": kana, **criteria}, page_size, cursor, CLERK)
    return [p["person_id"] for p in people], next_cursor


def test_the_search_key_folds_script_width_and_spaces():
    assert {search_key(t) for t in ("なかじま", "ﾅｶｼﾞﾏ", "ナカジマ", "ナ カ ジ マ", "ナカジマ")} == {"ナカジマ"}
    assert search_key("ナカジマ　ススム") == search_key("なかじま すすむ") == "ナカジマススム"


@pytest.mark.parametrize("typed", ["なかじま", "ﾅｶｼﾞﾏ", "ナカジマ", "ナカジマ　", " ﾅｶｼﾞﾏ"])
def test_a_name_is_found_however_the_clerk_types_it_the_exact_one_first(town, typed):
    assert found(town, typed)[0] == ["000000102", "000000101", "000000103"]


@pytest.mark.parametrize("typed", ["ナカジマススム", "ナカジマ ススム", "なかじま　すすむ", "ﾅｶｼﾞﾏ ｽｽﾑ"])
def test_a_full_name_with_or_without_its_space_finds_the_person(town, typed):
    assert found(town, typed)[0] == ["000000101"]


def test_an_exact_search_leaves_the_longer_names_out(town):
    assert found(town, "なかじま", name_kana_match="exact")[0] == ["000000102"]


def test_the_ranked_list_pages_through_the_exact_then_the_prefix_matches(town):
    pages, cursor = [], ""
    for _ in range(5):
        ids, cursor = found(town, "なかじま", page_size=1, cursor=cursor)
        pages.append(ids)
        if not cursor:
            break
    assert pages == [["000000102"], ["000000101"], ["000000103"]]
    two, cursor = found(town, "ナカ", page_size=2)
    rest, end = found(town, "ナカ", page_size=2, cursor=cursor)
    assert two + rest == ["000000101", "000000102", "000000103", "000000104"] and end == ""


def test_like_wildcards_are_letters_not_wildcards(town):
    assert found(town, "%")[0] == [] and found(town, "_")[0] == [] and found(town, "ナ%")[0] == []


def test_a_cursor_of_another_list_is_refused(town):
    with pytest.raises(DomainError) as refused:
        found(town, "ナカ", cursor="k.eDox")
    assert refused.value.field == "cursor"
