"""Shared explanations of burden determinations: the text a stored result refers to instead of repeating it.

A batch keeps each person's reasons (ELDER-START/ELDER-END, the same for everyone born on one day) once, by digest,
in burden_explanations; the stored result says "reasons_ref":"<digest>" where the reasons were, and reading it puts
them back (resolve_result), byte for byte. Results stored whole need nothing.

Since migration 0016 a batch stores neither: only the facts a household was decided on (facts_text), and reading
decides again on them (service_layer/burden.explained).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence

from .burden_facts import HouseholdMember, IncomeFacts

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


# A determination a batch stores keeps, instead of its explanation, the facts it was decided on (`facts`): the
# household's members and their incomes of the income year. Reading it decides again on those facts with the same
# rules and gives back the text the decision answered, byte for byte. RULES_VERSION names the rules that text comes
# from: a change to what the burden rules explain (a reason's wording, facts or order) must raise it, and a
# migration must first write the explanations of the rows of the older version whole (result), the way 0016's
# downgrade does; the test of the explanations' digest says when.
RULES_VERSION = 1
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_INSURED, _SPECIFIC, _HEAD = 1, 2, 4


def facts_text(members: Sequence[HouseholdMember], incomes: Mapping[str, IncomeFacts]) -> str:
    """The facts of one decision, compactly: [version, [[person_id, birth_date, flags, income or null], ...]], an
    income being [taxable, gross, kyu_tadashigaki, non_taxed (0/1), public_pension, total] of the income year.
    Written as text directly (a batch writes one per household it stores); decided_facts reads it."""
    people = []
    for m in members:
        i = incomes.get(m.person_id)
        income = (
            "null"
            if i is None
            else f"[{_amount(i.taxable_income)},{_amount(i.gross_income)},{_amount(i.kyu_tadashigaki_income)},"
            f"{1 if i.non_taxed else 0},{_amount(i.public_pension_income)},{_amount(i.total_income)}]"
        )
        flags = (
            (_INSURED if m.insured else 0)
            | (_SPECIFIC if m.is_specific_same_household else 0)
            | (_HEAD if m.is_head else 0)
        )
        people.append(f'[{_JSON(m.person_id)},"{m.birth_date.isoformat()}",{flags},{income}]')
    return f"[{RULES_VERSION},[{','.join(people)}]]"


def _amount(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def decided_facts(text: str, income_year: int) -> tuple[list[HouseholdMember], dict[str, IncomeFacts]]:
    """The members and incomes a decision was made on, from facts_text's text."""
    version, people = json.loads(text)
    if version != RULES_VERSION:
        raise ValueError(f"stored burden facts of rules version {version}; these rules are version {RULES_VERSION}")
    members, incomes = [], {}
    for pid, birth, flags, income in people:
        members.append(
            HouseholdMember(
                pid, dt.date.fromisoformat(birth), bool(flags & _INSURED), bool(flags & _SPECIFIC), bool(flags & _HEAD)
            )
        )
        if income is not None:
            taxable, gross, kyu, non_taxed, pension, total = income
            incomes[pid] = IncomeFacts(pid, income_year, taxable, gross, kyu, bool(non_taxed), pension, total)
    return members, incomes
