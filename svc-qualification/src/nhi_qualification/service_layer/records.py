"""Corrections (2.2.1), the certificate ledger and its collection (2.1.3), and the change review list (2.3.1)."""

from __future__ import annotations

from .services import QualificationService


class RecordsService:
    def __init__(self, *, core: QualificationService) -> None:
        self.core = core
