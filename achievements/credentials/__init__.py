"""Verifiable credentials (W3C VC 2.0) for proof documents.

Each ready document is also issued as an Open Badges 3.0 ``OpenBadgeCredential`` per achievement,
embedded in one CLR 2.0 ``ClrCredential``, secured with Data Integrity ``eddsa-rdfc-2022`` by the
bank's ``did:web`` identity (``did.py``, ``keys.py``, ``dataintegrity.py``, ``issue.py``).
Revocation and suspension are published as signed Bitstring Status Lists (``status.py``).
JSON-LD contexts come from ``static/contexts/`` only (``contexts.py``): nothing is fetched from
the network when a credential is issued or checked.
"""
