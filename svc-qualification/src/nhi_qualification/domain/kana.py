"""Kana names as a clerk types them: one search key whatever the script, the width and the spaces."""

from __future__ import annotations

import unicodedata

_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}  # ぁ..ゖ -> ァ..ヶ
_HIRAGANA_TO_KATAKANA.update({0x309D: 0x30FD, 0x309E: 0x30FE})  # ゝゞ -> ヽヾ


def search_key(text: str) -> str:
    """The key a kana name is found by: NFKC (half-width ﾅｶｼﾞﾏ becomes ナカジマ, full-width letters plain),
    hiragana as katakana, and no spaces of any width. なかじま, ﾅｶｼﾞﾏ and ナカジマ　ススム all meet ナカジマ…"""
    folded = unicodedata.normalize("NFKC", text).translate(_HIRAGANA_TO_KATAKANA)
    return "".join(ch for ch in folded if not ch.isspace())
