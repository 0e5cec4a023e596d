#!/usr/bin/env bash
# Start `make run` with no DATABASE_URL / REDIS_URL (embedded services), wait for /healthz to
# answer 200, check the home page is in Chinese, stop it as Ctrl-C would, and check that nothing
# it started is still running.
set -uo pipefail
cd "$(dirname "$0")/.."
PORT=${SMOKE_PORT:-8765}
LOG=var/smoke-run.log
mkdir -p var

leftovers() {
  # What `make run` starts, matched narrowly so that test workers of other runs do not count.
  pgrep -af "$PWD/var/pgdata|--dir $PWD/var/redis|creditbank worker -l INFO --concurrency 2 -n dev@|creditbank beat|runserver 127.0.0.1:$PORT|devservices.py run" \
    | grep -v pgrep || true
}

if [ -n "$(leftovers)" ]; then
  echo "processes from an earlier run are still there:"; leftovers; exit 1
fi

env -u DATABASE_URL -u REDIS_URL PORT="$PORT" setsid make run >"$LOG" 2>&1 &
MAKE_PID=$!
fail() { echo "SMOKE FAIL: $*"; echo "---- log"; tail -n 80 "$LOG"; kill -INT -- -"$MAKE_PID" 2>/dev/null; sleep 10; kill -KILL -- -"$MAKE_PID" 2>/dev/null; exit 1; }

status=""
for _ in $(seq 1 240); do
  status=$(curl -s -o var/smoke-healthz.json -w '%{http_code}' "http://127.0.0.1:$PORT/healthz" || true)
  [ "$status" = "200" ] && break
  kill -0 "$MAKE_PID" 2>/dev/null || fail "make run exited early"
  sleep 1
done
[ "$status" = "200" ] || fail "/healthz answered '$status': $(cat var/smoke-healthz.json 2>/dev/null)"
echo "/healthz: $(cat var/smoke-healthz.json)"

home=$(curl -s "http://127.0.0.1:$PORT/")
grep -q '<html lang="zh-Hans">' <<<"$home" || fail "home page is not marked zh-Hans"
grep -q '终身学习学分银行' <<<"$home" || fail "home page is not in Chinese"
grep -q 'learner | learner |' "$LOG" || fail "make run did not print the demo log-ins"
echo "home page: Chinese, demo log-ins printed"

# Ctrl-C: SIGINT to the whole foreground group, as a terminal would send it.
kill -INT -- -"$MAKE_PID"
for _ in $(seq 1 60); do
  kill -0 "$MAKE_PID" 2>/dev/null || break
  sleep 1
done
kill -0 "$MAKE_PID" 2>/dev/null && fail "make run did not stop within 60 s of Ctrl-C"
sleep 2
left=$(leftovers)
[ -z "$left" ] || { echo "SMOKE FAIL: processes left behind:"; echo "$left"; exit 1; }
[ -f var/pgdata/PG_VERSION ] || fail "the embedded database's data is gone"
echo "make run stopped cleanly; data kept in var/"
