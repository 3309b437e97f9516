"""gRPC methods of the records side: corrections, certificate ledger, change review list."""

from __future__ import annotations


class RecordsRpc:
    """Mixed into QualificationServicer; `self.records` is the RecordsService."""
