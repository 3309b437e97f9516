"""The legal basis each rule names in its Reason: the act, cabinet order or ministerial ordinance, or the national
standard (国民健康保険システム標準仕様書) where the law leaves the practice to it. One place, so a citation is
corrected once."""

from __future__ import annotations

LAW_2023 = (
    "行政手続における特定の個人を識別するための番号の利用等に関する法律等の一部を改正する法律（令和5年法律第48号）"
)
BASIS_2024 = LAW_2023 + "による改正後の国民健康保険法・同法施行規則"
BASIS_DV = "住民基本台帳事務処理要領（支援措置）、" + LAW_2023 + "による改正後の国民健康保険法施行規則"
BASIS_CERT_EXPIRY = "国民健康保険法施行規則（資格確認書の有効期間）、当市町村の一斉更新日"
BASIS_ELDER_CERT = "国民健康保険法第42条第1項第3号、国民健康保険法施行規則（高齢受給者証）"
# The share of a 70–74 insured (2割, or 3割 from the income the cabinet order sets) and the cost-limit categories of
# 高額療養費, each with the cabinet order that sets the amounts.
BASIS_ORDINANCE = "国民健康保険法第42条第1項第3号・第4号、国民健康保険法施行令"
BASIS_LIMIT = "国民健康保険法第57条の2、国民健康保険法施行令"
# Pending while an income is unknown: the income is asked of the previous municipality (標準仕様書 2.1.5) and the
# share decided again when the answer arrives (2.9.3).
BASIS_PENDING = "国民健康保険法第42条第1項、国民健康保険システム標準仕様書 2.1.5（所得照会）・2.9.3（副本照会）"
BASIS_AGE75 = "高齢者の医療の確保に関する法律第52条"

# The basis of a refusal to issue a certificate, by the rule that refused it.
REFUSAL_BASIS = {"LOSS-AGE75": BASIS_AGE75, "CERT-KIND": BASIS_2024, "CERT-EXPIRY": BASIS_CERT_EXPIRY}
