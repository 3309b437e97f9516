"""Command-line entry points of the gateway."""
