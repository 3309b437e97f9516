"""NUM-MYNUMBER: the check digit of a My Number (個人番号)."""

from __future__ import annotations


def my_number_check_digit(body: str) -> int:
    """Check digit of an 11-digit body: 11 − (Σ Pn×Qn mod 11), 0 when the remainder ≤ 1."""
    if len(body) != 11 or not body.isascii() or not body.isdigit():
        raise ValueError("the body of a My Number is 11 digits")
    total = sum(int(body[-n]) * (n + 1 if n <= 6 else n - 5) for n in range(1, 12))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def my_number_problem(value: str) -> str | None:
    """Why `value` is not a valid My Number, or None; the message never repeats the value."""
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return "a My Number is 12 digits"
    if my_number_check_digit(value[:11]) != int(value[11]):
        return "the check digit of this My Number is wrong"
    return None
