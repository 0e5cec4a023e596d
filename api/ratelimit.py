"""Requests per token and minute (``CREDITBANK_API_PER_MINUTE``), counted in the shared cache
(Redis), by ``achievements.ratelimit``'s counter, which counts lookups per address too.

The minute starts at a token's first request (the counter is made with a 60-second expiry and
Redis's INCR keeps it); the moment it started is kept beside it, so that a refused request is
told how many seconds remain (``Retry-After``)."""

from django.conf import settings

from achievements.ratelimit import window_consume


def consume(token_id: int) -> int | None:
    """Count one request of token ``token_id``: ``None`` while it is within its limit, else the
    seconds until its minute ends (at least 1)."""
    return window_consume(f"api:ratelimit:{token_id}", settings.CREDITBANK_API_PER_MINUTE)
