"""Personal data at rest: encryption of ID numbers and the keyed hash that finds them.

An ID number is stored twice, never in the clear: Fernet-encrypted (AES-128-CBC with HMAC) under
``CREDITBANK_PII_KEYS`` (the first key encrypts, all of them decrypt, so keys can be rotated), and
as an HMAC-SHA256 "blind index" under ``CREDITBANK_PII_HASH_KEY`` so that "is this identity already
registered?" is one indexed lookup without decrypting anything.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.CREDITBANK_PII_KEYS])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def blind_index(*parts: str) -> str:
    """A keyed hash of the parts (e.g. ID type and number), stable across key rotation."""
    message = "\x1f".join(parts).encode()
    return hmac.new(settings.CREDITBANK_PII_HASH_KEY.encode(), message, hashlib.sha256).hexdigest()
