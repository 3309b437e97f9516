"""The signing keys of an OpenID Connect issuer: discovered, fetched, cached and refreshed.

The JWKS is read on first use, again every `refresh_seconds` (a key the issuer stopped publishing is refused from
then on), and again when a token names a key the cache does not hold (at most every `min_refresh_seconds`, so that
tokens with made-up `kid`s cannot make the gateway hammer the issuer). An issuer rotates its keys without downtime by
publishing the new key beside the old one, signing with the new one, then withdrawing the old one.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import typing as t
import urllib.request

import jwt

log = logging.getLogger(__name__)

DISCOVERY = "/.well-known/openid-configuration"
FETCH_TIMEOUT_SECONDS = 5
MAX_DOCUMENT_BYTES = 1024 * 1024


class KeysUnavailable(Exception):
    """The issuer's keys could not be read (and none are cached)."""


def fetch_json(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 - configured URL
        doc = json.loads(response.read(MAX_DOCUMENT_BYTES + 1)[:MAX_DOCUMENT_BYTES])
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    return doc


class KeySet:
    """kid -> key of the issuer, thread-safe; lookups never wait for a periodic refresh another thread runs."""

    def __init__(
        self,
        issuer: str,
        jwks_url: str | None = None,
        *,
        refresh_seconds: float = 300,
        min_refresh_seconds: float = 30,
        fetch: t.Callable[[str], dict] = fetch_json,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer
        self._jwks_url = jwks_url
        self.refresh_seconds = refresh_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._data: dict[str, dict] = {}  # kid -> the JWK as published
        self._fetched_at = float("-inf")  # when the keys were last read (successfully)
        self._tried_at = float("-inf")  # when a read was last tried
        self._lock = threading.Lock()
        self.fetches = 0  # reads of the JWKS, for tests and logs

    def jwks_url(self) -> str:
        if self._jwks_url is None:
            doc = self._fetch(self.issuer.rstrip("/") + DISCOVERY)
            if doc.get("issuer") != self.issuer:
                # OpenID Connect Discovery 1.0, 4.3: the document must name the issuer it was fetched for.
                raise ValueError("the discovery document names another issuer")
            if not isinstance(doc.get("jwks_uri"), str):
                raise ValueError("the discovery document has no jwks_uri")
            self._jwks_url = doc["jwks_uri"]
        return self._jwks_url

    def refresh(self) -> None:
        """Read the JWKS now (raises on failure; the keys held stay as they were)."""
        self._tried_at = self._clock()
        self.fetches += 1
        doc = self._fetch(self.jwks_url())
        held = self._keys or {}
        keys: dict[str, jwt.PyJWK] = {}
        for data in doc.get("keys") or []:
            if not isinstance(data, dict) or data.get("use", "sig") != "sig" or data.get("kty") not in ("RSA", "EC"):
                continue  # encryption keys, and symmetric ("oct") keys an issuer must never have us trust
            kid = str(data.get("kid", ""))
            if kid in held and self._data.get(kid) == data:
                keys[kid] = held[kid]  # the same key object: tokens verified with it stay verified
                continue
            try:
                keys[kid] = jwt.PyJWK(data)
            except jwt.PyJWTError as exc:
                log.warning("the issuer's JWKS holds a key the gateway cannot use (%s)", type(exc).__name__)
        if not keys:
            raise ValueError("the JWKS holds no signing key")
        before = set(held)
        self._data = {kid: data for data in doc["keys"] if isinstance(data, dict) for kid in [str(data.get("kid", ""))]}
        self._keys, self._fetched_at = keys, self._clock()
        if set(keys) != before:
            log.info("issuer keys now %s (was %s)", sorted(keys), sorted(before))

    def _ensure(self, *, unknown_kid: bool = False) -> dict[str, jwt.PyJWK]:
        now = self._clock()
        if self._keys is None:
            with self._lock:
                if self._keys is None:
                    if now - self._tried_at < min(1.0, self.min_refresh_seconds):
                        raise KeysUnavailable("the issuer's keys could not be read")
                    self._try_refresh(required=True)
        elif unknown_kid:
            if now - self._tried_at >= self.min_refresh_seconds:
                with self._lock:
                    if self._clock() - self._tried_at >= self.min_refresh_seconds:
                        self._try_refresh()
        elif now - self._fetched_at >= self.refresh_seconds and now - self._tried_at >= min(
            self.min_refresh_seconds, self.refresh_seconds
        ):
            if self._lock.acquire(blocking=False):  # others go on with the keys held meanwhile
                try:
                    self._try_refresh()
                finally:
                    self._lock.release()
        return self._keys or {}

    def _try_refresh(self, *, required: bool = False) -> None:
        try:
            self.refresh()
        except Exception as exc:  # noqa: BLE001 - any failure to read keeps the keys held
            log.warning("reading the issuer's keys failed (%s)", type(exc).__name__)
            if required:
                raise KeysUnavailable("the issuer's keys could not be read") from None

    def due(self) -> bool:
        """Whether the next lookup may read the JWKS (none held yet, or the periodic read is due)."""
        return self._keys is None or self._clock() - self._fetched_at >= self.refresh_seconds

    def get(self, kid: str | None) -> jwt.PyJWK | None:
        """The key `kid` names (refreshing when it is unknown); without a kid, the only key there is."""
        keys = self._ensure()
        if kid is None:
            return next(iter(keys.values())) if len(keys) == 1 else None
        if kid not in keys:
            keys = self._ensure(unknown_kid=True)
        return keys.get(kid)

    def holds(self, key: jwt.PyJWK) -> bool:
        """Whether the key is still published (as of the last refresh, refreshed when due)."""
        return any(held is key for held in self._ensure().values())
