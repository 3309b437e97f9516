"""Burden-ratio determinations (5.6), income facts, and the population batches run as jobs (2.5.1, 8/1)."""

from __future__ import annotations

from .services import QualificationService


class BatchService:
    def __init__(self, *, core: QualificationService) -> None:
        self.core = core
