"""NATS handlers: 国民年金 category changes (pension.v1.changes), 生活保護 periods (welfare.v1.changes) and 住民税
incomes (tax.v1.income)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from nhi_common.bus import PermanentError
from nhi_common.events import Event

from ..domain.income import parse_income
from ..domain.pension import parse_pension_change
from ..domain.resident import InvalidChange
from ..domain.welfare import parse_welfare_record
from ..service_layer.income import IncomeIntake
from ..service_layer.pension import PensionIntake
from ..service_layer.ports import ApplyRejected
from ..service_layer.welfare import WelfareIntake

PENSION_STREAM, PENSION_SUBJECT, PENSION_DURABLE = "PENSION", "pension.v1.changes", "integration-pension"
PENSION_TYPE = "jp.lg.pension.category.change.v1"
WELFARE_STREAM, WELFARE_SUBJECT, WELFARE_DURABLE = "WELFARE", "welfare.v1.changes", "integration-welfare"
WELFARE_TYPE = "jp.lg.welfare.protection.period.v1"
TAX_STREAM, TAX_SUBJECT, TAX_DURABLE = "TAX", "tax.v1.income", "integration-income"
INCOME_TYPE = "jp.lg.tax.income.v1"


def pension_handler(intake: PensionIntake, today: Callable[[], dt.date]) -> Callable[[Event, dict[str, str]], None]:
    """A change that can never apply is terminated (field names only in the log); anything else is redelivered."""

    def handle(event: Event, _headers: dict[str, str]) -> None:
        try:
            if event.type != PENSION_TYPE:
                raise PermanentError(f"ce-type: expected {PENSION_TYPE}")
            intake.receive([parse_pension_change(event.data)], receipt_key=event.id, day=today())
        except InvalidChange as exc:
            raise PermanentError("pension change rejected: " + ", ".join(p.field for p in exc.problems)) from None

    return handle


def welfare_handler(intake: WelfareIntake, today: Callable[[], dt.date]) -> Callable[[Event, dict[str, str]], None]:
    """A record that can never apply is terminated (field names only in the log); anything else is redelivered."""

    def handle(event: Event, _headers: dict[str, str]) -> None:
        try:
            if event.type != WELFARE_TYPE:
                raise PermanentError(f"ce-type: expected {WELFARE_TYPE}")
            intake.receive([parse_welfare_record(event.data)], receipt_key=event.id, day=today())
        except InvalidChange as exc:
            raise PermanentError("welfare record rejected: " + ", ".join(p.field for p in exc.problems)) from None

    return handle


def income_handler(intake: IncomeIntake) -> Callable[[Event, dict[str, str]], None]:
    def handle(event: Event, _headers: dict[str, str]) -> None:
        try:
            if event.type != INCOME_TYPE:
                raise PermanentError(f"ce-type: expected {INCOME_TYPE}")
            intake.receive([parse_income(event.data)], receipt_key=event.id)
        except InvalidChange as exc:
            raise PermanentError("income record rejected: " + ", ".join(p.field for p in exc.problems)) from None
        except ApplyRejected as exc:
            raise PermanentError(f"income record refused by svc-qualification: {exc.field}") from None

    return handle
