#!/usr/bin/env bash
# Benchmark of otpilot.exe under Wine (bench/windows.py): builds it first with the recipe of
# tests/windows.sh (its build part only), then prints medians and ratios.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cache="${OTPILOT_CI_CACHE:-$HOME/.cache/otpilot-ci}"
export OTPILOT_TEST_VENV="${OTPILOT_TEST_VENV:-$PWD/.venv-test}"
OTPILOT_WINDOWS_PARTS=build bash tests/windows.sh
OTPILOT_WINDOWS_EXE=$(cat "$cache/windows-exe")
export OTPILOT_WINDOWS_EXE
export WINEPREFIX="$cache/wineprefix"
"$OTPILOT_TEST_VENV/bin/python" bench/windows.py
