"""A use case's answer as its message: the same message json_format.ParseDict makes, whichever way it is built."""

from __future__ import annotations

import pytest
from google.protobuf import json_format

from nhi.qualification.v1 import qualification_pb2 as pb
from nhi_qualification.entrypoints.grpc_api import render

VIEW = {
    "person_id": "0000000042",
    "as_of": "2026-11-24",
    "known_at": "",
    "insured": True,
    "person": {
        "person_id": "0000000042",
        "household_id": "H000000021",
        "name_kanji": "山﨑 太郎",
        "name_kana": "ヤマサキ タロウ",
        "birth_date": "1951-08-09",
        "listing_order": 2,
        "version": 7,
        "insured": True,
        "statuses": [{"status_id": "s1", "kind": "student_away", "start": "2026-04-01", "evidence": ["在学証明書"]}],
    },
    "period": {"period_id": "p1", "version_id": 100042, "acquired_on": "2015-04-01", "reasons": []},
    "reasons": [{"rule_id": "LOSS-AGE75", "facts": {"birth_date": "1951-08-09", "batch_pending": "true"}}],
}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (VIEW, pb.QualificationView()),
        ({"person_id": "1", "version": "12345678901"}, pb.Person()),  # an int64 as text, as JSON carries it
        ({"attributes": {"name_kana": "ヤマサキ", "listing_order": 2, "void": None}}, pb.PersonVersion()),  # Struct
        ({"personId": "1", "nameKana": "ヤマサキ"}, pb.Person()),  # JSON names
        ({"person_id": "1", "listing_order": 2.0}, pb.Person()),  # a whole number as a double
    ],
)
def test_the_message_is_the_one_parse_dict_makes(data, message):
    expected = json_format.ParseDict(data, type(message)())
    built = render(data, message)
    assert built == expected
    assert built.SerializeToString(deterministic=True) == expected.SerializeToString(deterministic=True)


def test_a_key_the_message_does_not_declare_is_refused():
    with pytest.raises(json_format.ParseError, match="no_such_field"):
        render({**VIEW, "no_such_field": 1}, pb.QualificationView())
    with pytest.raises(json_format.ParseError):
        render({**VIEW, "person": {**VIEW["person"], "unknown": "x"}}, pb.QualificationView())
