#!/usr/bin/env bash
# Runs every test of cognate: the Rust suites (unit, store on SQLite and PostgreSQL,
# end to end through the official AWS SDK) and the interop suites with real clients
# (boto3, the AWS CLI, pycognito and signxml from PyPI, pinned in
# tests/interop/python/requirements.txt; amazon-cognito-identity-js and aws-jwt-verify
# from npm, pinned in tests/interop/node/package-lock.json; the hosted pages in Debian's
# Chromium through playwright-core, installed with apt when missing). Artifacts (the
# login page's screenshot) go to $COGNATE_ARTIFACTS, by default <target>/artifacts.
# PostgreSQL cases run when COGNATE_TEST_DATABASE_URL is set (e.g.
# postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${COGNATE_TEST_DATABASE_URL:-}" ]; then
  echo "note: COGNATE_TEST_DATABASE_URL is not set; PostgreSQL cases are skipped (listed as ignored)" >&2
fi

scripts/system-packages.sh
echo "== Rust tests"
cargo test --workspace --locked

if [ -n "${COGNATE_TEST_DATABASE_URL:-}" ]; then
  # The tests that need PostgreSQL are #[ignore]d, so that a run without it lists them
  # as skipped instead of passing them untested; here they run. The only other ignored
  # case, cognate-domain's timing of the SRP arithmetic, is skipped. The whole workspace
  # is named, as above, so that nothing is built again with other features.
  echo "== Rust tests on PostgreSQL"
  cargo test --workspace --locked --tests -- --ignored --skip timing::costs
fi

echo "== Interop: boto3 and the AWS CLI"
# The binary was built by the Rust tests above (same features, no rebuild).
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
venv="${COGNATE_VENV:-$target_dir/interop-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
# Versions pinned in tests/interop/python/requirements.txt.
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/interop/python/requirements.txt
PATH="$venv/bin:$PATH" COGNATE_BIN="$target_dir/debug/cognate" \
  "$venv/bin/python" -m unittest discover -s tests/interop/python -p 'test_*.py' -v

echo "== Interop: amazon-cognito-identity-js, aws-jwt-verify, and the hosted pages in Chromium"
COGNATE_ARTIFACTS="${COGNATE_ARTIFACTS:-$target_dir/artifacts}" COGNATE_BIN="$target_dir/debug/cognate" \
  scripts/interop-node.sh
echo "== all tests passed"
