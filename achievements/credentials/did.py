"""The bank's decentralised identifier, ``did:web``, and the DID document the portal serves at
``/.well-known/did.json``.

did:web turns the portal's own address into the issuer's identity: whoever trusts the domain
can fetch the key from it. The identifier is the host (with ``%3A`` before a port) of
``CREDITBANK_SITE_URL``. A site URL with a path would need the path's segments in the DID and the
document at ``<path>/did.json``; the portal does not support that (it lives at a domain's root).
"""

from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .contexts import DID_V1, MULTIKEY_V1
from .keys import public_key_multibase

KEY_FRAGMENT = "key-1"


def issuer_did() -> str:
    """``did:web:`` + the percent-encoded host[:port] of the portal."""
    parts = urlsplit(settings.CREDITBANK_SITE_URL)
    if parts.path not in ("", "/") or not parts.hostname:
        raise ImproperlyConfigured(
            "did:web needs CREDITBANK_SITE_URL to be a domain's root (no path)."
        )
    host = parts.hostname.lower()
    if parts.port:
        host = f"{host}:{parts.port}"
    return "did:web:" + quote(host, safe="")


def verification_method_id() -> str:
    """The id of the key that signs credentials (``assertionMethod``)."""
    return f"{issuer_did()}#{KEY_FRAGMENT}"


def verification_method() -> dict:
    did = issuer_did()
    return {
        "id": verification_method_id(),
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": public_key_multibase(),
    }


def did_document() -> dict:
    """The DID document: one Multikey (Ed25519), allowed to assert credentials."""
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": issuer_did(),
        "verificationMethod": [verification_method()],
        "assertionMethod": [verification_method_id()],
    }
