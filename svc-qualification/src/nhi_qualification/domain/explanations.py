"""Shared explanations of burden determinations: the text a stored result refers to instead of repeating it.

A batch keeps each person's reasons (ELDER-START/ELDER-END, the same for everyone born on one day) once, by digest,
in burden_explanations; the stored result says "reasons_ref":"<digest>" where the reasons were, and reading it puts
them back (resolve_result), byte for byte. Results stored whole need nothing.
"""

from __future__ import annotations

import hashlib
import re

# A stored determination may keep each person's reasons once for all (burden_explanations, by digest): its result
# then says "reasons_ref":"<digest>" where the reasons were. Inside a JSON string a quote is escaped, so this
# pattern can only be such a reference.
_REF = re.compile(r'"reasons_ref":"([0-9a-f]{32})"')


def explanation_digest(text: str) -> str:
    """The address of a shared explanation: 128 bits of BLAKE2b over its JSON text."""
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def explanation_refs(stored_result: str) -> set[str]:
    """The digests of the shared explanations a stored result refers to (none for a result stored whole)."""
    return set(_REF.findall(stored_result))


def resolve_result(stored_result: str, explanations: dict[str, str]) -> str:
    """A stored result with every shared explanation put back in its place: the determination's JSON as answered."""
    if '"reasons_ref":"' not in stored_result:
        return stored_result
    return _REF.sub(lambda m: '"reasons":' + explanations[m[1]], stored_result)
