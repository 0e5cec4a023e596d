#!/bin/sh
# Checks of the files in deploy/ that need no Docker daemon, cluster, database or root:
#   sh deploy/validate.sh
# (Django's own deployment checks are `make check-deploy`.) Each check that needs a tool this
# machine lacks says SKIP instead of failing; the exit status is non-zero if any check that ran
# failed.
#
#   PYTHON       the project's interpreter (default .venv/bin/python, else python3)
#   YAML_PYTHON  an interpreter with PyYAML, if the project's has none (PyYAML is not a project
#                dependency)
set -u
cd "$(dirname "$0")/.." || exit 2

if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Byte-code of anything compiled or imported here goes to the scratch directory.
export PYTHONPYCACHEPREFIX="$tmp/pycache"

pass() { printf 'ok    %s\n' "$1"; }
fail() { printf 'FAIL  %s\n' "$1"; failed=1; }
skip() { printf 'SKIP  %s\n' "$1"; }
run() {  # run <description> <command...>: show the command's output only when it fails
    description=$1; shift
    if "$@" >"$tmp/out" 2>&1; then pass "$description"; else fail "$description"; sed 's/^/      /' "$tmp/out"; fi
}

# Production mode with throwaway values: nothing here connects to a database or signs (the key
# files are read when a document is signed, not at start, so their paths need not exist).
production_env() {
    env CREDITBANK_PRODUCTION=1 \
        SECRET_KEY="validate-deploy-$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(48))')" \
        ALLOWED_HOSTS=creditbank.example.org \
        CSRF_TRUSTED_ORIGINS=https://creditbank.example.org \
        DATABASE_URL=postgres://check@127.0.0.1:1/check \
        REDIS_URL=redis://127.0.0.1:1/0 \
        CREDITBANK_PII_KEYS=dmFsaWRhdGUtb25seS1ub3QtYS1zZWNyZXQtMDAwMDA= \
        CREDITBANK_PII_HASH_KEY=validate-only-not-a-secret \
        CREDITBANK_AUDIT_KEY=validate-only-not-a-secret-0000000000000 \
        CREDITBANK_SITE_URL=https://creditbank.example.org \
        CREDITBANK_PROOF_SIGNING_KEY=/nonexistent/validate-only-signing-key.pem \
        CREDITBANK_PROOF_SIGNING_CERT=/nonexistent/validate-only-signing-cert.pem \
        CREDITBANK_CREDENTIAL_KEY=/nonexistent/validate-only-credential-key.pem \
        "$@"
}

# --- Python files ------------------------------------------------------------------------------
run "deploy/*.py compile" "$PYTHON" -m py_compile deploy/gunicorn.conf.py deploy/healthcheck.py
run "deploy/migrate.sh parses" sh -n deploy/migrate.sh

run "gunicorn --check-config loads deploy/gunicorn.conf.py and the WSGI app" \
    production_env "$PYTHON" -m gunicorn --check-config --config deploy/gunicorn.conf.py \
    creditbank.wsgi:application

run "gunicorn access log has no query string or Referer" "$PYTHON" - <<'EOF'
import runpy, sys
fmt = runpy.run_path("deploy/gunicorn.conf.py")["access_log_format"]
leaks = [atom for atom in ("%(r)s", "%(q)s", "%(f)s", "{referer}", "{raw_uri}") if atom in fmt]
sys.exit(f"access_log_format contains {leaks}" if leaks else 0)
EOF

run "env.example names every variable settings.py reads" "$PYTHON" - <<'EOF'
import re, sys
settings = open("creditbank/settings.py", encoding="utf-8").read()
read = set(re.findall(r'\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', settings))
example = open("deploy/env.example", encoding="utf-8").read()
named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
missing = sorted(read - named)
sys.exit(f"not in deploy/env.example: {', '.join(missing)}" if missing else 0)
EOF

# --- YAML --------------------------------------------------------------------------------------
yaml_python=""
for candidate in ${YAML_PYTHON:-} "$PYTHON" python3; do
    if "$candidate" -c 'import yaml' 2>/dev/null; then yaml_python=$candidate; break; fi
done
if [ -n "$yaml_python" ]; then
    run "YAML parses (compose.yaml, k8s/*.yaml)" "$yaml_python" - <<'EOF'
import glob, sys, yaml
for name in ["deploy/compose.yaml", *sorted(glob.glob("deploy/k8s/*.yaml"))]:
    with open(name, encoding="utf-8") as stream:
        documents = [d for d in yaml.safe_load_all(stream) if d is not None]
    if not documents:
        sys.exit(f"{name}: empty")
EOF
else
    skip "YAML parse (no PyYAML; set YAML_PYTHON to an interpreter that has it)"
fi

if docker compose version >/dev/null 2>&1; then
    run "docker compose config" docker compose -f deploy/compose.yaml config --quiet
else
    skip "docker compose config (no docker compose plugin)"
fi

if command -v kubectl >/dev/null 2>&1; then
    run "kubectl kustomize deploy/k8s" kubectl kustomize deploy/k8s
else
    skip "kubectl kustomize (no kubectl)"
fi

if command -v kubernetes-validate >/dev/null 2>&1; then
    run "kubernetes-validate --strict deploy/k8s" sh -c \
        'kubernetes-validate --strict --quiet $(ls deploy/k8s/*.yaml | grep -v kustomization.yaml)'
else
    skip "Kubernetes schema validation (no kubernetes-validate)"
fi

# --- systemd -----------------------------------------------------------------------------------
if command -v systemd-analyze >/dev/null 2>&1; then
    # The units name /srv/creditbank/venv/bin/..., which does not exist on a build machine:
    # verify copies that run the same commands through env.
    mkdir -p "$tmp/units"
    for unit in deploy/systemd/*.service; do
        sed 's#/srv/creditbank/venv/bin/#/usr/bin/env #' "$unit" >"$tmp/units/${unit##*/}"
    done
    # verify only warns about unknown keys; any message at all counts as a failure here.
    run "systemd-analyze verify deploy/systemd/*.service" sh -c '
        cd "$1" && out=$(systemd-analyze verify --man=no ./*.service 2>&1); status=$?
        [ -z "$out" ] || printf "%s\n" "$out"; [ "$status" -eq 0 ] && [ -z "$out" ]' sh "$tmp/units"
else
    skip "systemd-analyze verify (no systemd-analyze)"
fi

# --- nginx -------------------------------------------------------------------------------------
conf=deploy/nginx/creditbank.conf
run "nginx: no location or alias for /media/" \
    sh -c '! grep -Ev "^[[:space:]]*#" "$1" | grep -Eq "location[^{]*/media|alias[^;]*media"' sh "$conf"
run "nginx: log_format has no query string or Referer" \
    sh -c '! sed -n "/^log_format/,/;/p" "$1" | grep -Eq "\\\$request[^_]|\\\$request_uri|\\\$args|\\\$query_string|\\\$arg_|\\\$http_referer"' sh "$conf"
run "nginx: client_max_body_size 12m" grep -Eq '^[[:space:]]*client_max_body_size 12m;' "$conf"

if command -v nginx >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1; then
    # nginx -t on the real file: a throwaway certificate and paths moved into a scratch prefix.
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=check \
        -keyout "$tmp/privkey.pem" -out "$tmp/fullchain.pem" >/dev/null 2>&1
    sed -e "s#/etc/nginx/tls/#$tmp/#g" \
        -e "s#/etc/nginx/creditbank/upstream.conf#$PWD/deploy/nginx/upstream.conf#" \
        -e "s#/var/log/nginx/#$tmp/#g" "$conf" >"$tmp/creditbank.conf"
    printf 'pid %s/nginx.pid;\nerror_log %s/error.log;\nevents {}\nhttp { include %s/creditbank.conf; }\n' \
        "$tmp" "$tmp" "$tmp" >"$tmp/nginx.conf"
    run "nginx -t" nginx -t -p "$tmp" -c "$tmp/nginx.conf"
else
    skip "nginx -t (no nginx or openssl)"
fi

if [ "$failed" -ne 0 ]; then
    printf '\nvalidate: some checks failed\n'
    exit 1
fi
printf '\nvalidate: all checks that could run passed\n'
