#!/usr/bin/env bash
# The C libraries cognate builds against, installed with apt when they are missing: SAML
# sign-in verifies XML signatures with xmlsec (through the samael crate), which links
# libxmlsec1, libxml2 and OpenSSL and generates its bindings with libclang. Sourced or run
# by scripts/serve.sh, scripts/test.sh and .ci/run before cargo builds anything.
set -euo pipefail

packages=(pkg-config libclang-dev libssl-dev libxml2-dev libxmlsec1-dev)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing ${missing[*]} with apt" >&2
  apt-get update -qq >/dev/null || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "error: building cognate needs ${missing[*]} (apt-get install ${missing[*]}, or your system's equivalents of xmlsec1, libxml2, OpenSSL and libclang with pkg-config)" >&2
  exit 2
fi
