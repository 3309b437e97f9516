import uuid

from nhi_common.ids import uuid4_texts


def test_ids_made_many_at_a_time_are_version_4_uuids_as_uuid4_writes_them():
    texts = uuid4_texts(5000)
    assert len(set(texts)) == 5000
    for text in texts:
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


def test_every_random_bit_but_the_version_and_variant_varies():
    values = [uuid.UUID(t).int for t in uuid4_texts(2000)]
    fixed = (0xF << 76) | (0xC << 60)  # the version nibble and the variant's two high bits
    varying = 0
    for v in values:
        varying |= v ^ values[0]
    assert varying == ((1 << 128) - 1) & ~fixed


def test_none_asked_none_made():
    assert uuid4_texts(0) == []
