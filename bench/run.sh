#!/usr/bin/env bash
# Builds the release binaries and the test venv if needed, then runs the benchmarks
# (credential_process against botocore and the AWS CLI; codes from the TPM beside the keyring;
# the tray: agent, memory, start-up).
# Needs the packages tests/run.sh installs (gnome-keyring, Xvfb, ...).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export OTPILOT_TEST_VENV="${OTPILOT_TEST_VENV:-$PWD/.venv-test}"
if [ ! -x "$OTPILOT_TEST_VENV/bin/moto_server" ]; then
  python3 -m venv "$OTPILOT_TEST_VENV"
  "$OTPILOT_TEST_VENV/bin/pip" install -q -r tests/requirements.txt
fi
command -v npm >/dev/null 2>&1 || { echo "npm not found: install Node.js 20.19 or newer" >&2; exit 1; }
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build)
cargo build --release --locked -p otpilot -p otpilot-tray
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
export OTPILOT_BIN="$target_dir/release/otpilot" OTPILOT_TRAY_BIN="$target_dir/release/otpilot-tray"
"$OTPILOT_TEST_VENV/bin/python" bench/credential_process.py
echo
"$OTPILOT_TEST_VENV/bin/python" bench/tpm.py
echo
"$OTPILOT_TEST_VENV/bin/python" bench/tray.py
echo
"$OTPILOT_TEST_VENV/bin/python" bench/organization.py
