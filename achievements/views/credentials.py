"""Public documents verifiers fetch: the bank's DID document (did:web) and the Bitstring Status
Lists. Both are open to anyone (no personal data: a status list is bits without names), may be
cached briefly, and may be read from other origins (browser-based verifiers)."""

import json

from django.http import Http404, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from ..credentials.did import did_document as build_did_document
from ..credentials.issue import STATUS_PURPOSES
from ..credentials.status import list_exists, status_list_credential


def _json(data: dict, content_type: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type=content_type
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@cache_control(public=True, max_age=3600)
def did_document(request):
    """``/.well-known/did.json``: the DID document of ``did:web:<host>``."""
    return _json(build_did_document(), "application/did+ld+json")


@require_GET
@cache_control(public=True, no_cache=True)
def status_list(request, number: int, purpose: str):
    """A signed BitstringStatusListCredential; only lists that hold a document exist."""
    if purpose not in STATUS_PURPOSES or not list_exists(number):
        raise Http404
    return _json(status_list_credential(number, purpose), "application/vc")
