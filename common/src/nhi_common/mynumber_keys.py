"""My Numbers at rest in every service: AES-GCM under versioned keys, with a keyed look-up hash per key version.

Keys come from the environment: NHI_MYNUMBER_KEYS holds `version:base64key` entries separated by commas and
NHI_MYNUMBER_KEY_VERSION names the current one (default: the highest); NHI_MYNUMBER_KEY alone is version 1.
Each key version derives its own AES-GCM key and its own look-up hash key, so a ciphertext and the hash stored
beside it always belong to the same version: rotating re-encrypts and re-hashes a row in one step, and a
search during a rotation asks for the hash under every configured version (`lookup_hashes`).

In a database column the version is a column of its own (svc-qualification's persons); inside text (a JSON
payload kept by svc-integration) the ciphertext carries it: `mn:v<version>:<base64 nonce+ciphertext>`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import os
from collections.abc import Mapping

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEYS = "NHI_MYNUMBER_KEYS"
CURRENT = "NHI_MYNUMBER_KEY_VERSION"
SINGLE = "NHI_MYNUMBER_KEY"
TOKEN_PREFIX = "mn:v"
_AAD = b"mynumber"


@dataclasses.dataclass(frozen=True)
class _Key:
    aead: AESGCM
    hash_key: bytes


def _derive(master_b64: str, name: str) -> _Key:
    try:
        master = base64.b64decode(master_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{name} is not valid base64") from exc
    if len(master) != 32:
        raise ValueError(f"{name} must decode to 32 bytes")
    # Separate subkeys, so the look-up hash never reuses the encryption key.
    return _Key(
        AESGCM(hmac.new(master, b"nhi/mynumber/aes-gcm", hashlib.sha256).digest()),
        hmac.new(master, b"nhi/mynumber/lookup", hashlib.sha256).digest(),
    )


class MyNumberKeys:
    """The configured key versions and the current one; encrypts under the current, decrypts under any."""

    def __init__(self, keys: Mapping[int, str], current: int | None = None) -> None:
        if not keys:
            raise ValueError(f"no My Number key: set {KEYS} (version:base64key,...) or {SINGLE}")
        self._keys = {version: _derive(key, f"{KEYS} version {version}") for version, key in keys.items()}
        self.current = max(self._keys) if current is None else current
        if self.current not in self._keys:
            raise ValueError(f"{CURRENT}={self.current} names no key of {KEYS}")

    @classmethod
    def single(cls, key_b64: str) -> MyNumberKeys:
        """One key, version 1 (NHI_MYNUMBER_KEY)."""
        try:
            return cls({1: key_b64})
        except ValueError as exc:
            raise ValueError(str(exc).replace(f"{KEYS} version 1", SINGLE)) from exc

    @classmethod
    def from_settings(cls, keys: str | None, current: str | None, single: str | None) -> MyNumberKeys:
        """From the three settings' raw values; NHI_MYNUMBER_KEY, when given beside NHI_MYNUMBER_KEYS, is version 1."""
        parsed: dict[int, str] = {}
        for entry in (keys or "").split(","):
            entry = entry.strip()
            if not entry:
                continue
            version, sep, key = entry.partition(":")
            if not sep or not version.strip().isdigit() or int(version) < 1:
                raise ValueError(f"{KEYS}: an entry is version:base64key with a version of 1 or more")
            if int(version) in parsed:
                raise ValueError(f"{KEYS}: version {int(version)} is given twice")
            parsed[int(version)] = key.strip()
        if single:
            if 1 in parsed and parsed[1] != single:
                raise ValueError(f"{SINGLE} and version 1 of {KEYS} differ")
            if not parsed:
                keys_obj = cls.single(single)
                if current and current.strip() not in ("", "1"):
                    raise ValueError(f"{CURRENT}={current} names no key of {SINGLE} (version 1)")
                return keys_obj
            parsed[1] = single
        if current is not None and current.strip() and not current.strip().isdigit():
            raise ValueError(f"{CURRENT}={current!r} is not a version number")
        return cls(parsed, int(current) if current and current.strip() else None)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MyNumberKeys:
        env = os.environ if env is None else env
        return cls.from_settings(env.get(KEYS), env.get(CURRENT), env.get(SINGLE))

    @property
    def versions(self) -> tuple[int, ...]:
        return tuple(sorted(self._keys))

    def _key(self, version: int | None) -> _Key:
        version = 1 if version is None else version  # rows written before key versions were under version 1
        try:
            return self._keys[version]
        except KeyError:
            raise ValueError(f"My Number key version {version} is not configured ({KEYS})") from None

    def encrypt(self, my_number: str) -> tuple[int, bytes]:
        """(the current version, nonce + ciphertext)."""
        nonce = os.urandom(12)
        return self.current, nonce + self._key(self.current).aead.encrypt(nonce, my_number.encode(), _AAD)

    def decrypt(self, blob: bytes, version: int | None) -> str:
        return self._key(version).aead.decrypt(blob[:12], blob[12:], _AAD).decode()

    def lookup_hash(self, my_number: str, version: int | None = None) -> str:
        """The keyed hash under `version` (the current one by default)."""
        key = self._key(self.current if version is None else version)
        return hmac.new(key.hash_key, my_number.encode(), hashlib.sha256).hexdigest()

    def lookup_hashes(self, my_number: str) -> list[str]:
        """The hash under every configured version: a search finds rows not yet rotated too."""
        return [self.lookup_hash(my_number, v) for v in self.versions]

    def seal_text(self, my_number: str) -> str:
        """A My Number as text that says its key version: `mn:v<version>:<base64>`."""
        version, blob = self.encrypt(my_number)
        return f"{TOKEN_PREFIX}{version}:{base64.b64encode(blob).decode()}"

    def open_text(self, token: str) -> str:
        version, _, data = token[len(TOKEN_PREFIX) :].partition(":")
        return self.decrypt(base64.b64decode(data), int(version))

    @staticmethod
    def is_sealed(value: object) -> bool:
        return isinstance(value, str) and value.startswith(TOKEN_PREFIX)

    def reseal_text(self, token: str) -> str:
        """The token under the current version (itself when it already is)."""
        if token.startswith(f"{TOKEN_PREFIX}{self.current}:"):
            return token
        return self.seal_text(self.open_text(token))
