"""Repositories by aggregate: all of svc-qualification's SQL lives under adapters/."""
