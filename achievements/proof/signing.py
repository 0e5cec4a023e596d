"""The bank's signature on a document's PDF: PAdES (ETSI.CAdES.detached) with pyHanko.

A reader (Acrobat, poppler's ``pdfsig``) checks that not one byte changed since the bank signed,
and names the signer; with ``CREDITBANK_PROOF_TSA_URL`` set the signature also carries a
timestamp from that authority (PAdES B-T), otherwise the signing time the signer states (B-B).
The signature is invisible (a field with no appearance) and certifies the document: no later
change is allowed, and the page count stays the same.

Who signs. Production: the bank's key and certificate from settings
(``CREDITBANK_PROOF_SIGNING_KEY`` / ``_CERT`` / ``_CHAIN`` / ``_PASSPHRASE``, PEM files; the
settings refuse to start without the first two). Elsewhere (development, tests, the benchmark):
a local CA and a signer certificate it issued, made on first use under
``CREDITBANK_PROOF_SIGNING_DIR/pdf-signer``. No reader trusts that CA — ``pdfsig`` says the
signature is valid and the issuer untrusted — which is right for a development key.

Several processes may start at once (pytest-xdist workers, Celery workers): the local CA is
written into a temporary directory beside its place and renamed into place in one step, so a
process sees either no CA or a complete one, and a process that loses the race uses the
winner's. The loaded signer is kept per process (the key file is read once, not per document).
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps

FIELD_NAME = "CreditBankSignature"
LOCAL_DIR_NAME = "pdf-signer"
SIGNER_CN = "学分银行电子证明签章 Credit Bank document signer"
# Room in the signature beside its certificates (signed attributes, the signature value: under
# 2 kB for RSA 4096), and for a timestamp token with the TSA's certificates (typically 4–8 kB).
SIGNATURE_OVERHEAD_BYTES = 4 * 1024
TIMESTAMP_BYTES = 16 * 1024
LOCAL_CA_CN = "学分银行本地开发根证书 Credit Bank development CA"


def sign_pdf(data: bytes) -> bytes:
    """``data`` (a PDF) signed by the bank: an incremental update that adds the signature and
    changes nothing the reader sees.

    pyHanko's synchronous API runs an event loop of its own (``asyncio.run``), which a thread
    already running one cannot (an async caller; Playwright's test thread): there the signing
    runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _sign(data)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_sign, data).result()


def _sign(data: bytes) -> bytes:
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        location=_issuer_name(),
    )
    timestamper = None
    if settings.CREDITBANK_PROOF_TSA_URL:
        timestamper = timestamps.HTTPTimeStamper(settings.CREDITBANK_PROOF_TSA_URL, timeout=10)
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    signer = _signer()
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper)
    reserved = _signature_room(signer, timestamped=timestamper is not None)
    return pdf_signer.sign_pdf(writer, bytes_reserved=reserved).getvalue()


def _signature_room(signer, *, timestamped: bool) -> int:
    """Room to reserve for the signature: its certificates, the rest of the CMS structure and
    a timestamp token. Given up front, pyHanko does not make a trial signature to measure it —
    which took half the signing time and, with a TSA, a second timestamp per document
    (commercial TSAs bill each one). Should it not fit, pyHanko raises: the document fails
    visibly, no broken PDF is stored."""
    certificates = len(signer.signing_cert.dump()) + sum(
        len(cert.dump()) for cert in signer.cert_registry
    )
    der = certificates + SIGNATURE_OVERHEAD_BYTES + (TIMESTAMP_BYTES if timestamped else 0)
    return 2 * der  # the PDF holds the signature in hexadecimal


def signer_name() -> str:
    """The common name of the signing certificate's subject, as a reader shows it."""
    return _signer().signing_cert.subject.native["common_name"]


# --- The signer --------------------------------------------------------------------------------


def _signer() -> signers.SimpleSigner:
    passphrase = settings.CREDITBANK_PROOF_SIGNING_PASSPHRASE
    if settings.CREDITBANK_PROOF_SIGNING_KEY and settings.CREDITBANK_PROOF_SIGNING_CERT:
        return _load_signer(
            settings.CREDITBANK_PROOF_SIGNING_KEY,
            settings.CREDITBANK_PROOF_SIGNING_CERT,
            tuple(settings.CREDITBANK_PROOF_SIGNING_CHAIN),
            passphrase,
        )
    local = local_signer_files(Path(settings.CREDITBANK_PROOF_SIGNING_DIR))
    return _load_signer(str(local["key"]), str(local["cert"]), (str(local["ca"]),), "")


@functools.lru_cache(maxsize=8)
def _load_signer(key: str, cert: str, chain: tuple[str, ...], passphrase: str):
    """The signer of these files, loaded once per process (the settings name the files, so a
    test that points them elsewhere gets its own)."""
    signer = signers.SimpleSigner.load(
        key, cert, ca_chain_files=chain or None, key_passphrase=passphrase.encode() or None
    )
    if signer is None:  # pyHanko logs the reason and returns None
        raise ImproperlyConfigured(
            f"The PDF signing key {key} and certificate {cert} could not be loaded (see the log)."
        )
    return signer


def _issuer_name() -> str:
    with translation.override("zh-hans"):
        return f"{settings.CREDITBANK_CITY_NAME}{settings.CREDITBANK_SITE_NAME}"


def local_signer_files(base: Path) -> dict[str, Path]:
    """The local CA's and signer's PEM files under ``base``, made on first use."""
    folder = base / LOCAL_DIR_NAME
    files = {
        "ca": folder / "ca.pem",
        "cert": folder / "signer.pem",
        "key": folder / "signer-key.pem",
    }
    if not files["key"].exists():
        _make_local_signer(folder)
    return files


def _make_local_signer(folder: Path) -> None:
    """Write a CA and a signer into a temporary directory, then rename it to ``folder``: the
    rename is atomic, and fails when another process got there first (then its files stand)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{LOCAL_DIR_NAME}-", dir=folder.parent))
    try:
        ca_key, ca_cert, key, cert = _local_certificates()
        _write(staging / "ca.pem", ca_cert.public_bytes(serialization.Encoding.PEM))
        _write(staging / "ca-key.pem", _pem_key(ca_key))
        _write(staging / "signer.pem", cert.public_bytes(serialization.Encoding.PEM))
        _write(staging / "signer-key.pem", _pem_key(key))
        staging.chmod(0o700)
        try:
            os.rename(staging, folder)
        except OSError:
            if not (folder / "signer-key.pem").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, settings.CREDITBANK_CITY_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _issuer_name()),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _local_certificates():
    """A CA (ten years) and a signer it issued (five years) for non-repudiation signatures, on
    P-256 keys."""
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(LOCAL_CA_CN)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(SIGNER_CN))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return ca_key, ca_cert, key, cert


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
