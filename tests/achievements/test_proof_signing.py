"""The bank's PAdES signature: poppler's ``pdfsig`` finds it valid and names the signer, and one
changed byte inside the signed range makes it report the digest mismatch. Development signs
with a local CA made once under the signing folder, also when processes race to make it;
production signs with the key and certificate the settings name."""

import asyncio
import datetime
import multiprocessing
import re
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import DummyTimeStamper

from achievements.proof import signing
from creditbank.pdf import render_pdf
from tests.creditbank.test_pdf import run_poppler


@pytest.fixture(autouse=True)
def signing_folder(settings, tmp_path):
    """A signing folder of the test's own, no production key."""
    settings.CREDITBANK_PROOF_SIGNING_DIR = tmp_path / "signing"
    settings.CREDITBANK_PROOF_SIGNING_KEY = ""
    settings.CREDITBANK_PROOF_SIGNING_CERT = ""
    settings.CREDITBANK_PROOF_SIGNING_CHAIN = []
    settings.CREDITBANK_PROOF_SIGNING_PASSPHRASE = ""
    settings.CREDITBANK_PROOF_TSA_URL = ""
    return settings.CREDITBANK_PROOF_SIGNING_DIR


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return render_pdf(
        "pdf/sample.html", {"title": "学习成果证明", "body": "终身学习学分银行 学习成果证明 张三"}
    )


def pdfsig(path) -> dict[str, str]:
    """``pdfsig``'s report of the first signature, as ``{label: value}``. pdfsig exits non-zero
    when a signature does not verify, so the exit code is not checked here."""
    tool = shutil.which("pdfsig")
    if tool is None:
        pytest.fail("`pdfsig` not found: install the OS package poppler-utils")
    output = subprocess.run([tool, str(path)], capture_output=True, text=True).stdout
    assert "Signature #1:" in output, output
    report = {}
    for line in output.split("Signature #1:", 1)[1].splitlines():
        found = re.match(r"\s+- ([^:]+): (.*)$", line)
        if found:
            report[found.group(1)] = found.group(2).strip()
        elif line.strip().startswith("- "):
            report[line.strip()[2:]] = ""
    return report


def signed_file(tmp_path, data: bytes, name="signed.pdf"):
    path = tmp_path / name
    path.write_bytes(signing.sign_pdf(data))
    return path


def test_pdfsig_finds_the_signature_valid_and_names_the_signer(tmp_path, unsigned):
    report = pdfsig(signed_file(tmp_path, unsigned))
    assert report["Signature Validation"] == "Signature is Valid."
    assert report["Signer Certificate Common Name"] == signing.SIGNER_CN
    assert signing.signer_name() == signing.SIGNER_CN
    assert report["Signature Type"] == "ETSI.CAdES.detached"
    assert "Total document signed" in report
    # The local CA is nobody's trust anchor, and pdfsig says so.
    assert "Certificate Validation" in report


def test_one_changed_byte_inside_the_signed_range_is_a_digest_mismatch(tmp_path, unsigned):
    path = signed_file(tmp_path, unsigned)
    data = bytearray(path.read_bytes())
    ranges = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    first_end = int(ranges.group(2))
    # A byte inside the first stream's data (content or font): inside the signed range and
    # outside the signature's /Contents, which the range leaves out.
    stream = data.index(b"stream\n") + len(b"stream\n") + 20
    assert stream < first_end
    data[stream] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    report = pdfsig(tampered)
    assert report["Signature Validation"] == "Digest Mismatch."


def test_signing_keeps_the_pages_and_the_text_and_shows_nothing(tmp_path, unsigned):
    before = tmp_path / "unsigned.pdf"
    before.write_bytes(unsigned)
    after = signed_file(tmp_path, unsigned)
    info = {p: run_poppler("pdfinfo", str(p)) for p in (before, after)}
    pages = {p: re.search(r"^Pages:\s+(\d+)", info[p], re.MULTILINE).group(1) for p in info}
    assert pages[before] == pages[after]
    text = {p: run_poppler("pdftotext", "-enc", "UTF-8", str(p), "-") for p in info}
    assert text[before] == text[after]
    # An incremental update: the signed file begins with the unsigned bytes, unchanged.
    assert after.read_bytes().startswith(unsigned)


def test_the_local_signer_is_issued_by_a_local_ca_for_signatures(signing_folder):
    files = signing.local_signer_files(signing_folder)
    ca = x509.load_pem_x509_certificate(files["ca"].read_bytes())
    cert = x509.load_pem_x509_certificate(files["cert"].read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment  # nonRepudiation
    assert cert.issuer == ca.subject
    ca.public_key().verify(
        cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm)
    )
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "重庆市终身学习学分银行"
    )
    assert oct(files["key"].stat().st_mode & 0o777) == "0o600"


def _make_local(folder: str) -> bytes:
    return signing.local_signer_files(Path(folder))["cert"].read_bytes()


def test_processes_racing_to_make_the_local_ca_end_with_one(signing_folder):
    context = multiprocessing.get_context("fork")
    with context.Pool(6) as pool:
        certificates = pool.map(_make_local, [str(signing_folder)] * 12)
    assert len(set(certificates)) == 1
    # One signer folder, no half-written staging folder left behind.
    assert [p.name for p in signing_folder.iterdir()] == [signing.LOCAL_DIR_NAME]


# --- Production: the bank's own key and certificate from settings -----------------------------


def _certificate(subject: str, key, issuer_name=None, issuer_key=None, *, ca=False):
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
    return builder.sign(issuer_key or key, hashes.SHA256())


def test_production_signs_with_the_key_and_certificate_the_settings_name(
    settings, tmp_path, unsigned
):
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _certificate("某市数字证书认证中心 Test Root CA", root_key, ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    common_name = "重庆市终身学习学分银行 电子签章"
    cert = _certificate(common_name, key, root.subject, root_key)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"correct horse"),
        )
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    settings.CREDITBANK_PROOF_SIGNING_KEY = str(tmp_path / "key.pem")
    settings.CREDITBANK_PROOF_SIGNING_CERT = str(tmp_path / "cert.pem")
    settings.CREDITBANK_PROOF_SIGNING_CHAIN = [str(tmp_path / "root.pem")]
    settings.CREDITBANK_PROOF_SIGNING_PASSPHRASE = "correct horse"

    report = pdfsig(signed_file(tmp_path, unsigned))
    assert report["Signature Validation"] == "Signature is Valid."
    assert report["Signer Certificate Common Name"] == common_name
    assert signing.signer_name() == common_name
    # Nothing was made in the development folder.
    assert not (settings.CREDITBANK_PROOF_SIGNING_DIR / signing.LOCAL_DIR_NAME).exists()


def test_a_wrong_passphrase_is_a_configuration_error(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"right"),
        )
    )
    cert = _certificate("Signer", key)
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    settings.CREDITBANK_PROOF_SIGNING_KEY = str(tmp_path / "key.pem")
    settings.CREDITBANK_PROOF_SIGNING_CERT = str(tmp_path / "cert.pem")
    settings.CREDITBANK_PROOF_SIGNING_PASSPHRASE = "wrong"
    with pytest.raises(ImproperlyConfigured):
        signing.signer_name()


# --- A timestamp authority: PAdES B-T -----------------------------------------------------------


@pytest.fixture
def tsa_url():
    """An RFC 3161 timestamp authority on a local port: pyHanko's own test TSA behind a plain
    HTTP server (an outside service the bank does not run, standing in for a real one)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _certificate("Test TSA", key)
    cert = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(cert.not_valid_before_utc)
        .not_valid_after(cert.not_valid_after_utc)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append(self.headers["Content-Type"])
            answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsr", requests
    finally:
        server.shutdown()
        server.server_close()


def test_with_a_timestamp_authority_the_signature_carries_its_timestamp(
    settings, tmp_path, unsigned, tsa_url
):
    url, requests = tsa_url
    settings.CREDITBANK_PROOF_TSA_URL = url
    path = signed_file(tmp_path, unsigned)
    assert requests == ["application/timestamp-query"]
    assert pdfsig(path)["Signature Validation"] == "Signature is Valid."
    signature = PdfFileReader(BytesIO(path.read_bytes())).embedded_signatures[0]
    unsigned_attrs = signature.signer_info["unsigned_attrs"].native
    assert [a["type"] for a in unsigned_attrs] == ["signature_time_stamp_token"]


def test_without_a_timestamp_authority_there_is_no_timestamp(tmp_path, unsigned):
    path = signed_file(tmp_path, unsigned)
    signature = PdfFileReader(BytesIO(path.read_bytes())).embedded_signatures[0]
    assert not signature.signer_info["unsigned_attrs"].native


def test_signing_works_in_a_thread_that_runs_an_event_loop(tmp_path, unsigned):
    """pyHanko's synchronous API starts an event loop of its own; called from a coroutine (an
    async caller, Playwright's test thread) it signs in a thread of its own instead of failing."""

    async def sign_here() -> bytes:
        return signing.sign_pdf(unsigned)

    # A thread of its own, so that the test's thread (which may run Playwright's loop when a
    # browser test ran before in this process) does not matter.
    with ThreadPoolExecutor(max_workers=1) as pool:
        signed = pool.submit(asyncio.run, sign_here()).result()
    path = tmp_path / "signed-in-a-loop.pdf"
    path.write_bytes(signed)
    assert pdfsig(path)["Signature Validation"] == "Signature is Valid."
