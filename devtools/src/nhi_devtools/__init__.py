"""Development tools of the NHI suite: the local supervisor, an embedded NATS server, test databases.

Installed into .venv by make, never into a service image; production packages do not import it.
"""
