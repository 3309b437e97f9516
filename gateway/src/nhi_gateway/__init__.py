"""The public HTTP API of the NHI suite (Connexion, OpenAPI-first)."""
