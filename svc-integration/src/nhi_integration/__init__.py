"""Inbound feeds (resident registry, pension, income) and outbound feeds to other departments."""
