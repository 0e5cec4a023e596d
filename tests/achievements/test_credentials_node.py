"""The independent verifier: every kind of credential the portal issues is checked by the npm
``@digitalbazaar/vc`` stack (``eddsa-rdfc-2022`` cryptosuite, Bitstring Status List, a static
document loader — tests/vc/verify.mjs), fed with what the portal serves: the DID document from
``/.well-known/did.json`` and the status lists from their URLs. A tampered copy fails; a revoked
or suspended document's credentials keep a valid signature and are reported revoked or suspended
— the library reports the status apart from the signature, so the tests read it.

Node and the packages come with ``make setup`` (scripts/bootstrap.sh: npm ci in tests/vc). In CI
(``CI`` set) a missing Node fails these tests; elsewhere they are skipped without Node."""

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from achievements.credentials import contexts
from tests.achievements.test_credentials import proof_document

VC_DIR = Path(__file__).resolve().parents[1] / "vc"
NODE = shutil.which("node")


@pytest.fixture(scope="module")
def node():
    if NODE is None:
        message = "Node.js is needed for the independent credential verifier (tests/vc)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must have it")
        pytest.skip(message)
    if not (VC_DIR / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        pytest.fail("tests/vc/node_modules is missing: run `make setup` (npm ci in tests/vc)")
    return NODE


def _run(node, *arguments) -> dict:
    completed = subprocess.run(
        [node, str(VC_DIR / "verify.mjs"), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def _status_urls(credential: dict) -> set[str]:
    urls = {entry["statusListCredential"] for entry in credential.get("credentialStatus", [])}
    for inner in credential["credentialSubject"].get("verifiableCredential", []):
        urls |= _status_urls(inner)
    return urls


def verify(node, client, tmp_path, credentials: dict[str, dict]) -> dict[str, dict]:
    """Run the verifier once on ``{label: credential}``; its results by label."""
    did_document = json.loads(client.get("/.well-known/did.json").content)
    urls = set().union(*(_status_urls(c) for c in credentials.values()))
    status_lists = {}
    for url in sorted(urls):
        response = client.get(urlsplit(url).path)
        assert response.status_code == 200, url
        status_lists[url] = json.loads(response.content)
    source = tmp_path / "verify-input.json"
    source.write_text(
        json.dumps(
            {
                "didDocument": did_document,
                "statusLists": status_lists,
                "clrContext": str(contexts.CONTEXTS_DIR / contexts.CONTEXT_FILES[contexts.CLR_V2]),
                "credentials": [
                    {"label": label, "credential": credential}
                    for label, credential in credentials.items()
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return {result["label"]: result for result in _run(node, str(source))["results"]}


def _valid(result: dict) -> None:
    assert result["verified"], result["errors"]
    assert result["signatureVerified"] and result["statusVerified"], result["errors"]
    assert result["status"] == {"revocation": False, "suspension": False}
    for inner in result["embedded"]:
        _valid(inner)


@pytest.mark.django_db
def test_the_independent_verifier_accepts_issued_credentials_and_catches_tampering(
    node, client, tmp_path
):
    transcript = proof_document()
    proof = proof_document(kind="proof", language="en")
    revoked = proof_document(status="revoked")
    suspended = proof_document(suspended=True)
    badge = proof.credential["credentialSubject"]["verifiableCredential"][0]

    tampered = copy.deepcopy(transcript.credential)
    tampered["name"] = tampered["name"].replace("张", "弓", 1)
    tampered_badge = copy.deepcopy(badge)
    tampered_badge["credentialSubject"]["achievement"]["name"] += "!"
    tampered_inside = copy.deepcopy(transcript.credential)
    tampered_inside["credentialSubject"]["verifiableCredential"][0]["credentialSubject"][
        "creditsEarned"
    ] = 99

    results = verify(
        node,
        client,
        tmp_path,
        {
            "transcript": transcript.credential,
            "proof": proof.credential,
            "badge": badge,
            "tampered": tampered,
            "tampered badge": tampered_badge,
            "tampered inside": tampered_inside,
            "revoked": revoked.credential,
            "suspended": suspended.credential,
        },
    )

    _valid(results["transcript"])
    assert len(results["transcript"]["embedded"]) == 3
    _valid(results["proof"])
    _valid(results["badge"])

    for label in ("tampered", "tampered badge"):
        assert not results[label]["verified"]
        assert not results[label]["signatureVerified"]
    # The embedded credential's own proof fails, and so does the CLR's, which signs it too.
    assert not results["tampered inside"]["signatureVerified"]
    assert not results["tampered inside"]["embedded"][0]["signatureVerified"]
    assert results["tampered inside"]["embedded"][1]["signatureVerified"]

    # Revoked: the signature is still good; the status list says revoked.
    result = results["revoked"]
    assert result["signatureVerified"] and result["statusVerified"], result["errors"]
    assert result["status"] == {"revocation": True, "suspension": False}
    assert all(inner["status"]["revocation"] for inner in result["embedded"])
    result = results["suspended"]
    assert result["signatureVerified"] and result["statusVerified"], result["errors"]
    assert result["status"] == {"revocation": False, "suspension": True}


def test_the_portals_contexts_equal_the_published_ones_in_the_npm_packages(node):
    published = _run(node, "--contexts")
    compared = 0
    for url in contexts.CONTEXT_FILES:
        if url == contexts.CLR_V2:
            continue  # on no npm package: the verifier reads the portal's copy
        assert url in published, url
        assert contexts.context_document(url) == published[url], url
        compared += 1
    assert compared == len(contexts.CONTEXT_FILES) - 1


@pytest.mark.django_db
def test_documents_issued_by_the_services_verify_and_a_revoked_one_reads_revoked(
    node, client, tmp_path, review, reference_data
):
    """The real path: a requested transcript rendered by the services (PDF and credentials),
    and a proof revoked by the centre afterwards."""
    from achievements.services import proof as services

    review.recognised(title="老年照护实务（初级）")
    chosen = review.recognised(title="Python 程序设计")
    learner = review["learner"]
    transcript = services.document_request(
        acting_user=learner, kind="transcript", language="zh-hans", valid_days=60
    )
    proof = services.document_request(
        acting_user=learner,
        kind="proof",
        language="en",
        valid_days=30,
        achievement_ids=[chosen.pk],
    )
    transcript = services.document_render(document_id=transcript.pk)
    proof = services.document_render(document_id=proof.pk)
    assert transcript.status == proof.status == "ready"
    services.document_revoke(
        acting_user=review["centre_admin"], document=proof, reason="材料系伪造。"
    )
    transcript.refresh_from_db()
    proof.refresh_from_db()

    results = verify(
        node, client, tmp_path, {"transcript": transcript.credential, "proof": proof.credential}
    )

    _valid(results["transcript"])
    assert len(results["transcript"]["embedded"]) == 2
    revoked = results["proof"]
    assert revoked["signatureVerified"] and revoked["statusVerified"], revoked["errors"]
    assert revoked["status"] == {"revocation": True, "suspension": False}
    assert [inner["status"]["revocation"] for inner in revoked["embedded"]] == [True]
