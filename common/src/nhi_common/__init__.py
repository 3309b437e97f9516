"""Plumbing shared by the NHI services; never business rules."""
