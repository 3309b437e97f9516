"""Random identifiers made many at a time: a batch names every determination, change and outbox event it writes."""

from __future__ import annotations

import os

# The variant nibble of an RFC 9562 UUID is 10xx: keep a random hex digit's two low bits under it.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def uuid4_texts(count: int) -> list[str]:
    """`count` version-4 UUIDs as str(uuid.uuid4()) writes them, from one read of the system's random source
    (one uuid4() per id costs about five times as much)."""
    digits = os.urandom(16 * count).hex()
    return [
        f"{digits[i : i + 8]}-{digits[i + 8 : i + 12]}-4{digits[i + 13 : i + 16]}-"
        f"{_VARIANT[digits[i + 16]]}{digits[i + 17 : i + 20]}-{digits[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]
