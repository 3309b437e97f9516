"""What the documents worker takes: a work-queue message naming no job, chunk or print file that could ever be is
refused for good, before it reaches the jobs (and the job id it names reaches a log line); so is an event of a person
svc-qualification does not know."""

from __future__ import annotations

import uuid

import pytest

from nhi_common.bus import PermanentError
from nhi_common.errors import NotFound
from nhi_common.events import Event
from nhi_documents.entrypoints.jobs_worker import _checked, _queue

JOB = f"documents-{uuid.uuid4()}"


def message(**data) -> Event:
    return Event.new(source="urn:test", type="jp.nhi.jobs.chunk.v1", subject=JOB, data=data)


@pytest.mark.parametrize(
    "data",
    [
        {"job_id": JOB, "step": "plan"},
        {"job_id": JOB, "chunk_no": 0},
        {"job_id": JOB, "chunk_no": "12"},
        {"job_id": JOB, "step": "print", "file_no": 3},
        {"job_id": JOB, "step": "assemble"},  # what a job sweeper sends a job whose print messages were lost
    ],
)
def test_a_job_s_own_messages_are_taken(data):
    assert _checked(message(**data)) == data


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"job_id": {"id": JOB}, "step": "plan"}, "names no job (job_id)"),
        ({"job_id": None, "step": "plan"}, "names no job (job_id)"),
        ({"job_id": "みどり市若葉町2丁目3番5号", "step": "plan"}, "names no job (job_id)"),
        ({"job_id": JOB + "\x00", "chunk_no": 1}, "names no job (job_id)"),
        ({"job_id": str(uuid.uuid4()), "chunk_no": 1}, "names no job (job_id)"),
        ({"job_id": JOB, "chunk_no": 2**63}, "names no chunk (chunk_no)"),
        ({"job_id": JOB, "chunk_no": [1]}, "names no chunk (chunk_no)"),
        ({"job_id": JOB, "chunk_no": -1}, "names no chunk (chunk_no)"),
        ({"job_id": JOB}, "names no chunk (chunk_no)"),
        ({"job_id": JOB, "step": "print", "file_no": "1.5"}, "names no file (file_no)"),
    ],
)
def test_a_message_naming_no_job_chunk_or_file_that_could_be_is_refused_for_good(data, reason):
    """Such a message failed every delivery (a dict bound as the job id, a chunk number past the column) and then
    the record of its failure too, so it stayed on the work queue; a job id holding an address went into log lines."""
    with pytest.raises(PermanentError) as refused:
        _checked(message(**data))
    assert str(refused.value).endswith(reason)


class _Unknown:
    def handle_event(self, event_id, event_type, data):
        raise NotFound("person", data["person_id"])


def test_an_event_of_a_person_svc_qualification_does_not_know_is_refused_for_good_without_naming_the_id():
    """svc-qualification answering NOT_FOUND for the event's person was taken for a passing failure: the event came
    again forever, and each time its id (a My Number, where a field held one) went into the log with the error."""
    event = Event.new(
        source="urn:test", type="jp.nhi.qualification.changed.v1", subject="x", data={"person_id": "123456789018"}
    )
    with pytest.raises(PermanentError) as refused:
        _queue(_Unknown(), event)
    assert "123456789018" not in str(refused.value)
