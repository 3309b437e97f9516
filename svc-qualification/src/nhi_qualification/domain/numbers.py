"""Identifier rules: My Number (NUM-MYNUMBER), insurer number (NUM-INSURER), branch numbers (NUM-INSURED)."""

from __future__ import annotations

INSURER_RULE = "NUM-INSURER"
INSURED_RULE = "NUM-INSURED"


def my_number_check_digit(body: str) -> int:
    """NUM-MYNUMBER: check digit of an 11-digit body."""
    if len(body) != 11 or not body.isdigit():
        raise ValueError("the body of a My Number is 11 digits")
    total = 0
    for n in range(1, 12):
        p = int(body[-n])
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def my_number_problem(value: str) -> str | None:
    """Why `value` is not a valid My Number (NUM-MYNUMBER), or None when it is."""
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return "a My Number is 12 digits"
    if my_number_check_digit(value[:11]) != int(value[11]):
        return "the check digit of this My Number is wrong"
    return None


def insurer_check_digit(body: str) -> int:
    """NUM-INSURER: weights 2,1,2,1… from the rightmost body digit, digits of each product summed."""
    if not body.isdigit():
        raise ValueError("an insurer number body is digits")
    total = 0
    for i, ch in enumerate(reversed(body)):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def insurer_number_problem(value: str) -> str | None:
    """Why `value` is not a valid 6-digit NHI insurer number (NUM-INSURER), or None."""
    if len(value) != 6 or not value.isdigit():
        return "an NHI insurer number is 6 digits"
    if insurer_check_digit(value[:5]) != int(value[5]):
        return "the check digit of this insurer number is wrong"
    return None


def branch_no(n: int) -> str:
    """NUM-INSURED: the 2-digit 枝番."""
    if not 1 <= n <= 99:
        raise ValueError("a branch number is 01..99")
    return f"{n:02d}"


def mask_my_number(value: str) -> str:
    return "*" * 8 + value[-4:] if value else ""
