#!/usr/bin/env bash
# Builds the release binary and the test venv if needed, then runs the benchmarks.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export OTPILOT_TEST_VENV="${OTPILOT_TEST_VENV:-$PWD/.venv-test}"
if [ ! -x "$OTPILOT_TEST_VENV/bin/moto_server" ]; then
  python3 -m venv "$OTPILOT_TEST_VENV"
  "$OTPILOT_TEST_VENV/bin/pip" install -q -r tests/requirements.txt
fi
cargo build --release --locked --bin otpilot
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
OTPILOT_BIN="$target_dir/release/otpilot" "$OTPILOT_TEST_VENV/bin/python" bench/credential_process.py
