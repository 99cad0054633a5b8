#!/usr/bin/env bash
# Interop with real JavaScript clients from npm: amazon-cognito-identity-js (SRP sign-in,
# refresh, attributes, password change, global sign-out) and aws-jwt-verify (the tokens
# against the pool's JWKS), and the hosted pages in Debian's Chromium driven by
# playwright-core (browser.test.mjs; the login page's screenshot goes to
# $COGNATE_ARTIFACTS), each test file starting its own cognate.
#
#   COGNATE_BIN=target/debug/cognate scripts/interop-node.sh
#
# Needs Node.js 20+ and npm; the clients' versions are pinned in
# tests/interop/node/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${COGNATE_BIN:-}" ]; then
  echo "error: set COGNATE_BIN to the cognate binary (e.g. target/debug/cognate)" >&2
  exit 2
fi
if [ ! -x "$COGNATE_BIN" ]; then
  echo "error: COGNATE_BIN=$COGNATE_BIN is not an executable file" >&2
  exit 2
fi
COGNATE_BIN=$(cd "$(dirname "$COGNATE_BIN")" && pwd)/$(basename "$COGNATE_BIN")
export COGNATE_BIN

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "error: Node.js 20+ and npm are needed (e.g. apt-get install nodejs npm)" >&2
  exit 2
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "error: Node.js 20+ is needed, found $(node --version)" >&2
  exit 2
fi

# The browser tests drive Debian's Chromium (playwright-core never downloads one).
if [ -z "${CHROMIUM:-}" ] && ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Chromium for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "error: the browser tests need Chromium: apt-get install chromium, or set CHROMIUM" >&2
    exit 2
  fi
fi

(cd tests/interop/node && npm ci --no-audit --no-fund)
node --test tests/interop/node/
