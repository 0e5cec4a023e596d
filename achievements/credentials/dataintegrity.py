"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C Data Integrity EdDSA
Cryptosuites v1.0), made with the bank's Ed25519 key.

The algorithm (the spec's "transformation", "proof configuration", "hashing" and "proof
serialization"): canonicalise the document without its proof with RDFC-1.0; canonicalise the
proof options (without ``proofValue``) under the document's ``@context``; sign
``sha256(proof options) || sha256(document)``; the signature is ``proofValue``, multibase
base58btc (``z``…). RDFC-1.0 is URDNA2015 under its standard name; PyLD produces the same
canonical N-Quads as the JavaScript implementation for every string without control
characters, whose escaping PyLD does differently — so signing refuses those (``issue.py`` never
puts them in).
"""

import hashlib
import re
from datetime import UTC, datetime

import base58
from cryptography.exceptions import InvalidSignature
from pyld import jsonld

from .contexts import document_loader
from .did import verification_method_id
from .keys import signing_key

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"

# C0 controls other than tab, newline and carriage return, and DEL: RDFC-1.0 writes them as
# \uXXXX (or \b, \f), PyLD as they are — the two canonical forms would differ.
UNSAFE_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UnsignableDocument(ValueError):
    """The document holds text that would not canonicalise the same everywhere."""


def xsd_datetime(moment: datetime) -> str:
    """An XML Schema dateTime in UTC to the second: ``2026-01-31T08:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonicalize(document: dict) -> str:
    """RDFC-1.0 canonical N-Quads of ``document`` (contexts from the local copies only)."""
    return jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": document_loader,
        },
    )


def _check_text(value) -> None:
    if isinstance(value, str):
        if UNSAFE_CHARACTERS.search(value):
            raise UnsignableDocument("Control characters cannot be signed.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


def _hash_data(unsecured: dict, proof_options: dict) -> bytes:
    config = {"@context": unsecured["@context"], **proof_options}
    config.pop("proofValue", None)
    config_hash = hashlib.sha256(canonicalize(config).encode("utf-8")).digest()
    document_hash = hashlib.sha256(canonicalize(unsecured).encode("utf-8")).digest()
    return config_hash + document_hash


def sign(document: dict, *, created: datetime | None = None) -> dict:
    """``document`` with a ``DataIntegrityProof`` (``eddsa-rdfc-2022``) by the bank's key; a
    proof already there is replaced."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    _check_text(unsecured)
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_datetime(created or datetime.now(UTC)),
        "verificationMethod": verification_method_id(),
        "proofPurpose": PROOF_PURPOSE,
    }
    signature = signing_key().sign(_hash_data(unsecured, proof))
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    return {**unsecured, "proof": proof}


def verify(document: dict) -> bool:
    """Whether ``document`` carries a valid proof by the bank's current key (our own check;
    CI also runs an independent verifier)."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        return False
    if (
        proof.get("type") != PROOF_TYPE
        or proof.get("cryptosuite") != CRYPTOSUITE
        or proof.get("proofPurpose") != PROOF_PURPOSE
        or proof.get("verificationMethod") != verification_method_id()
    ):
        return False
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return False
    try:
        signature = base58.b58decode(value[1:])
        unsecured = {key: item for key, item in document.items() if key != "proof"}
        signing_key().public_key().verify(signature, _hash_data(unsecured, proof))
    except (InvalidSignature, ValueError, jsonld.JsonLdError):
        return False
    return True
