"""Requests per token and minute (``CREDITBANK_API_PER_MINUTE``), counted in the shared cache
(Redis), as ``achievements.ratelimit`` counts lookups per address.

The minute starts at a token's first request (the counter is made with a 60-second expiry and
Redis's INCR keeps it); the moment it started is kept beside it, so that a refused request is
told how many seconds remain (``Retry-After``)."""

import math
import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


def consume(token_id: int) -> int | None:
    """Count one request of token ``token_id``: ``None`` while it is within its limit, else the
    seconds until its minute ends (at least 1). ``add`` and ``incr`` are each atomic in Redis,
    so concurrent requests are all counted."""
    key = f"api:ratelimit:{token_id}"
    since_key = f"{key}:since"
    now = time.time()
    if cache.add(key, 0, timeout=WINDOW_SECONDS):
        cache.set(since_key, now, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # it expired between add and incr: the first request of a new minute
        cache.add(key, 1, timeout=WINDOW_SECONDS)
        cache.set(since_key, now, timeout=WINDOW_SECONDS)
        count = 1
    if count <= settings.CREDITBANK_API_PER_MINUTE:
        return None
    since = cache.get(since_key) or now
    return max(1, math.ceil(since + WINDOW_SECONDS - now))
