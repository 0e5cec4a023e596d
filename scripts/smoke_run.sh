#!/usr/bin/env bash
# Start `make run` with no DATABASE_URL / REDIS_URL (embedded services), wait for /healthz to
# answer 200, check the home page is in Chinese, that gunicorn serves it with DEBUG off (the
# Chinese 404 page, static CSS, 20 requests at once), stop it as Ctrl-C would, and check that
# nothing it started is still running.
set -uo pipefail
cd "$(dirname "$0")/.."
PORT=${SMOKE_PORT:-8765}
LOG=var/smoke-run.log
mkdir -p var

leftovers() {
  # What `make run` starts, matched narrowly so that test workers of other runs do not count.
  pgrep -af "$PWD/var/pgdata|--dir $PWD/var/redis|creditbank worker -l INFO --concurrency 2 -n dev@|creditbank beat|creditbank-web-$PORT|runserver 127.0.0.1:$PORT|devservices.py run" \
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

# Served by gunicorn (master and workers), not Django's development server.
server=$(curl -s -o /dev/null -D - "http://127.0.0.1:$PORT/" | tr -d '\r' | sed -n 's/^[Ss]erver: //p')
[[ "$server" == gunicorn* ]] || fail "the web server is '$server', not gunicorn"
web=$(pgrep -f "creditbank-web-$PORT" | wc -l)
[ "$web" -ge 2 ] || fail "expected a gunicorn master and workers, found $web processes"
echo "web server: $server, $web processes"

# DEBUG off: an unknown URL gets the Chinese 404 page, not Django's list of URL patterns.
status=$(curl -s -o var/smoke-404.html -w '%{http_code}' "http://127.0.0.1:$PORT/no-such-page/")
[ "$status" = "404" ] || fail "an unknown URL answered $status, not 404"
grep -q '页面不存在' var/smoke-404.html || fail "the 404 page is not the Chinese one"
! grep -q 'URLconf' var/smoke-404.html || fail "the 404 page lists the URL patterns (DEBUG on)"
echo "404 page: Chinese, no URL patterns (DEBUG off)"

css=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "http://127.0.0.1:$PORT/static/css/site.css")
[[ "$css" == "200 text/css"* ]] || fail "static/css/site.css answered '$css'"
echo "static CSS: $css"

# 20 requests at once, each given 20 s: all must answer.
seq 1 20 | xargs -P 20 -I{} curl -s -o /dev/null -m 20 -w '%{http_code}\n' "http://127.0.0.1:$PORT/" \
  >var/smoke-concurrent.txt
answered=$(grep -c '^200$' var/smoke-concurrent.txt)
[ "$answered" = "20" ] || fail "of 20 concurrent requests $answered answered 200: $(sort var/smoke-concurrent.txt | uniq -c | tr '\n' ' ')"
echo "20 concurrent requests: all answered 200"

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
