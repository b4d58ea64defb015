"""The service's keys: how they are given, what makes one acceptable, and the sealing of stored
secrets (contact points' webhook and robot secrets) with the data key.

A key is given as text: hex (e.g. `secrets.token_hex(32)`) or base64, standard or URL-safe,
padding optional (e.g. `secrets.token_urlsafe(32)`). Text that is all hex digits is read as hex.
Raw passphrases are refused: their strength cannot be measured.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import string

from cryptography.fernet import Fernet, InvalidToken

# Development only: well known, so anything made with them proves nothing.
DEV_SECRET_KEY = "dev-insecure-secret-change-me"
MIN_SECRET_BYTES = 32
DATA_KEY_BYTES = 32
# Values published in this repository, its tests or its history: never keys in production.
KNOWN_KEYS = frozenset(
    {
        DEV_SECRET_KEY,
        "test-secret-key",
        "change-me",
        "changeme",
        "secret",
        hashlib.sha256(DEV_SECRET_KEY.encode()).hexdigest(),
    }
)
# 32 random bytes have about 30 distinct values; fewer than 16 means a pattern ("0000…", "abab…").
_MIN_DISTINCT_BYTES = 16


def decode_key(text: str) -> bytes | None:
    """The bytes of a key given as hex or base64; None when it is neither."""
    value = text.strip()
    if not value:
        return None
    if len(value) % 2 == 0 and all(c in string.hexdigits for c in value):
        return bytes.fromhex(value)
    padded = value + "=" * (-len(value) % 4)
    for altchars in (None, b"-_"):  # standard, then URL-safe
        try:
            return base64.b64decode(padded.encode("ascii"), altchars, validate=True)
        except (binascii.Error, ValueError):
            continue
    return None


def key_problem(name: str, text: str, *, exact: int | None = None) -> str | None:
    """Why `text` is not an acceptable production key (None when it is)."""
    how = f"hex or base64 of {exact or f'at least {MIN_SECRET_BYTES}'} random bytes"
    generate = 'python -c "import secrets; print(secrets.token_hex(32))"'
    if not text:
        return f"{name} is not set: give {how} (e.g. {generate})"
    if text.strip() in KNOWN_KEYS:
        return f"{name} is a published development/test value; generate one: {generate}"
    raw = decode_key(text)
    if raw is None:
        return f"{name} must be {how}; got text that is neither"
    if exact is not None and len(raw) != exact:
        return f"{name} must be {how}; got {len(raw)} bytes"
    if len(raw) < MIN_SECRET_BYTES:
        return f"{name} must be {how}; got {len(raw)} bytes"
    if len(set(raw)) < _MIN_DISTINCT_BYTES:
        return f"{name} is not random (a repeated pattern); generate one: {generate}"
    return None


def derived_data_key(secret_key: str) -> str:
    """Development and tests only: a data key derived from the (development) secret key."""
    return hashlib.sha256(b"sunlight-data-key\0" + secret_key.encode()).hexdigest()


class SecretBox:
    """Seals secrets stored in the database (Fernet: AES-128-CBC + HMAC-SHA256, from a 32-byte
    data key); they are opened only when sending."""

    def __init__(self, data_key: str) -> None:
        raw = decode_key(data_key)
        if raw is None or len(raw) != DATA_KEY_BYTES:
            raise ValueError(f"the data key must be hex or base64 of {DATA_KEY_BYTES} bytes")
        self._fernet = Fernet(base64.urlsafe_b64encode(raw))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        """The secret; ValueError when it was sealed with another key or altered."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise ValueError(
                "a stored secret cannot be opened with SUNLIGHT_DATA_KEY (another key?)"
            ) from exc
