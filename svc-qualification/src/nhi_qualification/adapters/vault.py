"""My Number at rest: AES-GCM encryption and a keyed hash for look-up, from one base64 key."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class MyNumberVault:
    def __init__(self, key_b64: str) -> None:
        try:
            master = base64.b64decode(key_b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("NHI_MYNUMBER_KEY is not valid base64") from exc
        if len(master) != 32:
            raise ValueError("NHI_MYNUMBER_KEY must decode to 32 bytes")
        # Separate subkeys, so the look-up hash never reuses the encryption key.
        self._aead = AESGCM(hmac.new(master, b"nhi/mynumber/aes-gcm", hashlib.sha256).digest())
        self._hash_key = hmac.new(master, b"nhi/mynumber/lookup", hashlib.sha256).digest()

    def encrypt(self, my_number: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, my_number.encode(), b"mynumber")

    def decrypt(self, blob: bytes) -> str:
        return self._aead.decrypt(blob[:12], blob[12:], b"mynumber").decode()

    def lookup_hash(self, my_number: str) -> str:
        return hmac.new(self._hash_key, my_number.encode(), hashlib.sha256).hexdigest()
