#!/usr/bin/env bash
# The whole Otpilot test suite, on a fresh Debian 12 machine or a developer's.
#
# Installs what the tests need and is missing (Debian packages, the pinned Python venv with
# moto and the AWS CLI, the UI's npm packages, tauri-driver, cargo-deny), then runs: the
# advisory check of Cargo.lock, cargo fmt --check, clippy with -D warnings, the UI's type check
# and tests, and every Rust test; last, it builds the .deb and the CLI archive and installs them
# into a clean Debian 12 root (tests/package.sh, as root: sudo otherwise). The end-to-end
# tests start their own private D-Bus session, gnome-keyring and X server (Xvfb), so they
# never touch your real keyring or desktop.
#
# Environment:
#   OTPILOT_TEST_VENV   where the Python venv lives (default: .venv-test in the repo)
#   CARGO_TARGET_DIR    honoured as usual; CI points it at a cache outside the clone
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

say() { printf '\n==> %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------------------------
# shellcheck source=tests/apt.sh
source tests/apt.sh
apt_packages=(
  build-essential pkg-config file libssl-dev libdbus-1-dev
  dbus dbus-x11 gnome-keyring libsecret-tools oathtool bsdutils
  python3 python3-venv python3-pip
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  webkit2gtk-driver xvfb xauth at-spi2-core xclip xdotool imagemagick x11-utils libglib2.0-bin
  trayer fish zsh git swtpm swtpm-tools tpm2-tools keyutils faketime
  chromium chromium-driver
)
apt_install_missing "${apt_packages[@]}"

# --- Python test venv: moto, the AWS CLI v1, boto3, all pinned --------------------------------
export OTPILOT_TEST_VENV="${OTPILOT_TEST_VENV:-$root/.venv-test}"
stamp="$OTPILOT_TEST_VENV/.requirements.sha256"
want=$(sha256sum tests/requirements.txt | cut -d' ' -f1)
if [ ! -x "$OTPILOT_TEST_VENV/bin/moto_server" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "creating the test venv at $OTPILOT_TEST_VENV"
  rm -rf "$OTPILOT_TEST_VENV"
  python3 -m venv "$OTPILOT_TEST_VENV"
  "$OTPILOT_TEST_VENV/bin/pip" install -q --disable-pip-version-check -r tests/requirements.txt
  echo "$want" > "$stamp"
fi

# --- The UI: npm packages, type check, tests, build (the tray embeds ui/dist) ------------------
# Node 20.19+ comes with the machine image (Vite 7 needs it; Debian 12's own nodejs is 18).
command -v npm >/dev/null 2>&1 || { echo "npm not found: install Node.js 20.19 or newer" >&2; exit 1; }
say "ui: npm ci, typecheck, test, build"
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run typecheck && npm test && npm run build)

# --- tauri-driver, for the tray's WebDriver tests ----------------------------------------------
if ! command -v tauri-driver >/dev/null 2>&1; then
  say "cargo install tauri-driver"
  cargo install tauri-driver --version '^2' --locked
fi

# --- cargo-deny, for the advisory check -------------------------------------------------------
if ! cargo deny --version 2>/dev/null | grep -q '^cargo-deny 0\.20\.'; then
  say "cargo install cargo-deny"
  cargo install cargo-deny --version '=0.20.2' --locked
fi

# --- Rust -------------------------------------------------------------------------------------
say "cargo fetch (the advisory check reads every crate's manifest, offline)"
cargo fetch --locked

say "advisories: Cargo.lock against the RustSec database (offline snapshot when present)"
bash tests/advisories.sh
bash tests/advisories.sh --self-test

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "cargo build -p otpilot-tray (the e2e tests drive the real tray app)"
cargo build -p otpilot-tray --locked

say "cargo test"
cargo test --workspace --locked

say "packages: the .deb and the CLI archive installed into a clean Debian 12 root (tests/package.sh)"
if [ "$(id -u)" -eq 0 ]; then
  bash tests/package.sh
else
  # chroot and mount namespaces need root; keep this user's toolchain, caches and venv.
  sudo --preserve-env=PATH,HOME,CARGO_HOME,RUSTUP_HOME,CARGO_TARGET_DIR,CARGO_INCREMENTAL,OTPILOT_TEST_VENV,OTPILOT_CI_CACHE \
    bash tests/package.sh
fi

say "Windows (built here, tested under Wine) and the macOS type check: tests/windows.sh"
bash tests/windows.sh
