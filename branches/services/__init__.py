"""Writes on the service network, one module per subject."""

from .districts import districts_load

__all__ = ["districts_load"]
