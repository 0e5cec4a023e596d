"""Counting the refused requests of anonymous visitors, so that a flood writes a bounded number
of audit events.

Audit events can never be updated, so the counting is done in Redis and written to the log once a
minute is over. Per client address, action (``access.refused``, ``access.not_found``) and UTC
minute:

- the first refusal is recorded at once as its own event, as a signed-in person's refusals always
  are;
- every further one is only counted, and ``refusal_counts_flush`` (a Celery beat job, every
  minute) writes one ``<action>_aggregate`` event with the count.

Across all addresses at most ``CREDITBANK_ANON_REFUSAL_EVENTS_PER_MINUTE`` (address, action) pairs
a minute get events of their own; the refusals of any further address are folded into one tally
per action (object ``*``), so that many addresses cannot flood the log either. A minute therefore
writes at most twice that limit plus two events, whatever arrives.

Redis layout (under the cache's key prefix): one hash per minute (``refusals:minute:<n>``, field
``"<action> <address>"`` → refusals not yet written, ``"#"`` → pairs recorded on their own); a
sorted set of the minutes holding counts; a set of claimed hashes waiting to be written. Counts
live for ``COUNT_TTL`` seconds: a beat outage longer than that loses them.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction

from .audit import audit_record, request_origin
from .models import AuditEvent

AGGREGATE_SUFFIX = "_aggregate"
FOLDED = "*"  # the object of the tally of addresses beyond the per-minute limit
COUNT_TTL = 2 * 24 * 3600
_FLUSH_LOCK_KEY = 0x0A0D17_F1A5  # any constant unique to the flush

# Atomic, so that concurrent requests of one address record exactly one event between them and
# no more than the limit of addresses is ever recorded in a minute.
# KEYS: the minute's hash, the pending minutes. ARGV: field, folded field, limit, minute, ttl.
# Returns 1 when the refusal is to be recorded as its own event, 0 when it was only counted.
_COUNT_SCRIPT = """
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[5])
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
  return 0
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
if tonumber(redis.call('HGET', KEYS[1], '#') or '0') < tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], ARGV[1], 0)
  redis.call('HINCRBY', KEYS[1], '#', 1)
  return 1
end
redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
return 0
"""


def _redis():
    # The cache's own client (its connection pool and server); Django's cache API has no
    # hashes, sorted sets or scripts, which the atomic counting and claiming need.
    return caches["default"]._cache.get_client(write=True)


def _key(name: str) -> str:
    return caches["default"].make_key(f"refusals:{name}")


def _minute(timestamp: float) -> int:
    return int(timestamp // 60)


def _minute_label(minute: int) -> str:
    return datetime.fromtimestamp(minute * 60, UTC).strftime("%Y-%m-%dT%H:%MZ")


def anonymous_refusal_count(*, action: str, source: str) -> bool:
    """Count one refusal of an anonymous ``source`` (a client address); return whether it is
    the first of that source, action and minute, within the per-minute limit, and so is to be
    recorded as its own event by the caller. Every other one is left to ``refusal_counts_flush``.
    """
    minute = _minute(time.time())
    recorded = _redis().register_script(_COUNT_SCRIPT)(
        keys=[_key(f"minute:{minute}"), _key("pending")],
        args=[
            f"{action} {source}",
            f"{action} {FOLDED}",
            settings.CREDITBANK_ANON_REFUSAL_EVENTS_PER_MINUTE,
            minute,
            COUNT_TTL,
        ],
    )
    return bool(recorded)


def refusal_counts_flush() -> int:
    """Write the counts of every minute that is over as ``<action>_aggregate`` events, one per
    address and action, and forget them; return the number of events written.

    Safe to run twice or at once, and loses no count: runs take turns on a PostgreSQL advisory
    lock (a run that finds it taken returns; the holder writes what there is). A minute's hash is
    claimed with one atomic RENAME, so a refusal counted meanwhile starts a new hash for the next
    run. Each claim is written in one transaction whose events carry its name (``batch``), and
    forgotten only after that commit: a run that fails leaves the claim to the next run, and a
    claim whose events were committed is never written again.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_FLUSH_LOCK_KEY])
        if not cursor.fetchone()[0]:
            return 0
    try:
        client = _redis()
        current, pending, claims = _minute(time.time()), _key("pending"), _key("claims")
        for minute in client.zrangebyscore(pending, "-inf", current - 1):
            minute = int(minute)
            claim = _key(f"claim:{minute}:{uuid.uuid4().hex}")
            pipe = client.pipeline(transaction=True)
            pipe.rename(_key(f"minute:{minute}"), claim)  # fails if it expired: nothing to do
            pipe.sadd(claims, claim)
            pipe.expire(claims, COUNT_TTL)
            pipe.zrem(pending, minute)
            pipe.execute(raise_on_error=False)
        claimed = sorted(c.decode() for c in client.smembers(claims))
        return sum(_claim_write(client, claims, claim) for claim in claimed)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_FLUSH_LOCK_KEY])


@transaction.atomic
def _claim_write(client, claims: str, claim: str) -> int:
    # One claim per transaction: the audit chain's lock is held for one minute's events only.
    batch = claim.rsplit("claim:", 1)[1]
    minute = int(batch.split(":")[0])
    transaction.on_commit(lambda: _claims_forget(claims, claim))
    already = AuditEvent.objects.filter(
        action__endswith=AGGREGATE_SUFFIX,
        # Written after the minute (an hour's margin for the clocks of other machines).
        created_at__gte=datetime.fromtimestamp(minute * 60 - 3600, UTC),
        summary__after__batch=batch,
    ).exists()
    if already:
        return 0
    written = 0
    for field, value in sorted(client.hgetall(claim).items()):
        field, count = field.decode(), int(value)
        if field == "#" or count == 0:
            continue
        action, source = field.split(" ", 1)
        folded = source == FOLDED
        if folded:
            note = (
                f"{count} refusals from addresses beyond the limit of "
                f"{settings.CREDITBANK_ANON_REFUSAL_EVENTS_PER_MINUTE} recorded addresses "
                f"in the minute from {_minute_label(minute)}"
            )
        else:
            note = f"{count} further refusals from this address in the minute from "
            note += _minute_label(minute)
        # The event's IP address is the counted address, as it is for the single events.
        token = request_origin.set((None if folded else source, ""))
        try:
            audit_record(
                actor=None,
                action=f"{action}{AGGREGATE_SUFFIX}",
                object_type="address",
                object_id=source[:64],
                after={"minute": _minute_label(minute), "count": count, "batch": batch},
                note=note,
            )
        finally:
            request_origin.reset(token)
        written += 1
    return written


def _claims_forget(claims: str, claim: str) -> None:
    pipe = _redis().pipeline(transaction=True)
    pipe.delete(claim)
    pipe.srem(claims, claim)
    pipe.execute()
