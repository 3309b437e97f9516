"""My Number at rest in the persons table: the shared versioned keys (nhi_common.mynumber_keys) as columns."""

from __future__ import annotations

from typing import Any

from nhi_common.mynumber_keys import MyNumberKeys


class MyNumberVault:
    """Seals a My Number into the columns my_number_enc, my_number_hash and my_number_key_version."""

    def __init__(self, keys: MyNumberKeys | str) -> None:
        self.keys = keys if isinstance(keys, MyNumberKeys) else MyNumberKeys.single(keys)

    def seal(self, my_number: str) -> dict[str, Any]:
        version, blob = self.keys.encrypt(my_number)
        return {
            "my_number_enc": blob,
            "my_number_hash": self.keys.lookup_hash(my_number, version),
            "my_number_key_version": version,
        }

    def decrypt(self, blob: bytes, version: int | None) -> str:
        return self.keys.decrypt(blob, version)

    def lookup_hashes(self, my_number: str) -> list[str]:
        return self.keys.lookup_hashes(my_number)
