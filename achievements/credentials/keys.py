"""The bank's Ed25519 key for credentials (``eddsa-rdfc-2022``).

Production names a PEM file in ``CREDITBANK_CREDENTIAL_KEY`` (settings refuse to start without
it). Elsewhere a key is made on first use in ``CREDITBANK_PROOF_SIGNING_DIR`` — the PDF signer's
folder — as ``credential-ed25519.pem``. Several processes may start at once (web workers, Celery
workers, parallel tests): each writes its candidate to a private temporary file and links it into
place, which succeeds for exactly one of them; the others read the winner's key.
"""

import contextlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEVELOPMENT_KEY_FILE = "credential-ed25519.pem"
# Multicodec prefix of an Ed25519 public key (0xed, as an unsigned varint: 0xed 0x01).
ED25519_PUB_MULTICODEC = b"\xed\x01"


def key_path() -> Path:
    """The PEM file of the signing key: the configured one, or the development one."""
    if settings.CREDITBANK_CREDENTIAL_KEY:
        return Path(settings.CREDITBANK_CREDENTIAL_KEY)
    return Path(settings.CREDITBANK_PROOF_SIGNING_DIR) / DEVELOPMENT_KEY_FILE


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    handle, candidate = tempfile.mkstemp(dir=path.parent, prefix=".credential-", suffix=".pem")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(pem)
            stream.flush()
            os.fsync(stream.fileno())
        # Atomic, and never replaces a key someone else made first (theirs is then used).
        with contextlib.suppress(FileExistsError):
            os.link(candidate, path)
    finally:
        os.unlink(candidate)


@lru_cache(maxsize=4)
def _load(path: str, configured: bool) -> Ed25519PrivateKey:
    file = Path(path)
    if not file.exists():
        if configured:
            raise ImproperlyConfigured(f"CREDITBANK_CREDENTIAL_KEY names a missing file: {path}")
        _create(file)
    key = serialization.load_pem_private_key(file.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} does not hold an Ed25519 private key.")
    return key


def signing_key() -> Ed25519PrivateKey:
    """The private key that signs every credential and status list."""
    return _load(str(key_path()), bool(settings.CREDITBANK_CREDENTIAL_KEY))


def public_key_multibase() -> str:
    """The public key as a Multikey ``publicKeyMultibase``: ``z`` + base58btc(0xed01 + key)."""
    raw = (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return "z" + base58.b58encode(ED25519_PUB_MULTICODEC + raw).decode("ascii")
