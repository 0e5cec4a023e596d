"""A counter per client address, in the shared cache (Redis), for the public verification
pages: codes, share PINs and consent codes are guessed by trying many, so each address gets
``CREDITBANK_VERIFY_PER_MINUTE`` lookups a minute across all of them.

The minute starts at an address's first attempt (the key is made with a 60-second expiry and
Redis's INCR keeps it), so a burst is never split across two clock minutes. allauth's
``ratelimit`` reads allauth's own settings and address logic; this is the few lines we need,
with the portal's ``client_ip`` (which knows the trusted proxies)."""

import math
import time

from django.conf import settings
from django.core.cache import cache

from creditbank.middleware import client_ip

WINDOW_SECONDS = 60


def window_consume(key: str, limit: int) -> int | None:
    """Count one attempt under ``key``: ``None`` while within ``limit`` for its minute, else
    the seconds until that minute ends (at least 1, for ``Retry-After``). The moment the
    minute started is kept beside the counter. ``add`` and ``incr`` are each atomic in Redis,
    so concurrent requests are all counted."""
    since_key = f"{key}:since"
    now = time.time()
    if cache.add(key, 0, timeout=WINDOW_SECONDS):
        cache.set(since_key, now, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # it expired between add and incr: the first attempt of a new minute
        cache.add(key, 1, timeout=WINDOW_SECONDS)
        cache.set(since_key, now, timeout=WINDOW_SECONDS)
        count = 1
    if count <= limit:
        return None
    since = cache.get(since_key) or now
    return max(1, math.ceil(since + WINDOW_SECONDS - now))


def consume(request, *, scope: str = "verify", limit: int | None = None) -> bool:
    """Count one attempt of ``request``'s address; ``False`` when it is over the limit for
    its current minute."""
    limit = settings.CREDITBANK_VERIFY_PER_MINUTE if limit is None else limit
    return window_consume(f"ratelimit:{scope}:{client_ip(request) or 'unknown'}", limit) is None
