#!/usr/bin/env bash
# Builds and starts the Otpilot tray app on a fresh Debian 12 desktop: installs the system
# packages it needs, builds the web UI and both binaries (release), then starts the tray with
# its window open. The `otpilot` CLI is built beside it (target/release/otpilot).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(build-essential pkg-config file libssl-dev libdbus-1-dev libwebkit2gtk-4.1-dev
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev gnome-keyring)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v npm >/dev/null 2>&1 || { echo "npm not found: install Node.js 20.19 or newer" >&2; exit 1; }
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build)
cargo build --release --locked -p otpilot -p otpilot-tray
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "no desktop session (DISPLAY/WAYLAND_DISPLAY unset): start the tray from your desktop with $target_dir/release/otpilot-tray --open" >&2
  exit 1
fi
exec "$target_dir/release/otpilot-tray" --open
