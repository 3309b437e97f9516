"""NUM-MYNUMBER: synthetic My Numbers (個人番号) with a valid check digit."""

from __future__ import annotations

import random


def check_digit(body: str) -> int:
    """11 − (Σ Pn×Qn mod 11), 0 when the remainder ≤ 1; Pn the n-th digit from the right, Qn = n+1 (n ≤ 6), n−5."""
    if len(body) != 11 or not body.isascii() or not body.isdigit():
        raise ValueError("the body of a My Number is 11 digits")
    total = sum(int(body[-n]) * (n + 1 if n <= 6 else n - 5) for n in range(1, 12))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid(value: str) -> bool:
    return len(value) == 12 and value.isascii() and value.isdigit() and check_digit(value[:11]) == int(value[11])


def random_my_number(rng: random.Random) -> str:
    body = f"{rng.randrange(10**10, 10**11):011d}"
    return body + str(check_digit(body))
