"""gRPC methods of the batch side: burden ratio, income facts, jobs."""

from __future__ import annotations


class BatchesRpc:
    """Mixed into QualificationServicer; `self.batches` is the BatchService."""
