#!/usr/bin/env bash
# Builds the Debian package otpilot_<version>_amd64.deb into DIR (default: dist/):
#
#   bash packaging/build-deb.sh [DIR]
#
# It holds the release binaries otpilot, otpilot-tray and otpilot-window, the desktop and
# autostart entries, the systemd user unit of the headless agent, man pages and bash/zsh/fish
# completions generated from the clap definitions, and the licences. `Depends:` comes from
# dpkg-shlibdeps over the binaries' NEEDED libraries, plus the one library the tray opens at
# run time (libayatana-appindicator), nothing needed only to build.
#
# Needs what tests/run.sh installs (Rust, Node.js 20.19+, the -dev packages) and dpkg-dev.
# Honours CARGO_TARGET_DIR. OTPILOT_UI_BUILT=1 skips `npm ci` + the UI build when ui/dist is
# already built (tests/run.sh builds it); OTPILOT_CARGO names the cargo to run.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

out=$(mkdir -p "${1:-$repo/dist}" && cd "${1:-$repo/dist}" && pwd)
for tool in dpkg-deb dpkg-shlibdeps readelf objdump python3 gzip; do
  command -v "$tool" >/dev/null || die "$tool not found: apt-get install dpkg-dev binutils python3"
done
version=$(otpilot_version)
target=$(target_dir)
work=$(mktemp -d "${TMPDIR:-/tmp}/otpilot-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ "${OTPILOT_UI_BUILT:-}" != 1 ]; then
  command -v npm >/dev/null || die "npm not found: install Node.js 20.19 or newer"
  say "the web UI (npm ci, npm run build): the window embeds ui/dist"
  npm --prefix "$repo/ui" ci --no-audit --no-fund --loglevel=error
  npm --prefix "$repo/ui" run build
fi
[ -s "$repo/ui/dist/index.html" ] || die "ui/dist is not built: run npm --prefix ui ci && npm --prefix ui run build"

build_cli_and_docs "$work/bin" >/dev/null
say "release build of the tray and the window (otpilot-tray, custom-protocol: ui/dist inside)"
(cd "$repo" && $cargo_cmd build --release --locked -p otpilot-tray)

root=$work/root
install -d "$root/DEBIAN" "$root/usr/bin"
install -m 0755 "$work/bin/otpilot" "$root/usr/bin/otpilot"
install -m 0755 "$target/release/otpilot-tray" "$target/release/otpilot-window" "$root/usr/bin/"

install -Dm 0644 "$repo/packaging/otpilot.desktop" "$root/usr/share/applications/otpilot.desktop"
install -Dm 0644 "$repo/packaging/otpilot-tray-autostart.desktop" "$root/etc/xdg/autostart/otpilot-tray.desktop"
# The unit in the repository starts a cargo-installed otpilot; the package's is in /usr/bin.
install -d "$root/usr/lib/systemd/user"
sed 's|^ExecStart=.*|ExecStart=/usr/bin/otpilot agent|' "$repo/packaging/otpilot-agent.service" \
  > "$root/usr/lib/systemd/user/otpilot-agent.service"
chmod 0644 "$root/usr/lib/systemd/user/otpilot-agent.service"
install -Dm 0644 "$repo/icons/32x32.png" "$root/usr/share/icons/hicolor/32x32/apps/otpilot-tray.png"
install -Dm 0644 "$repo/icons/128x128.png" "$root/usr/share/icons/hicolor/128x128/apps/otpilot-tray.png"
install -Dm 0644 "$repo/icons/128x128@2x.png" "$root/usr/share/icons/hicolor/256x256/apps/otpilot-tray.png"

install -d "$root/usr/share/man/man1"
for page in "$work/bin/gen/man/man1/"*.1; do
  gzip -9n < "$page" > "$root/usr/share/man/man1/$(basename "$page").gz"
done
install -Dm 0644 "$work/bin/gen/completions/otpilot.bash" "$root/usr/share/bash-completion/completions/otpilot"
install -Dm 0644 "$work/bin/gen/completions/_otpilot" "$root/usr/share/zsh/vendor-completions/_otpilot"
install -Dm 0644 "$work/bin/gen/completions/otpilot.fish" "$root/usr/share/fish/vendor_completions.d/otpilot.fish"

doc=$root/usr/share/doc/otpilot
install -d "$doc"
{
  cat <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: otpilot
Source: https://github.com/otpilot/otpilot

Files: *
Copyright: 2026 The Otpilot authors
License: MIT or Apache-2.0

License: Apache-2.0
 On Debian systems, the full text of the Apache License, Version 2.0 is in
 /usr/share/common-licenses/Apache-2.0.

License: MIT
COPYRIGHT
  sed -e 's/^$/./' -e 's/^/ /' "$repo/LICENSE-MIT"
} > "$doc/copyright"
# The Rust crates linked into the binaries, each with its licence (THIRD-PARTY.gz).
python3 "$repo/packaging/third_party.py" "$repo" | gzip -9n > "$doc/THIRD-PARTY.gz"
chmod 0644 "$doc/copyright" "$doc/THIRD-PARTY.gz"

say "Depends: from the binaries' NEEDED entries (dpkg-shlibdeps)"
mkdir -p "$work/src/debian"
printf 'Source: otpilot\n\nPackage: otpilot\nArchitecture: amd64\n' > "$work/src/debian/control"
shlibs=$(cd "$work/src" && dpkg-shlibdeps -O "$root/usr/bin/otpilot" "$root/usr/bin/otpilot-tray" \
  "$root/usr/bin/otpilot-window" 2>"$work/shlibdeps.err" | sed -n 's/^shlibs:Depends=//p') ||
  { cat "$work/shlibdeps.err" >&2; die "dpkg-shlibdeps failed"; }
[ -n "$shlibs" ] || { cat "$work/shlibdeps.err" >&2; die "dpkg-shlibdeps found no libraries"; }
# The tray's status icon library is opened at run time (dlopen), so no NEEDED entry names it.
grep -aqF 'libayatana-appindicator3.so.1' "$root/usr/bin/otpilot-tray" ||
  die "the tray no longer opens libayatana-appindicator3.so.1: update the Depends line"
depends="$shlibs, libayatana-appindicator3-1 | libappindicator3-1"

installed_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: otpilot
Version: $version
Architecture: amd64
Maintainer: The Otpilot authors <otpilot@users.noreply.github.com>
Installed-Size: $installed_kb
Depends: $depends
Recommends: gnome-keyring | keepassxc, xdg-utils
Section: utils
Priority: optional
Homepage: https://github.com/otpilot/otpilot
Description: MFA credential helper for AWS
 Otpilot keeps TOTP seeds in the OS keyring (or an encrypted vault on machines
 without one), prints MFA codes, and answers the AWS credential_process
 protocol, so the AWS CLI, SDKs, Terraform and IDEs get MFA-backed credentials
 without anyone typing a code. It also opens the AWS console for a profile.
 .
 This package holds the command-line program (otpilot), the tray app
 (otpilot-tray) and its window (otpilot-window).
CONTROL
echo /etc/xdg/autostart/otpilot-tray.desktop > "$root/DEBIAN/conffiles"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles"

deb="$out/otpilot_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
say "built $deb ($(du -h "$deb" | cut -f1)); Depends: $depends"
printf '%s\n' "$deb"
