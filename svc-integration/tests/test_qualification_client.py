"""The message svc-integration sends svc-qualification for a resident change (adapters/clients.to_message)."""

from __future__ import annotations

import pytest
from google.protobuf import json_format

from nhi.qualification.v1 import qualification_pb2 as pb
from nhi_common import config
from nhi_common.config import ConfigError
from nhi_integration.adapters.clients import outcome, to_message
from nhi_integration.domain.resident import parse_change
from nhi_integration.domain.resident_reasons import REASONS
from nhi_integration.settings import Settings

PERSONS = [
    {
        "person_id": "100000001",
        "name_kanji": "𠮷田\u3000髙志",
        "name_kana": "ヨシダ\u3000タカシ",
        "birth_date": "1980-02-29",
        "sex": "1",
        "relationship": "世帯主",
        "listing_order": 1,
        "my_number": "123456789018",
        "sequence": 7,
    },
    {
        "person_id": "100000002",
        "name_kanji": "LEE\u3000MIN",
        "name_kana": "リー\u3000ミン",
        "birth_date": "1992-11-03",
        "sex": "2",
        "relationship": "妻",
        "listing_order": 2,
        "nationality": "KR",
        "residence_status": "永住者",
        "residence_expires_on": "2029-03-31",
        "dv_support": True,
        "sequence": 3,
    },
]


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_every_field_reaches_svc_qualification_as_the_json_mapping_would_carry_it(kind):
    change = parse_change(
        {
            "change_id": f"C-{kind}",
            "change_kind": kind,
            "event_date": "2026-12-01",
            "notified_on": "2026-12-03",
            "household_id": "H0001",
            "head_person_id": "100000001",
            "address": {
                "postal_code": "399-0101",
                "address_code": "99999001002",
                "address": "みどり市若葉町2丁目3番5号",
                "building": "若葉荘101",
                "district_code": "03",
            },
            "previous_municipality": "152021",
            "persons": PERSONS,
        }
    )
    message = to_message(change)
    expected = change.to_dict()  # the wire schema, handed on with its kind mapped and without sequence numbers
    expected["change_kind"] = REASONS[kind].applies_as
    for person in expected["persons"]:
        del person["sequence"]
    assert message == json_format.ParseDict(expected, pb.ResidentChange())
    assert message.change_kind == REASONS[kind].applies_as
    assert [p.residence_expires_on for p in message.persons] == ["", "2029-03-31"]


@pytest.mark.parametrize(
    ("variable", "value"), [("INTEGRATION_RESIDENT_BATCH", "0"), ("INTEGRATION_OUTBOUND_BATCH", "1001")]
)
def test_a_batch_size_outside_what_one_fetch_can_take_stops_the_service_naming_the_variable(variable, value):
    with pytest.raises(ConfigError, match=f"{variable}={value} is not between 1 and 1000"):
        config.load(Settings, {variable: value})


@pytest.mark.parametrize(
    "result",
    [
        pb.AppliedChange(change_id="C1", outcome="applied", person_ids=["100000001", "100000002"]),
        pb.AppliedChange(change_id="C2", outcome="intake_item", intake_item_id="I-9"),
        pb.AppliedChange(change_id="C3", outcome="duplicate"),
    ],
)
def test_what_svc_qualification_answers_reads_as_the_json_mapping_would(result):
    assert outcome(result) == json_format.MessageToDict(result, preserving_proto_field_name=True)


def test_every_field_of_an_answer_is_read():
    # A field added to AppliedChange must be read by `outcome` too: this names the fields it reads.
    assert [f.name for f in pb.AppliedChange.DESCRIPTOR.fields] == [
        "change_id",
        "outcome",
        "person_ids",
        "intake_item_id",
    ]


@pytest.mark.parametrize(
    ("variable", "value", "refusal"),
    [
        ("INTEGRATION_CHECK_PAGE", "0", "INTEGRATION_CHECK_PAGE=0 is not between 1 and 100000"),
        ("INTEGRATION_CHECK_PAGE", "100001", "INTEGRATION_CHECK_PAGE=100001 is not between 1 and 100000"),
        ("NHI_JOB_ABANDONED_SECONDS", "1", "NHI_JOB_ABANDONED_SECONDS=1 is not between 2 and 86400"),
        ("NHI_JOB_ABANDONED_SECONDS", "90000", "NHI_JOB_ABANDONED_SECONDS=90000 is not between 2 and 86400"),
    ],
)
def test_a_check_page_or_job_silence_out_of_range_stops_the_service_naming_the_variable(variable, value, refusal):
    with pytest.raises(ConfigError, match=refusal):
        config.load(Settings, {variable: value})
