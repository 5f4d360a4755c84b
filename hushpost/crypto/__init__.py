"""Encryption at rest with a rotatable key ring (a leaf library: imports no app)."""

from hushpost.crypto.keyring import (
    DecryptionError,
    KeyRingError,
    decrypt,
    encrypt,
    generate_key,
    keyring,
)

__all__ = ["DecryptionError", "KeyRingError", "decrypt", "encrypt", "generate_key", "keyring"]
