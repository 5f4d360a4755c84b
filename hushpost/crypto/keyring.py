"""AES-256-GCM with a key ring from HUSHPOST_KEYS.

HUSHPOST_KEYS is "id:key,id:key" with each key 32 random bytes in URL-safe
base64. The first key encrypts; every key decrypts, so a new key can be put
first and old ciphertexts re-encrypted at leisure. Each ciphertext names its
key id, and the caller's associated data (organization, model, row) is bound
into the tag, so a ciphertext copied to another row does not decrypt.

Stored form: ``hp1.<key id>.<base64url(nonce || ciphertext+tag)>``.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from hushpost.data_dir import read_or_create

PREFIX = "hp1"
NONCE_BYTES = 12
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class KeyRingError(Exception):
    """HUSHPOST_KEYS is malformed."""


class DecryptionError(Exception):
    """A ciphertext is malformed, names an unknown key, or was tampered with."""


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def generate_key() -> str:
    return _b64encode(secrets.token_bytes(32))


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[tuple[str, bytes], ...]

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def key(self, key_id: str) -> bytes:
        for kid, key in self.keys:
            if kid == key_id:
                return key
        raise DecryptionError(f"key id {key_id!r} is not in HUSHPOST_KEYS")

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        keys: list[tuple[str, bytes]] = []
        for number, item in enumerate(filter(None, (p.strip() for p in spec.split(","))), start=1):
            kid, sep, encoded = item.partition(":")
            if not sep or not KEY_ID.match(kid):
                raise KeyRingError(
                    f"HUSHPOST_KEYS entry {number} must look like id:key, "
                    "with an id of letters, digits, - or _."
                )
            try:
                key = _b64decode(encoded)
            except ValueError:
                raise KeyRingError(f"HUSHPOST_KEYS key {kid!r} is not URL-safe base64.") from None
            if len(key) != 32:
                raise KeyRingError(
                    f"HUSHPOST_KEYS key {kid!r} is {len(key)} bytes; it must be 32 "
                    "(make one with `hushpost manage generate-key`)."
                )
            if any(kid == seen for seen, _ in keys):
                raise KeyRingError(f"HUSHPOST_KEYS names key id {kid!r} twice.")
            keys.append((kid, key))
        if not keys:
            raise KeyRingError("HUSHPOST_KEYS is empty.")
        return cls(tuple(keys))


@cache
def _development_spec(data_dir: Path) -> str:
    # The one-command demo has no HUSHPOST_KEYS: keep a generated ring in the
    # data dir so restarts can still read what was written. Cached like the file's
    # read: building its path on every decrypt showed in the conversation page's profile.
    return _read_ring_file(str(Path(data_dir) / "keys"))


@cache
def _read_ring_file(path: str) -> str:
    # Read once per process: every encrypt and decrypt asks, and a page of messages
    # would read the file once per message.
    return read_or_create(Path(path), lambda: f"dev1:{generate_key()}\n")


@cache
def _ring_for(spec: str) -> KeyRing:
    return KeyRing.parse(spec)


def keyring() -> KeyRing:
    spec = settings.HUSHPOST_KEYS or _development_spec(settings.DATA_DIR)
    return _ring_for(spec)


def encrypt(plaintext: str | bytes, aad: str) -> str:
    ring = keyring()
    data = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(ring.key(ring.current_id)).encrypt(nonce, data, aad.encode("utf-8"))
    return f"{PREFIX}.{ring.current_id}.{_b64encode(nonce + sealed)}"


def decrypt_bytes(token: str, aad: str) -> bytes:
    try:
        prefix, kid, body = token.split(".", 2)
        if prefix != PREFIX:
            raise ValueError
        raw = _b64decode(body)
    except ValueError:
        raise DecryptionError("not a Hushpost ciphertext") from None
    key = keyring().key(kid)
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad.encode("utf-8"))
    except InvalidTag:
        raise DecryptionError("ciphertext does not match its key or its row") from None


def decrypt(token: str, aad: str) -> str:
    return decrypt_bytes(token, aad).decode("utf-8")


def key_id_of(token: str) -> str:
    return token.split(".", 2)[1]


def reencrypt(token: str, aad: str) -> str:
    """The same plaintext under the current key, bound to the same associated data."""
    return encrypt(decrypt_bytes(token, aad), aad)
