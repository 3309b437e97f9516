"""Pension, welfare and income feed files through ImportFeed: every line checked; a file with errors imports nothing
unless partial import was asked for."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ..domain.feed_files import parse_file
from .income import IncomeIntake
from .pension import PensionIntake
from .ports import ApplyRejected, Store
from .welfare import WelfareIntake

SOURCES = ("pension", "welfare", "income")
# The problems an import lists, the first ones by line, then how many more: a file of a million broken lines would
# otherwise make an answer larger than a gRPC message may be (4 MiB), and a row of the imports table to match.
MAX_ERRORS = 1000


class FeedImports:
    def __init__(self, *, imports: Store, income: IncomeIntake, pension: PensionIntake, welfare: WelfareIntake) -> None:
        self.imports = imports
        self.income = income
        self.pension = pension
        self.welfare = welfare

    def import_file(
        self, *, source: str, file_name: str, content: bytes, partial: bool, operator_id: str, day: dt.date
    ) -> dict[str, Any]:
        import_id = str(uuid.uuid4())
        with self.imports.transaction() as tx:
            tx.create_import(import_id=import_id, source=source, file_name=file_name[:255], operator_id=operator_id)
        lines = parse_file(source, content)
        errors = [{"line": ln.line, "field": p.field, "message": p.message} for ln in lines for p in ln.problems]
        valid = [ln.record for ln in lines if ln.record is not None]
        records = sum(1 for ln in lines if ln.line > 0)
        applied = 0
        if valid and (partial or not errors):
            try:
                if source == "income":
                    self.income.receive(valid, receipt_key=f"import:{import_id}")
                elif source == "welfare":
                    self.welfare.receive(valid, receipt_key=f"import:{import_id}", day=day)
                else:
                    self.pension.receive(valid, receipt_key=f"import:{import_id}", day=day)
                applied = len(valid)
            except ApplyRejected as exc:
                errors.append({"line": 0, "field": exc.field, "message": exc.message})
        return close_import(
            self.imports,
            import_id=import_id,
            source=source,
            operator_id=operator_id,
            records=records,
            applied=applied,
            errors=errors,
        )


def close_import(
    store: Store, *, import_id: str, source: str, operator_id: str, records: int, applied: int, errors: list[dict]
) -> dict[str, Any]:
    """Record how an import of any source ended, audit it, and give it back: processed when anything was
    applied, else rejected. At most MAX_ERRORS errors are kept, then one that says how many more. An error of a
    whole record names the field `record`, one of the whole file `content`: every error names a line and a field."""
    errors = sorted(
        ({**e, "field": e["field"] or ("record" if e["line"] else "content")} for e in errors), key=lambda e: e["line"]
    )
    if len(errors) > MAX_ERRORS:
        untold = len(errors) - MAX_ERRORS
        rest = {"line": errors[MAX_ERRORS]["line"], "field": "record", "message": f"{untold} more problems not listed"}
        errors = [*errors[:MAX_ERRORS], rest]
    with store.transaction() as tx:
        tx.finish_import(
            import_id=import_id,
            state="processed" if applied else "rejected",
            records=records,
            applied=applied,
            rejected=records - applied,
            errors=errors,
        )
        tx.audit(
            operator_id=operator_id,
            action="feed.imported",
            target_kind="import",
            target_id=import_id,
            detail=f"{source} {records} records, {applied} applied",
        )
        return tx.get_import(import_id)
