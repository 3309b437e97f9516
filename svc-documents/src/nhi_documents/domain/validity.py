"""Rule CERT-EXPIRY: how long a 資格確認書 is valid, with the reasons for the date."""

from __future__ import annotations

import dataclasses
import datetime as dt

from .ages import last_day_of_month, reaches_age_on
from .model import Reason

RULE = "CERT-EXPIRY"
BASIS = "practice (資格確認書の有効期限: 保険者が5年以内で設定; 更新日 7/31)"


class NotIssuable(ValueError):
    """No certificate can be valid from the issue date (e.g. the person is already 75)."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.summary)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class Validity:
    """The last valid day (inclusive) and why it is that day: the renewal date first, then the limit that cut it."""

    valid_until: dt.date
    reasons: tuple[Reason, ...]


@dataclasses.dataclass(frozen=True)
class RenewalDate:
    """The yearly renewal date (default 7/31); configurable per municipality."""

    month: int = 7
    day: int = 31

    def next_on_or_after(self, issued_on: dt.date) -> dt.date:
        """The renewal date of the issue year if the issue is on or before it, else that of the next year."""
        this_year = dt.date(issued_on.year, self.month, self.day)
        return this_year if issued_on <= this_year else dt.date(issued_on.year + 1, self.month, self.day)


def certificate_validity(*, issued_on: dt.date, birth_date: dt.date, residence_expires_on: dt.date | None = None,
                         renewal: RenewalDate = RenewalDate()) -> Validity:
    """CERT-EXPIRY: the next renewal date, cut short to the day before the 75th birthday, to the last day of the
    month in which 70 is reached (born on the 1st: the last day of the previous month), and to the end of the
    residence period of a foreign resident. A limit already passed on the issue date does not cut (a 70-74 year
    old keeps the renewal date); being past 75 or past the residence period makes the certificate not issuable."""
    renewal_date = renewal.next_on_or_after(issued_on)
    base = Reason(RULE, f"次の更新日 {renewal.month}月{renewal.day}日", BASIS,
                  {"issued_on": issued_on.isoformat(), "renewal_date": renewal_date.isoformat(), "limit": "renewal"})

    age75_last = reaches_age_on(birth_date, 75)  # the day before the 75th birthday (LOSS-AGE75)
    if age75_last < issued_on:
        raise NotIssuable(Reason(RULE, "75歳到達後は資格確認書を交付できない", "高確法52条",
                                 {"birth_date": birth_date.isoformat(), "reaches_75_on": age75_last.isoformat(),
                                  "issued_on": issued_on.isoformat(), "limit": "age75"}))
    if residence_expires_on is not None and residence_expires_on < issued_on:
        raise NotIssuable(Reason(RULE, "在留期間満了後は資格確認書を交付できない", "施行規則1条",
                                 {"residence_expires_on": residence_expires_on.isoformat(),
                                  "issued_on": issued_on.isoformat(), "limit": "residence"}))

    reached_70 = reaches_age_on(birth_date, 70)
    candidates: list[tuple[dt.date, Reason]] = [
        (age75_last, Reason(RULE, "75歳到達日（誕生日の前日）まで", "高確法52条; 年齢計算ニ関スル法律",
                            {"birth_date": birth_date.isoformat(), "reaches_75_on": age75_last.isoformat(),
                             "limit": "age75"})),
    ]
    age70_last = last_day_of_month(reached_70)
    if age70_last >= issued_on:
        candidates.append((age70_last, Reason(
            RULE, "70歳に達する日の属する月の末日まで（1日生まれは前月末日）", "法42条; 年齢計算ニ関スル法律",
            {"birth_date": birth_date.isoformat(), "reaches_70_on": reached_70.isoformat(), "limit": "age70"})))
    if residence_expires_on is not None:
        candidates.append((residence_expires_on, Reason(
            RULE, "在留期間の満了日まで", "施行規則1条",
            {"residence_expires_on": residence_expires_on.isoformat(), "limit": "residence"})))

    valid_until, reasons = renewal_date, (base,)
    cut_date, cut_reason = min(candidates, key=lambda c: c[0])
    if cut_date < renewal_date:
        valid_until, reasons = cut_date, (base, cut_reason)
    return Validity(valid_until, reasons)
