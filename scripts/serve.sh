#!/usr/bin/env bash
# Builds and starts the server (release build, http://127.0.0.1:9229, data in ./.cognate),
# after installing the C libraries the build needs when they are missing
# (scripts/system-packages.sh). Arguments go to `cognate serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-packages.sh
exec cargo run --release -- serve "$@"
