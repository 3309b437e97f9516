"""The checks of 2.6.1 that put a record on the 資格情報データエラーリスト instead of into the file."""

from __future__ import annotations

import dataclasses
from typing import Any

from .address import AddressTable

REQUIRED = (
    ("insurer_number", "保険者番号"),
    ("household_id", "世帯番号"),
    ("symbol", "記号"),
    ("number", "番号"),
    ("name_kana", "氏名カナ"),
    ("birth_date", "生年月日"),
    ("sex", "性別"),
    ("acquired_on", "資格取得年月日"),
)


@dataclasses.dataclass(frozen=True)
class RecordError:
    code: str  # the error code printed on the list
    field: str
    rule: str  # the Part A rule id or the requirement
    message: str  # Japanese, for the list
    file: str = "P"  # the file the fault belongs to: H 世帯, P 個人


def my_number_is_valid(number: str) -> bool:
    """NUM-MYNUMBER: 12 digits and the check digit of the 11-digit body."""
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        return False
    body = [int(c) for c in reversed(number[:11])]
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(body, start=1))
    remainder = total % 11
    return int(number[11]) == (0 if remainder <= 1 else 11 - remainder)


def insurer_number_is_valid(number: str) -> bool:
    """NUM-INSURER: 6 digits, the last the check digit (weights 2,1,2,1… from the rightmost body digit)."""
    if len(number) != 6 or not number.isascii() or not number.isdigit():
        return False
    total = 0
    for i, digit in enumerate(reversed(number[:5])):
        product = int(digit) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return int(number[5]) == (10 - total % 10) % 10


def check(
    snapshot: dict[str, Any], *, my_number: str, history_sent: bool, addresses: AddressTable | None = None
) -> list[RecordError]:
    """What stops this record from being sent; [] when it can go into the file."""
    errors: list[RecordError] = []
    if snapshot.get("void") and history_sent:
        errors.append(RecordError("E05", "acquired_on", "2.6.1", "送付済みレコードの履歴が削除されました"))
    if not my_number:
        errors.append(RecordError("E01", "my_number", "NUM-MYNUMBER", "個人番号が未設定です"))
    elif not my_number_is_valid(my_number):
        errors.append(RecordError("E06", "my_number", "NUM-MYNUMBER", "個人番号のチェックデジットが誤っています"))
    for key, label in REQUIRED:
        if not snapshot.get(key):
            errors.append(RecordError("E02", key, "required", f"必須項目（{label}）が未設定です"))
    insurer = snapshot.get("insurer_number") or ""
    if insurer and not insurer_number_is_valid(insurer):
        errors.append(RecordError("E07", "insurer_number", "NUM-INSURER", "保険者番号のチェックデジットが誤っています"))
    branch = snapshot.get("branch_no") or ""
    if not (len(branch) == 2 and branch.isascii() and branch.isdigit()):
        errors.append(RecordError("E04", "branch_no", "NUM-INSURED", "枝番が未設定です"))
    errors += _dates(snapshot)
    if addresses is not None:
        errors += _address(snapshot, addresses)
    return errors


def _address(snapshot: dict[str, Any], addresses: AddressTable) -> list[RecordError]:
    """住所/行政区変換: the household's address code must be in the municipality's table (none under DV)."""
    code = (snapshot.get("address") or {}).get("address_code") or ""
    if not code or snapshot.get("dv_support") or addresses.convert(code) is not None:
        return []
    message = f"住所コード {code} が住所・行政区変換表にありません（地区別統計コード・集約住所コードを決められません）"
    return [RecordError("E08", "address_code", "2.6.1", message, file="H")]


def _dates(s: dict[str, Any]) -> list[RecordError]:
    pairs = (
        ("birth_date", "acquired_on", "生年月日より前の資格取得年月日です"),
        ("acquired_on", "lost_on", "資格取得年月日より前の資格喪失年月日です"),
        ("coverage_starts_on", "coverage_ends_on", "適用開始年月日より前の適用終了年月日です"),
    )
    return [
        RecordError("E03", later, "2.6.1", message)
        for earlier, later, message in pairs
        if s.get(earlier) and s.get(later) and s[later] < s[earlier]
    ]
