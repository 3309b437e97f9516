"""The fixed-length CP932 records of the 資格情報（世帯）and（個人）files (docs/interchange/aggregation.md).

Every record of a file has the same length in bytes; a field is counted in bytes and a double-byte character is
never split. What CP932 cannot carry is degraded by DEGRADE (a documented look-alike) or else written as 〓, and
each such character is reported — never written as `?`.
"""

from __future__ import annotations

import dataclasses
import functools

from nhi_common.jp import GETA, to_cp932

# Characters outside CP932 and the CP932 character written in their place (docs/interchange/aggregation.md).
DEGRADE = {
    "𠮷": "吉",  # つちよし
    "𡈽": "土",  # 土 with a dot
    "𩸽": "ほっけ",
    "俱": "倶",
    "剝": "剥",
    "𣘺": "橋",
    "𥔎": "碕",
    "–": "－",  # en dash
    "—": "―",  # em dash
}


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    label: str  # the Japanese item name
    size: int  # bytes
    kind: str  # X text (left, space padded) | 9 digits (right, zero padded) | D date YYYYMMDD or spaces
    rule: str  # what the value is, in a line


@dataclasses.dataclass(frozen=True)
class Layout:
    name: str
    fields: tuple[Field, ...]

    @property
    def size(self) -> int:
        return sum(f.size for f in self.fields)

    @functools.cached_property
    def plan(self) -> tuple[tuple[str, int, str], ...]:
        """(name, bytes, kind) of each field, for the writer's inner loop."""
        return tuple((f.name, f.size, f.kind) for f in self.fields)


@dataclasses.dataclass(frozen=True)
class Degraded:
    """A character of a field that CP932 cannot carry and what was written instead."""

    field: str
    character: str
    written: str


RECORD_SIZE = 320  # every record of both files, header and trailer included

_HEAD = (
    Field("record_type", "レコード種別", 1, "9", "1 header, 2 data, 8 trailer"),
    Field("serial", "レコード通番", 7, "9", "0 on the header, 1.. on data records in order, n+1 on the trailer"),
)


def _filler(fields: tuple[Field, ...]) -> tuple[Field, ...]:
    used = sum(f.size for f in fields)
    return (*fields, Field("filler", "予備", RECORD_SIZE - used, "X", "spaces"))


HEADER = Layout(
    "header",
    _filler(
        (
            *_HEAD,
            Field("file_kind", "ファイル種別", 1, "X", "H 資格情報（世帯）, P 資格情報（個人）"),
            Field("insurer_number", "保険者番号", 6, "9", "NUM-INSURER: 6 digits with the check digit"),
            Field("business_date", "処理日", 8, "D", "the business day whose changes the file carries"),
            Field("cutoff", "抽出基準日時", 14, "9", "the cut-off instant, YYYYMMDDhhmmss in JST"),
            Field("file_sequence", "ファイル通番", 6, "9", "1 for the first run, +1 each business day run"),
        )
    ),
)

HOUSEHOLD = Layout(
    "household",
    _filler(
        (
            *_HEAD,
            Field("action", "処理区分", 1, "9", "1 add, 2 update, 3 delete (every member lost)"),
            Field("insurer_number", "保険者番号", 6, "9", "NUM-INSURER"),
            Field("household_id", "世帯番号", 15, "X", "the municipality's household id"),
            Field("symbol", "記号", 20, "X", "NUM-INSURED: text, may be full-width"),
            Field("number", "番号", 20, "X", "NUM-INSURED: text, may be full-width"),
            Field("head_person_id", "世帯主宛名番号", 15, "X", "the resident-registry head"),
            Field("postal_code", "郵便番号", 7, "X", "7 digits, no hyphen; spaces under a DV support measure"),
            Field("address_code", "住所コード", 11, "X", "the registry's address code; spaces under DV"),
            Field("district_code", "地区別統計コード", 6, "X", "from the address table; spaces under DV"),
            Field("changed_on", "異動年月日", 8, "D", "the latest effective date among the members' changes"),
            Field("ward_code", "行政区コード", 6, "X", "from the address table: the ward's 団体コード; spaces if none"),
            Field("aggregation_address_code", "集約住所コード", 13, "X", "from the address table; spaces under DV"),
        )
    ),
)

PERSON = Layout(
    "person",
    _filler(
        (
            *_HEAD,
            Field("action", "処理区分", 1, "9", "1 add (acquired), 2 update (changed, corrected), 3 delete (lost)"),
            Field("insurer_number", "保険者番号", 6, "9", "NUM-INSURER"),
            Field("household_id", "世帯番号", 15, "X", "the municipality's household id"),
            Field("person_id", "宛名番号", 15, "X", "the municipality's person id"),
            Field("symbol", "記号", 20, "X", "NUM-INSURED"),
            Field("number", "番号", 20, "X", "NUM-INSURED"),
            Field("branch_no", "枝番", 2, "9", "NUM-INSURED: 2 digits"),
            Field("my_number", "個人番号", 12, "9", "NUM-MYNUMBER: 12 digits with the check digit"),
            Field("name_kanji", "氏名", 40, "X", "CP932, degraded by DEGRADE or 〓"),
            Field("name_kana", "氏名カナ", 40, "X", "CP932 full-width katakana"),
            Field("birth_date", "生年月日", 8, "D", "required"),
            Field("sex", "性別", 1, "9", "1 male, 2 female"),
            Field("acquired_on", "資格取得年月日", 8, "D", "required"),
            Field("lost_on", "資格喪失年月日", 8, "D", "spaces while insured; not before acquired_on"),
            Field("coverage_starts_on", "適用開始年月日", 8, "D", "spaces when the same as acquired_on"),
            Field("coverage_ends_on", "適用終了年月日", 8, "D", "spaces while insured"),
            Field("reason", "異動事由", 20, "X", "the 異動事由 code of svc-qualification (e.g. move_in)"),
            Field("limit_category", "限度額適用区分", 3, "X", "LIMIT-CAT as the OQS code A01..B08, Z not applicable"),
            Field("change_id", "異動番号", 36, "X", "the change the record carries (the key of the returned data)"),
        )
    ),
)

TRAILER = Layout(
    "trailer",
    _filler((*_HEAD, Field("record_count", "データレコード件数", 7, "9", "data records in the file"))),
)

# 集約 → 市町村: the result of each data record of a file we sent (the returned data of 2.6.6).
RESULT = Layout(
    "result",
    _filler(
        (
            *_HEAD,
            Field("file_kind", "対象ファイル種別", 1, "X", "H or P, the file the record was in"),
            Field("original_serial", "対象レコード通番", 7, "9", "the serial of the record in that file"),
            Field("person_id", "宛名番号", 15, "X", "spaces for a household record"),
            Field("change_id", "異動番号", 36, "X", "as sent"),
            Field("status", "処理結果", 1, "9", "0 accepted, 1 rejected"),
            Field("code", "エラーコード", 4, "X", "the aggregation system's code; spaces when accepted"),
            Field(
                "pref_acquired_on", "都道府県資格取得年月日", 8, "D", "ACQ-MOVE-IN-PREF: carried over in the prefecture"
            ),
            Field("message", "エラー内容", 80, "X", "CP932 text"),
        )
    ),
)


def decode(of: Layout, record: bytes) -> dict[str, str]:
    """The fields of one record, trailing spaces stripped; ValueError when it is not RECORD_SIZE bytes of CP932."""
    if len(record) != RECORD_SIZE:
        raise ValueError(f"a record is {RECORD_SIZE} bytes, this one {len(record)}")
    values, at = {}, 0
    for field in of.fields:
        values[field.name] = record[at : at + field.size].decode("cp932").rstrip(" ")
        at += field.size
    return values


def degrade(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text with every character CP932 lacks replaced by DEGRADE or 〓, and (character, written) for each."""
    try:
        text.encode("cp932")  # a variation selector is not in CP932 either: it takes the slow path
    except UnicodeEncodeError:
        pass
    else:
        return text, []
    out, changes = [], []
    for char in text:
        code = ord(char)
        if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
            continue  # a variation selector goes with its base character
        written = DEGRADE.get(char, char)
        if written != char or to_cp932(char)[1]:
            written = written if not to_cp932(written)[1] else GETA
            changes.append((char, written))
        out.append(written)
    return "".join(out), changes


def encode(layout: Layout, values: dict[str, object]) -> tuple[bytes, list[Degraded]]:
    """One record of `layout` in CP932, exactly RECORD_SIZE bytes, and the characters it had to degrade."""
    out, degraded = [], []
    for name, size, kind in layout.plan:
        raw = values.get(name)
        text = "" if raw is None else raw if raw.__class__ is str else str(raw)
        if kind == "X":
            try:
                data = text.encode("cp932")
            except UnicodeEncodeError:
                text, changes = degrade(text)
                degraded += [Degraded(name, c, w) for c, w in changes]
                data = text.encode("cp932")
            if len(data) > size:
                data = _fit(text, size)
        elif kind == "9":
            if text and not (text.isascii() and text.isdigit()):
                raise ValueError(f"{layout.name}.{name} must be digits")
            data = text.rjust(size, "0").encode("ascii")
        else:
            digits = text.replace("-", "")
            if digits and not (len(digits) == 8 and digits.isascii() and digits.isdigit()):
                raise ValueError(f"{layout.name}.{name} must be a date")
            data = digits.encode("ascii")
        if len(data) > size:
            raise ValueError(f"{layout.name}.{name} is longer than {size} bytes")
        out.append(data.ljust(size, b" "))
    return b"".join(out), degraded


def _fit(text: str, size: int) -> bytes:
    """The text in CP932 cut to `size` bytes at a character boundary."""
    data = text.encode("cp932")
    if len(data) <= size:
        return data
    out = bytearray()
    for char in text:
        data = char.encode("cp932")
        if len(out) + len(data) > size:
            break
        out += data
    return bytes(out)
