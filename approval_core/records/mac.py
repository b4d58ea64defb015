"""The keyed MACs that seal records and receipt codes: HMAC-SHA256 (the default) or HMAC-SM3
(GB/T 32905, for deployments assessed under 商用密码应用安全性评估).

SM3 comes from the OpenSSL that Python's hashlib is linked to (OpenSSL 1.1.1+ builds it unless
compiled out), so Python's own `hmac` computes HMAC-SM3 (RFC 2104, block size 64). Each record
names the MAC it carries (`CaseRecord.mac`), so a chain may mix both and old records keep theirs.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal, get_args

RecordMac = Literal["hmac-sha256", "hmac-sm3"]
MACS: tuple[str, ...] = get_args(RecordMac)
DEFAULT_MAC: RecordMac = "hmac-sha256"

_DIGESTS = {"hmac-sha256": "sha256", "hmac-sm3": "sm3"}


class MacUnavailable(LookupError):
    """A record or code names a MAC this host cannot compute (unknown, or SM3 missing)."""


def mac_problem(name: str) -> str | None:
    """Why `name` cannot be used on this host, or None when it can."""
    digest = _DIGESTS.get(name)
    if digest is None:
        return f"unknown MAC {name!r} (known: {', '.join(MACS)})"
    if digest not in hashlib.algorithms_available:
        return (
            f"{name} needs SM3, which this Python's OpenSSL does not provide "
            "(OpenSSL 1.1.1 or later built with SM3)"
        )
    return None


def mac(name: str, key: bytes, message: bytes) -> bytes:
    """The MAC `name` of `message` under `key`; MacUnavailable if it cannot be computed here."""
    problem = mac_problem(name)
    if problem is not None:
        raise MacUnavailable(problem)
    return hmac.digest(key, message, _DIGESTS[name])
