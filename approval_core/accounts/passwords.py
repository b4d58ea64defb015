"""Password hashing with argon2id (argon2-cffi, its recommended parameters): a hash carries its
own salt and parameters, so stronger parameters later re-hash on the next log-in."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)


# Verified against when the log-in name is unknown, so an unknown name costs as much time as
# a wrong password and answer times do not reveal who has an account.
DUMMY_HASH = hash_password("sunlight-no-such-account")
