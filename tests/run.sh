#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need, then runs
#   1. pytest on the default Python (library, listeners, CLI, AnsiTerm in Chromium),
#   2. the embedded leg: the Python 3.6 bundle under `python3.6 -I` with vendored modules only,
#   3. the smoke leg: Python 3.13 with the newest aiohttp and websockets,
#   4. the Windows leg: xwterm under a Windows CPython in Wine (Debian's wine64).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

# The interpreter itself, not a pyenv shim: a shim runs `pyenv rehash` after pip, which
# fails when another process holds (or left behind) pyenv's lock.
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
export PYTHON

step "install: Debian chromium, pip and npm test dependencies"
# Debian packages: the browser, the full-screen programs the reattach tests run, and the
# reverse proxies of the one-port tests.
packages=()
for tool in chromium vim htop mc less tmux nginx caddy; do
    command -v "$tool" >/dev/null || packages+=("$tool")
done
if [ "${#packages[@]}" -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi
"$PYTHON" -m pip install -q --disable-pip-version-check -r tests/requirements.txt
npm ci --no-audit --no-fund --loglevel=error

step "pytest: library, listeners, CLI, then the page and AnsiTerm conformance in Chromium ($("$PYTHON" --version))"
"$PYTHON" -m pytest -q -p no:cacheprovider

step "embedded leg (Python 3.6, vendored modules only)"
bash .ci/leg-py36

step "smoke leg (Python 3.13, newest aiohttp and websockets)"
bash .ci/leg-py313

step "Windows leg (Windows CPython 3.12 under Wine)"
bash .ci/leg-windows-wine
