"""Model attributes kept encrypted in a text column.

    secure_pin = EncryptedText(
        "secure_pin_encrypted", binding=lambda c: f"org={c.organization_id}|id={c.id}"
    )

The associated data is "<app>.<Model>.<attribute>|<binding>", so a ciphertext
only decrypts on the row (and organization) it was written for. Every
attribute is listed in `EncryptedText.registry`, which key rotation walks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

from hushpost.crypto.keyring import decrypt, decrypt_bytes, encrypt


class EncryptedText:
    registry: ClassVar[list[tuple[type, EncryptedText]]] = []

    def __init__(self, column: str, *, binding: Callable[[Any], str], strip: bool = False):
        self.column = column
        self.binding = binding
        self.strip = strip

    def __set_name__(self, owner: type, name: str) -> None:
        self.owner = owner
        self.name = name
        EncryptedText.registry.append((owner, self))

    def aad(self, obj: Any) -> str:
        return f"{obj._meta.label}.{self.name}|{self.binding(obj)}"

    def decode(self, text: str) -> Any:
        return text

    def encode(self, value: Any) -> str:
        text = value or ""
        return text.strip() if self.strip else text

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        token = getattr(obj, self.column)
        return self.decode(decrypt(token, self.aad(obj)) if token else "")

    def __set__(self, obj: Any, value: Any) -> None:
        text = self.encode(value)
        setattr(obj, self.column, encrypt(text, self.aad(obj)) if text else "")


class EncryptedJSON(EncryptedText):
    """JSON; `empty` makes the value read when nothing is stored (and an empty
    value stores nothing)."""

    def __init__(
        self, column: str, *, binding: Callable[[Any], str], empty: Callable[[], Any] = list
    ):
        super().__init__(column, binding=binding)
        self.empty = empty

    def decode(self, text: str) -> Any:
        return json.loads(text) if text else self.empty()

    def encode(self, value: Any) -> str:
        return json.dumps(value) if value else ""


class EncryptedBytes(EncryptedText):
    """Binary content (attachments); empty content is stored as empty."""

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        token = getattr(obj, self.column)
        return decrypt_bytes(token, self.aad(obj)) if token else b""

    def __set__(self, obj: Any, value: bytes) -> None:
        setattr(obj, self.column, encrypt(value, self.aad(obj)) if value else "")
