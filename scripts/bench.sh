#!/usr/bin/env bash
# Builds cognate and its benchmark in release mode and runs the benchmark.
# Arguments go to the benchmark: --seconds N --connections N --users N
# --database-url URL (--help lists them).
# `--wrk` first measures with the outside load generator wrk instead
# (scripts/bench-wrk.sh: --endpoint, --compare and --json too).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--wrk" ]]; then
  shift
  exec scripts/bench-wrk.sh "$@"
fi
cargo build --release --locked -p cognate -p cognate-bench
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
exec "$target_dir/release/cognate-bench" --binary "$target_dir/release/cognate" "$@"
