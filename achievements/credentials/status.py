"""Bitstring Status Lists (W3C): the signed lists that say which credentials are revoked or
suspended, without saying which one a verifier asks about.

Each document has one index (``status_index``); list ``n`` holds the indexes
``n * STATUS_LIST_SIZE`` and up, one bit each (index 0 is the left-most bit of the first byte),
GZIP-compressed and written as multibase base64url (``u``…). A bit is set in the
``revocation`` list for a revoked or withdrawn document and in the ``suspension`` list while a
document is suspended. The signed credential is cached under a digest of its set bits, so a
change shows at once without anyone having to clear the cache.
"""

import base64
import gzip
import hashlib
from datetime import UTC, datetime

from django.core.cache import cache
from django.db.models import Max

from ..models.proof import STATUS_LIST_SIZE, ProofDocument
from .contexts import CREDENTIALS_V2
from .dataintegrity import sign
from .did import issuer_did, verification_method_id
from .issue import STATUS_PURPOSES, status_list_url
from .keys import public_key_multibase

CACHE_SECONDS = 24 * 60 * 60


def _set_indexes(number: int, purpose: str) -> list[int]:
    """The indexes (within list ``number``) whose bit is set for ``purpose``."""
    start = number * STATUS_LIST_SIZE
    documents = ProofDocument.objects.filter(
        status_index__gte=start, status_index__lt=start + STATUS_LIST_SIZE
    )
    if purpose == "revocation":
        documents = documents.filter(
            status__in=[ProofDocument.Status.REVOKED, ProofDocument.Status.WITHDRAWN]
        )
    else:
        documents = documents.filter(suspended=True)
    return sorted(index - start for index in documents.values_list("status_index", flat=True))


def encode_bits(indexes, size: int = STATUS_LIST_SIZE) -> str:
    """``u`` + base64url (no padding) of the GZIP of a ``size``-bit string with ``indexes`` set."""
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_bits(encoded: str) -> bytes:
    """The bitstring of an ``encodedList`` (for tests and checks)."""
    if not encoded.startswith("u"):
        raise ValueError("An encodedList starts with 'u' (multibase base64url).")
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def bit_is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def list_exists(number: int) -> bool:
    """Whether list ``number`` holds any document's index (others are not served)."""
    highest = ProofDocument.objects.aggregate(highest=Max("status_index"))["highest"]
    return number >= 0 and highest is not None and number <= highest // STATUS_LIST_SIZE


def _unsigned(number: int, purpose: str, indexes: list[int]) -> dict:
    url = status_list_url(number, purpose)
    return {
        "@context": [CREDENTIALS_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(),
        "validFrom": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_bits(indexes),
        },
    }


def status_list_credential(number: int, purpose: str) -> dict:
    """The signed BitstringStatusListCredential of list ``number`` for ``purpose``
    (``revocation`` or ``suspension``)."""
    if purpose not in STATUS_PURPOSES:
        raise ValueError(f"Unknown status purpose: {purpose}")
    indexes = _set_indexes(number, purpose)
    fingerprint = hashlib.sha256(
        "|".join(
            [
                status_list_url(number, purpose),
                verification_method_id(),
                public_key_multibase(),
                ",".join(map(str, indexes)),
            ]
        ).encode()
    ).hexdigest()
    key = f"credentials:status-list:{fingerprint}"
    credential = cache.get(key)
    if credential is None:
        credential = sign(_unsigned(number, purpose, indexes))
        cache.set(key, credential, CACHE_SECONDS)
    return credential


def status_lists_changed() -> None:
    """Called by the services after a revocation, withdrawal, suspension or reinstatement.
    Nothing to drop: cached lists are keyed by their bits, so the next request signs anew."""
