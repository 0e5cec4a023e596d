"""The verifiable credentials of proof documents, checked on our side: the Data Integrity
proof (eddsa-rdfc-2022) signs and verifies and breaks on one changed character, the DID
document and the status lists are served, the issued credentials have the shape of Open Badges
3.0 and CLR 2.0, and the JSON-LD contexts come from the portal's own files — never the network.
The independent verifier (Node, @digitalbazaar) is in test_credentials_node.py."""

import copy
import json
import secrets
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from pyld.jsonld import JsonLdError

from achievements.credentials import contexts, dataintegrity, did, keys, status
from achievements.credentials.issue import achievement_credentials, document_credential
from achievements.models import ProofDocument
from achievements.models.proof import STATUS_LIST_SIZE
from tests.accounts.learner_factories import open_account
from tests.branches.factories import BranchCentreFactory

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _line(pk: int, title: str, credits: str, **overrides) -> dict:
    line = {
        "id": pk,
        "title": title,
        "issuer": "重庆开放大学",
        "category_zh": "在线课程",
        "category_en": "Online course",
        "obtained_on": "2025-06-30",
        "recognised_on": "2025-07-15",
        "result": "优秀",
        "level": {"number": 3, "name_zh": "三级", "name_en": "Level 3"},
        "field": "信息技术",
        "credits": credits,
        "unit_standard": {"code": "IT-301", "title": "程序设计基础"},
        "valid_until": None,
    }
    line.update(overrides)
    return line


def sample_content(kind: str = "transcript", name: str = "张三丰") -> dict:
    lines = [
        _line(101, "Python 程序设计（初级）", "12.50"),
        _line(
            102,
            '社区志愿服务 "邻里守望" 𠮷',  # quotes and a CJK Extension B character
            "3.00",
            category_zh="志愿服务",
            category_en="Volunteer service",
            result="",
            level=None,
            field="",
            unit_standard=None,
        ),
        _line(103, "Data analysis with R", "0.25", result="Pass"),
    ]
    return {
        "holder": {"name": name, "account_number": "CB00000000017"},
        "kind": kind,
        "achievements": lines,
        "groups": [],
        "conversions": [],
        "totals": {
            "achievements": len(lines),
            "credits": "15.75",
            "converted_credits": "0.00",
            "exemptions": 0,
        },
    }


def proof_document(
    *,
    kind: str = "transcript",
    language: str = "zh-hans",
    status: str = "ready",
    suspended: bool = False,
    content: dict | None = None,
) -> ProofDocument:
    """A ready (or revoked, withdrawn…) document made directly, with its credential issued."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('achievements_document_status_index')")
        index = cursor.fetchone()[0]
    account = open_account(branch=BranchCentreFactory())
    issued = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    document = ProofDocument.objects.create(
        account=account,
        kind=kind,
        language=language,
        status=status,
        code="".join(secrets.choice(CROCKFORD) for _ in range(20)),
        content=content or sample_content(kind),
        valid_days=90,
        expires_at=issued + timedelta(days=90),
        issued_at=issued,
        requested_by=account.user,
        pdf="documents/test.pdf",
        status_index=index,
        suspended=suspended,
    )
    document.credential = document_credential(document)
    document.save(update_fields=["credential"])
    # As stored: PostgreSQL's jsonb reorders keys and re-reads numbers (the signature must not
    # depend on either).
    document.refresh_from_db()
    return document


def _without_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


# --- Data Integrity ------------------------------------------------------------------------


def test_a_signed_document_verifies_and_one_changed_character_breaks_it():
    document = {
        "@context": [contexts.CREDENTIALS_V2],
        "id": "urn:uuid:7c5b6f0e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential"],
        "issuer": did.issuer_did(),
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "学分银行测试凭证",
        "credentialSubject": {"id": "urn:uuid:7c5b6f0e-0000-4000-8000-000000000002"},
    }
    signed = dataintegrity.sign(document)
    proof = signed["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == did.issuer_did() + "#key-1"
    assert proof["proofValue"].startswith("z")
    datetime.strptime(proof["created"], "%Y-%m-%dT%H:%M:%SZ")
    assert dataintegrity.verify(signed)

    tampered = copy.deepcopy(signed)
    tampered["name"] = "学分银行测试凭據"
    assert not dataintegrity.verify(tampered)
    reordered = copy.deepcopy(signed)
    reordered["proof"]["created"] = "2020-01-01T00:00:00Z"
    assert not dataintegrity.verify(reordered)


def test_signing_refuses_text_that_would_canonicalise_differently_elsewhere():
    document = {
        "@context": [contexts.CREDENTIALS_V2],
        "type": ["VerifiableCredential"],
        "name": "bell\x07",
        "credentialSubject": {"id": "urn:uuid:7c5b6f0e-0000-4000-8000-000000000003"},
    }
    with pytest.raises(dataintegrity.UnsignableDocument):
        dataintegrity.sign(document)


# --- Contexts: local files only ------------------------------------------------------------


def test_the_loader_refuses_any_url_it_does_not_hold(monkeypatch):
    _without_network(monkeypatch)
    with pytest.raises(contexts.UnknownContext):
        contexts.document_loader("https://example.org/contexts/other.jsonld")
    document = {
        "@context": ["https://example.org/contexts/other.jsonld"],
        "name": "x",
    }
    with pytest.raises(JsonLdError):
        dataintegrity.canonicalize(document)


@pytest.mark.django_db
def test_issuing_fetches_nothing_from_the_network(monkeypatch):
    document = proof_document()
    _without_network(monkeypatch)
    credential = document_credential(document)
    assert dataintegrity.verify(credential)


def test_every_context_file_is_served_as_a_static_file(client):
    for url, name in contexts.CONTEXT_FILES.items():
        assert contexts.static_url(url) == f"/static/contexts/{name}"
        response = client.get(contexts.static_url(url))
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/json"), url
        served = json.loads(b"".join(response.streaming_content))
        assert served == contexts.context_document(url)
        assert "@context" in served


def test_a_context_is_parsed_once_and_handed_out_as_a_copy():
    first = contexts.context_document(contexts.CLR_V2)
    first["@context"]["ClrCredential"] = "changed"
    assert contexts.context_document(contexts.CLR_V2)["@context"]["ClrCredential"] != "changed"
    assert contexts._parsed.cache_info().currsize >= 1


# --- Keys and the DID ----------------------------------------------------------------------


def test_the_development_key_is_made_once_even_by_many_at_once(settings, tmp_path):
    settings.CREDITBANK_CREDENTIAL_KEY = ""
    settings.CREDITBANK_PROOF_SIGNING_DIR = tmp_path / "signing"
    path = keys.key_path()
    threads = [threading.Thread(target=keys._create, args=(path,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(p.name for p in path.parent.iterdir()) == ["credential-ed25519.pem"]
    first = keys.public_key_multibase()
    keys._create(path)  # someone else made it already: kept
    keys._load.cache_clear()
    assert keys.public_key_multibase() == first
    assert first.startswith("z6Mk")  # base58btc of 0xed01 + an Ed25519 key


def test_a_configured_key_file_is_used_and_a_missing_one_refused(settings, tmp_path):
    settings.CREDITBANK_PROOF_SIGNING_DIR = tmp_path / "dev"
    settings.CREDITBANK_CREDENTIAL_KEY = str(tmp_path / "bank.pem")
    with pytest.raises(ImproperlyConfigured):
        keys.signing_key()
    keys._create(tmp_path / "bank.pem")
    assert keys.public_key_multibase().startswith("z6Mk")
    assert not (tmp_path / "dev").exists()


@pytest.mark.parametrize(
    ("site_url", "expected"),
    [
        ("http://127.0.0.1:8000", "did:web:127.0.0.1%3A8000"),
        ("https://CreditBank.example.gov.cn", "did:web:creditbank.example.gov.cn"),
        ("https://bank.example.org:8443/", "did:web:bank.example.org%3A8443"),
    ],
)
def test_the_did_is_the_sites_host(settings, site_url, expected):
    settings.CREDITBANK_SITE_URL = site_url
    assert did.issuer_did() == expected


def test_a_site_below_a_path_is_not_supported(settings):
    settings.CREDITBANK_SITE_URL = "https://example.org/creditbank"
    with pytest.raises(ImproperlyConfigured):
        did.issuer_did()


def test_the_did_document_is_served_at_the_well_known_address(client):
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+ld+json"
    assert "public" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"
    document = json.loads(response.content)
    identifier = did.issuer_did()
    assert document == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": identifier,
        "verificationMethod": [
            {
                "id": f"{identifier}#key-1",
                "type": "Multikey",
                "controller": identifier,
                "publicKeyMultibase": keys.public_key_multibase(),
            }
        ],
        "assertionMethod": [f"{identifier}#key-1"],
    }


# --- Issued credentials --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_transcript_is_a_clr_with_one_open_badge_per_achievement():
    document = proof_document()
    credential = document.credential
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "ClrCredential"]
    assert credential["name"] == "张三丰的成绩单"
    assert credential["partial"] is False
    assert credential["issuer"] == {
        "id": did.issuer_did(),
        "type": ["Profile"],
        "name": "重庆市终身学习学分银行",
    }
    assert credential["validFrom"] == document.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert credential["validUntil"] == document.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert dataintegrity.verify(credential)

    subject = credential["credentialSubject"]
    assert subject["type"] == ["ClrSubject"]
    hashed, named = subject["identifier"]
    assert hashed["hashed"] is True and hashed["identityHash"].startswith("sha256$")
    assert "CB00000000017" not in json.dumps(credential)
    assert named == {
        "type": "IdentityObject",
        "identityHash": "张三丰",
        "identityType": "name",
        "hashed": False,
    }
    badges = subject["verifiableCredential"]
    assert [badge["name"] for badge in badges] == [
        "Python 程序设计（初级）",
        '社区志愿服务 "邻里守望" 𠮷',
        "Data analysis with R",
    ]
    assert [a["id"] for a in subject["achievement"]] == [
        b["credentialSubject"]["achievement"]["id"] for b in badges
    ]
    first = badges[0]
    assert first["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert first["credentialSubject"]["creditsEarned"] == 12.5
    assert first["credentialSubject"]["result"] == [{"type": ["Result"], "value": "优秀"}]
    achievement = first["credentialSubject"]["achievement"]
    assert achievement["creditsAvailable"] == 12.5
    assert achievement["fieldOfStudy"] == "信息技术"
    assert achievement["humanCode"] == "IT-301"
    assert "程序设计基础" in achievement["criteria"]["narrative"]
    assert badges[1]["credentialSubject"]["creditsEarned"] == 3  # a whole number stays whole
    assert "result" not in badges[1]["credentialSubject"]
    assert all(dataintegrity.verify(badge) for badge in badges)


@pytest.mark.django_db
def test_issuing_again_gives_the_same_credentials():
    document = proof_document(kind="proof", language="en")
    assert document_credential(document) == document.credential
    assert (
        achievement_credentials(document)
        == document.credential["credentialSubject"]["verifiableCredential"]
    )
    assert document.credential["partial"] is True
    assert document.credential["name"] == "Proof of learning outcomes of 张三丰"
    assert document.credential["issuer"]["name"] == "Chongqing Lifelong Learning Credit Bank"


@pytest.mark.django_db
def test_each_credential_points_at_both_status_lists_at_the_documents_index(settings):
    document = proof_document()
    number, index = divmod(document.status_index, STATUS_LIST_SIZE)
    entries = document.credential["credentialStatus"]
    assert [entry["statusPurpose"] for entry in entries] == ["revocation", "suspension"]
    for entry in entries:
        assert entry["type"] == "BitstringStatusListEntry"
        assert entry["statusListIndex"] == str(index)
        assert entry["statusListCredential"] == (
            f"{settings.CREDITBANK_SITE_URL}/credentials/status/{number}/{entry['statusPurpose']}/"
        )
    for badge in document.credential["credentialSubject"]["verifiableCredential"]:
        assert badge["credentialStatus"] == entries


# --- Status lists --------------------------------------------------------------------------


def _served_list(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc"
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


@pytest.mark.django_db
def test_the_status_lists_set_the_bits_of_revoked_withdrawn_and_suspended_documents(client):
    ready = proof_document()
    revoked = proof_document(status="revoked")
    withdrawn = proof_document(status="withdrawn")
    suspended = proof_document(suspended=True)
    url = ready.credential["credentialStatus"][0]["statusListCredential"]
    credential = _served_list(client, url)
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["issuer"] == did.issuer_did()
    assert credential["id"] == url
    assert dataintegrity.verify(credential)
    subject = credential["credentialSubject"]
    assert subject["statusPurpose"] == "revocation"
    assert subject["id"] == f"{url}#list"
    bits = status.decode_bits(subject["encodedList"])
    assert len(bits) * 8 == STATUS_LIST_SIZE

    def bit(document, listing):
        return status.bit_is_set(listing, document.status_index % STATUS_LIST_SIZE)

    assert [bit(d, bits) for d in (ready, revoked, withdrawn, suspended)] == [
        False,
        True,
        True,
        False,
    ]
    suspension = _served_list(
        client, ready.credential["credentialStatus"][1]["statusListCredential"]
    )
    bits = status.decode_bits(suspension["credentialSubject"]["encodedList"])
    assert [bit(d, bits) for d in (ready, revoked, withdrawn, suspended)] == [
        False,
        False,
        False,
        True,
    ]


@pytest.mark.django_db
def test_a_revocation_shows_in_the_next_list_at_once(client):
    document = proof_document()
    url = document.credential["credentialStatus"][0]["statusListCredential"]
    index = document.status_index % STATUS_LIST_SIZE
    before = _served_list(client, url)
    assert not status.bit_is_set(
        status.decode_bits(before["credentialSubject"]["encodedList"]), index
    )
    assert _served_list(client, url) == before  # cached while nothing changes

    ProofDocument.objects.filter(pk=document.pk).update(status="revoked")
    status.status_lists_changed()
    after = _served_list(client, url)
    assert status.bit_is_set(status.decode_bits(after["credentialSubject"]["encodedList"]), index)


def test_bits_are_counted_from_the_left_of_the_first_byte():
    bits = status.decode_bits(status.encode_bits([0, 9, STATUS_LIST_SIZE - 1]))
    assert bits[0] == 0b1000_0000
    assert bits[1] == 0b0100_0000
    assert bits[-1] == 0b0000_0001
    assert sum(bin(byte).count("1") for byte in bits) == 3


@pytest.mark.django_db
def test_unknown_purposes_and_lists_beyond_the_last_index_are_not_found(client):
    document = proof_document()
    number = document.status_index // STATUS_LIST_SIZE
    assert client.get(f"/credentials/status/{number}/revocation/").status_code == 200
    assert client.get(f"/credentials/status/{number}/refresh/").status_code == 404
    assert client.get(f"/credentials/status/{number + 1}/revocation/").status_code == 404
