"""Writes on people and organisations, one module per subject; each service is one transaction
with one audit event."""

from .roles import role_grant, role_revoke

__all__ = ["role_grant", "role_revoke"]
