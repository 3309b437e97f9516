"""The counter's print queue: which certificates, slips and forms svc-qualification's decisions made due, for whom,
with the reason and the rule, printed or not.

Each event of `nhi.v1.qualification.*` is handled once (inbox, in the transaction of its queue items), whatever made
the change (the counter, a batch, the resident stream). What an event makes due:

- certificates (the 2024 reform's triggers): a new qualification (acquired) -> the kinds CERT-KIND gives on that
  day; 利用登録 ended (status card_registration with an end) -> 資格確認書 from the day after that end; DV support
  measure (status dv_support) -> 資格確認書 (DV) from its start; each of these two due on that day (the business date
  if later), with the 高齢受給者証 when CERT-KIND gives one on that day; the My Number card or its electronic certificate expired, or the card returned (status card_expired,
  card_certificate_expired, card_returned) -> what CERT-KIND gives from the day the マイナ保険証 stops working (the
  event's effective date; 3 months after an expiry): the 資格確認書, and the 高齢受給者証 at 70-74;
  a share change for a 70-74 person (burden, ratio changed) -> 高齢受給者証;
- slips (異動連絡票) and forms: a birth -> 出産育児一時金支給申請書 (ACQ-BIRTH); a death -> 葬祭費支給申請書
  (LOSS-DEATH); a move to 後期高齢者医療 leaving the person as 特定同一世帯所属者, or that status registered or
  changed -> 特定同一世帯所属者異動連絡票; 旧被扶養者 registered or changed -> 旧被扶養者異動連絡票; 産前産後
  (status prenatal_reduction) -> 産前産後保険料（税）軽減異動連絡票; 非自発的失業者 (status involuntary_unemployment)
  -> 非自発的失業者保険料（税）軽減異動連絡票; a burden ratio or limit category change, or a
  70-74 person joining or leaving (the household's share is decided again, BURDEN-3) -> 負担区分異動連絡票;
- reissues: a correction of what a certificate prints (a clerk's 資格異動訂正, or the prefecture acquisition date the
  aggregation system returned, ACQ-MOVE-IN-PREF) -> the certificates svc-qualification's decision names
  (certificates_to_reissue of the corrected event), due on the business date of the correction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nhi_common import event_fields as fields
from nhi_common.errors import NotFound
from nhi_common.paging import Page
from nhi_common.plumbing import utcnow

from ..domain import certificate, elderly
from .job_ports import JobStore
from .ports import QualificationSource

CONSUMER = "documents-print-queue"
LISTING = "documents.print_queue"  # the list's name in svc-qualification's audit row (rule DV)
ELIGIBILITY = certificate.KIND
ELDERLY = certificate.ELDERLY_RECIPIENT_CERTIFICATE
CARD_UNUSABLE = ("card_expired", "card_certificate_expired", "card_returned")
# status kind -> the slip its registration or change makes due
STATUS_SLIPS = {
    "specific_same_household": "specific_same_household_slip",
    "former_dependant": "former_dependant_slip",
    "prenatal_reduction": "prenatal_reduction_slip",
    "involuntary_unemployment": "involuntary_unemployment_slip",
}
BURDEN_SLIP = "burden_category_slip"
ELDER_END_AGE = 75
QUEUED_TYPES = (".acquired.v1", ".lost.v1", ".corrected.v1", ".changed.v1")
# What the queue's columns take (print_queue_items): ids, a kind, reason or rule id, and how many of them a list holds.
ID_LIMIT, NAME_LIMIT, LIST_LIMIT = 100, 40, 10
RULE_IDS_LIMIT = 180  # the rule ids an item is kept with, joined by commas, and the one or two the queue adds (200)
DATE_FIELDS = ("business_date", "effective_date", "acquired_on", "lost_on", "status_start", "status_end", "birth_date")


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def is_elder(birth_date: dt.date, day: dt.date) -> bool:
    """70-74 (高齢受給者) on `day`: from ELDER-START to the day before the 75th birthday."""
    try:
        birthday_75 = birth_date.replace(year=birth_date.year + ELDER_END_AGE)
    except ValueError:  # born on 29 February
        birthday_75 = dt.date(birth_date.year + ELDER_END_AGE, 3, 1)
    return elderly.elder_start(birth_date) <= day < birthday_75


def _checked(data: dict[str, Any]) -> dt.date:
    """The day a decision's event takes effect, once every field the queue reads is what it must be: text within its
    column, a date that exists, a list of text; BadField (naming the field, never its value) otherwise, so that the
    event is refused instead of failing its transaction, or raising a TypeError, at every delivery."""
    fields.text(data, "person_id", limit=ID_LIMIT, required=True)
    fields.text(data, "household_id", limit=ID_LIMIT)
    for name in ("change_kind", "status_kind", "reason"):
        fields.text(data, name, limit=NAME_LIMIT)
    for name in DATE_FIELDS:
        fields.date(data, name)
    for name in ("certificates_to_reissue", "rule_ids"):
        values = data.get(name) or []
        if not isinstance(values, list) or len(values) > LIST_LIMIT:
            raise fields.BadField(name, f"is not a list of at most {LIST_LIMIT}")
        for value in values:
            fields.text({name: value}, name, limit=NAME_LIMIT, required=True)
    if len(",".join(data.get("rule_ids") or [])) > RULE_IDS_LIMIT:
        raise fields.BadField("rule_ids", f"are longer than {RULE_IDS_LIMIT} characters together")
    return fields.date(data, "business_date") or fields.date(data, "effective_date", required=True)


def due_items(event_type: str, data: dict[str, Any], due_kinds) -> list[dict[str, Any]]:
    """The queue items an event makes due; `due_kinds(person_id, day)` asks CERT-KIND what is due on a day."""
    if not event_type.endswith(QUEUED_TYPES):
        return []
    day = _checked(data)
    person_id = data["person_id"]
    household_id = data.get("household_id") or ""

    def item(kind: str, reason: str, rules: list[str], on: dt.date = day) -> dict[str, Any]:
        return {
            "person_id": person_id,
            "household_id": household_id,
            "kind": kind,
            "reason": reason,
            "rule_ids": rules,
            "due_on": on,
        }

    if event_type.endswith(".acquired.v1"):
        start = _date(data.get("acquired_on")) or day
        items = [item(kind, "acquired", ["CERT-KIND"]) for kind in due_kinds(person_id, max(start, day))]
        if data.get("reason") == "birth":
            items.append(item("childbirth_lump_sum_application", "birth", ["ACQ-BIRTH"]))
        return items + _elder_burden_slip(data, start, "elder_joined", item)
    if event_type.endswith(".lost.v1"):
        lost = _date(data.get("lost_on")) or day
        items = []
        if data.get("reason") == "death":
            items.append(item("funeral_expense_application", "death", ["LOSS-DEATH"]))
        if data.get("reason") == "age75" and data.get("specific_same_household"):
            items.append(item(STATUS_SLIPS["specific_same_household"], "age75", ["LOSS-AGE75", "SPECIAL-STATUS"]))
        # 70-74 on the day of the loss, as svc-qualification's decision reads it (not when leaving at 75)
        return items + _elder_burden_slip(data, lost, "elder_left", item)
    if event_type.endswith(".corrected.v1"):
        rules = list(dict.fromkeys([*(data.get("rule_ids") or ["CORRECTION"]), "CERT-KIND"]))
        return [item(kind, "corrected", rules) for kind in data.get("certificates_to_reissue") or ()]
    if not event_type.endswith(".changed.v1"):
        return []
    if data.get("change_kind") == "status":
        kind, ended = data.get("status_kind"), bool(data.get("status_end"))
        if kind in STATUS_SLIPS:
            return [item(STATUS_SLIPS[kind], kind, ["SPECIAL-STATUS"])]
        if kind == "card_registration" and ended:
            # unregistered from the day after the registration's last day, or today for a back-dated cancellation
            on = max(day, _date(data.get("status_end")) + dt.timedelta(days=1))
            return _with_elderly(item(ELIGIBILITY, "registration_cancelled", ["CERT-KIND"], on), due_kinds, item)
        if kind == "dv_support" and not ended:
            on = max(day, _date(data.get("status_start")) or day)
            return _with_elderly(item(ELIGIBILITY, "dv_support", ["DV", "CERT-KIND"], on), due_kinds, item)
        if kind in CARD_UNUSABLE and not ended:
            # due from the day the マイナ保険証 stops working, which svc-qualification gives as the effective date
            on = max(day, _date(data.get("effective_date")) or day)
            return [
                item(due, kind, ["CERT-KIND"], on) for due in due_kinds(person_id, on) if due in (ELIGIBILITY, ELDERLY)
            ]
        return []
    if data.get("change_kind") == "burden":
        items = []
        ratio_changed = data.get("ratio_percent_new") not in (None, data.get("ratio_percent_old"))
        limit_changed = data.get("limit_category_new") not in (None, data.get("limit_category_old"))
        if ratio_changed:
            items.append(item(ELDERLY, "share_changed", ["ELDER-CERT-EXPIRY", "BURDEN-3"]))
        if ratio_changed or limit_changed:
            items.append(item(BURDEN_SLIP, "burden_changed", list(data.get("rule_ids") or ["BURDEN-3"])))
        return items
    return []


def _with_elderly(eligibility: dict[str, Any], due_kinds, item) -> list[dict[str, Any]]:
    """The 資格確認書, and the 高齢受給者証 when CERT-KIND gives one with it on the day the change takes effect (70-74,
    the share not printed on the 資格確認書), both due that day."""
    found = [eligibility]
    on = eligibility["due_on"]
    if ELDERLY in due_kinds(eligibility["person_id"], on):
        found.append(item(ELDERLY, eligibility["reason"], eligibility["rule_ids"], on))
    return found


def _elder_burden_slip(data: dict[str, Any], on: dt.date, reason: str, item) -> list[dict[str, Any]]:
    """負担区分異動連絡票 when a 70-74 person joins or leaves: the household's share is decided again (BURDEN-3)."""
    birth = _date(data.get("birth_date"))
    if birth is None or not is_elder(birth, on):
        return []
    return [item(BURDEN_SLIP, reason, ["BURDEN-3"])]


class PrintQueue:
    def __init__(self, *, store: JobStore, qualification: QualificationSource) -> None:
        self.store = store
        self.qualification = qualification

    def _due_kinds(self, person_id: str, day: dt.date) -> tuple[str, ...]:
        try:
            return self.qualification.certificates_due(person_id, operator_id="system", business_date=day).kinds
        except certificate.NotInsured:
            return ()

    def handle_event(self, event_id: str, event_type: str, data: dict[str, Any]) -> int:
        """Queue what the event makes due, once per event id; returns how many items were added."""
        rows = [{**row, "source_event_id": event_id} for row in due_items(event_type, data, self._due_kinds)]
        with self.store.transaction() as tx:
            if not tx.claim_event(event_id, CONSUMER):
                return 0
            return tx.add_due(rows)

    def list(
        self,
        *,
        printed: bool | None = None,
        person_id: str = "",
        kind: str = "",
        page: Page = Page(),
        caller: Any = None,
    ) -> tuple[list[dict[str, Any]], str]:
        """A page of the queue, without the items of the DV support-measure persons `caller` may not see listed
        (rule DV; no caller: the service's own read)."""
        with self.store.transaction() as tx:
            items, cursor = tx.list_due(printed=printed, person_id=person_id, kind=kind, page=page)
        if caller is None or not items:
            return items, cursor
        hidden = self.qualification.hidden_persons(caller, [i["person_id"] for i in items], LISTING)
        return [i for i in items if i["person_id"] not in hidden], cursor

    def mark_printed(self, item_id: str, *, operator_id: str, document_id: str = "") -> dict[str, Any]:
        """Printed by whom and when; marking an item printed twice keeps the first mark."""
        with self.store.transaction() as tx:
            found = tx.mark_printed(item_id, operator_id=operator_id or "system", document_id=document_id, at=utcnow())
            if found is not None:
                tx.audit(
                    operator_id=operator_id,
                    action="print_queue.printed",
                    target_kind="print_queue_item",
                    target_id=item_id,
                    detail=f"{found['kind']} person {found['person_id']}",
                )
        if found is None:
            raise NotFound("print queue item", item_id)
        return found
