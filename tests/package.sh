#!/usr/bin/env bash
# The packages, installed as a person installs them. Builds the .deb and the CLI archive
# (packaging/build-deb.sh, packaging/build-archive.sh), makes a clean Debian 12 root with
# mmdebstrap (once, cached in $OTPILOT_CI_CACHE or ~/.cache/otpilot-ci), and in a fresh copy:
#
#   1. the archive, unpacked into an empty directory without the package: --version, and
#      credential-process with store = "vault" and no D-Bus (through moto and the MFA gate);
#   2. apt-get install ./otpilot_….deb (apt resolves Depends:), then, before anything else is
#      installed: ldd of every packaged binary, --version of all three;
#   3. with the tools a desktop has (gnome-keyring, D-Bus, Xvfb, man-db, bash-completion):
#      man otpilot, bash completion of `otpilot dev<TAB>`, device add + code == oathtool and
#      credential-process against gnome-keyring, otpilot-tray's menu and agent, otpilot-window;
#   4. apt-get remove (and purge): every packaged file gone, ~/.config/otpilot and the keyring
#      untouched; installed again, the device and its seed are found.
#
# moto and the gate run outside the root (the e2e test package_root drives them); the root
# shares this machine's network. Needs root (chroot, mount namespaces) and what tests/run.sh
# installs. OTPILOT_CARGO names the cargo to run (default cargo).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
cargo_cmd=${OTPILOT_CARGO:-cargo}
t0=$(date +%s)
say() { printf '\n==> package: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
elapsed() { echo "$(($(date +%s) - $1)) s"; }

[ "$(id -u)" -eq 0 ] || fail "tests/package.sh needs root (chroot and mount namespaces for the clean Debian root)"

# --- Host tools ---------------------------------------------------------------------------
need=(mmdebstrap gpgv dpkg-dev binutils util-linux)
# shellcheck source=tests/apt.sh
source tests/apt.sh
apt_install_missing "${need[@]}"

work=$(mktemp -d /var/tmp/otpilot-package.XXXXXX)
root=$work/root
cleanup() {
  # Every mount was made in enter.sh's own namespace and is gone with it; check anyway
  # before deleting, so a leftover bind mount can never take the host's /dev with it.
  if findmnt -rn -o TARGET | grep -q "^$root"; then
    echo "package: mounts are left under $root; not deleting $work" >&2
  else
    rm -rf --one-file-system "$work"
  fi
}
trap cleanup EXIT

# --- Build --------------------------------------------------------------------------------
# OTPILOT_PACKAGE_DIST=DIR tests packages built before (DIR holds the .deb and the archive).
if [ -n "${OTPILOT_PACKAGE_DIST:-}" ]; then
  say "testing the packages in $OTPILOT_PACKAGE_DIST (not building)"
  deb=$(ls "$OTPILOT_PACKAGE_DIST"/otpilot_*_amd64.deb | tail -1)
  archive=$(ls "$OTPILOT_PACKAGE_DIST"/otpilot-*-x86_64-linux.tar.gz | tail -1)
  build_time="0 s (built before)"
else
  say "building the .deb and the archive"
  t=$(date +%s)
  [ -s ui/dist/index.html ] && export OTPILOT_UI_BUILT=${OTPILOT_UI_BUILT:-1}
  deb=$(bash packaging/build-deb.sh "$work/dist" | tail -1)
  archive=$(bash packaging/build-archive.sh "$work/dist" | tail -1)
  build_time=$(elapsed "$t")
fi
[ -s "$deb" ] && [ -s "$archive" ] || fail "no .deb or archive to test"
# What the build says it is: the archive's binary, a copy of the build tree's.
mkdir -p "$work/cli"
tar -xzf "$archive" -C "$work/cli" --wildcards '*/bin/otpilot'
want_version=$("$work"/cli/*/bin/otpilot --version)
echo "    $(basename "$deb") ($(du -h "$deb" | cut -f1)), $(basename "$archive") ($(du -h "$archive" | cut -f1)), built in $build_time: $want_version"

# --- The clean root -----------------------------------------------------------------------
cache=${OTPILOT_CI_CACHE:-$HOME/.cache/otpilot-ci}/debian-root
tarball=$cache/bookworm-minbase.tar
mkdir -p "$cache"
if [ ! -f "$tarball" ] || [ ! -s "$tarball" ] || [ -n "$(find "$tarball" -mtime +30)" ]; then
  say "mmdebstrap: a minimal Debian 12 root (cached at $tarball)"
  t=$(date +%s)
  rm -rf "$tarball" "$tarball.new"
  mmdebstrap --quiet --variant=minbase --format=tar --aptopt='APT::Sandbox::User "root"' bookworm "$tarball.new"
  mv "$tarball.new" "$tarball"
  echo "made in $(elapsed "$t")"
fi
say "a fresh copy of the clean root"
mkdir -p "$root"
tar -xf "$tarball" -C "$root"
# apt's _apt sandbox user cannot write /dev/null on machines where it is 0600 (see TESTING.md).
echo 'APT::Sandbox::User "root";' > "$root/etc/apt/apt.conf.d/99otpilot-test"
cp /etc/resolv.conf "$root/etc/resolv.conf"
install -d "$root/otpilot-test"
install -m 0644 tests/package/*.sh "$deb" "$archive" "$root/otpilot-test/"
in_root() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  bash tests/package/enter.sh "$root" "$@"; }
apt_in_root() {
  in_root env DEBIAN_FRONTEND=noninteractive apt-get "$@" -y -qq -o Dpkg::Use-Pty=0 >/dev/null ||
    fail "apt-get $* in the clean root failed"
}
in_root apt-get update -qq >/dev/null || fail "apt-get update in the clean root failed"

# The e2e test package_root runs SCRIPT inside the root with moto and the MFA gate outside,
# for a new device (serial, seed), and checks the credentials and what the gate received.
seed_of() { head -c 20 /dev/urandom | base32 | tr -d '='; }
credential_process_in_root() {
  local script=$1 seed=$2
  OTPILOT_PACKAGE_ROOT=$root OTPILOT_PACKAGE_SCRIPT=/otpilot-test/$script \
    OTPILOT_PACKAGE_SERIAL="arn:aws:iam::123456789012:mfa/package-${script%.sh}" OTPILOT_PACKAGE_SEED=$seed \
    $cargo_cmd test --workspace --locked --test e2e -- --ignored --exact \
    package_root::credential_process_in_the_clean_root --nocapture >"$work/e2e.log" 2>&1 ||
    { cat "$work/e2e.log" >&2; fail "$script failed in the clean root (see above)"; }
  grep -E '^    |^test ' "$work/e2e.log" || true
}

# --- 1. The archive, without the package ----------------------------------------------------
say "the archive in an empty directory, no package, no D-Bus"
apt_in_root install --no-install-recommends oathtool
in_root bash -c "mkdir /opt/otpilot-archive && tar -xzf /otpilot-test/$(basename "$archive") -C /opt/otpilot-archive" ||
  fail "the archive did not unpack"
got=$(in_root bash -c '/opt/otpilot-archive/otpilot-*/bin/otpilot --version') || fail "the archive's otpilot --version failed"
[ "$got" = "$want_version" ] || fail "the archive's otpilot --version says \"$got\", the build says \"$want_version\""
echo "    the archive's otpilot --version: $got"
credential_process_in_root cp-archive-vault.sh "$(seed_of)"

# --- 2. The package, alone ----------------------------------------------------------------
say "apt-get install ./$(basename "$deb")"
t=$(date +%s)
apt_in_root install --no-install-recommends "/otpilot-test/$(basename "$deb")"
install_time=$(elapsed "$t")
echo "    installed in $install_time"
in_root bash /otpilot-test/basics.sh "$want_version" || fail "the installed binaries (see above)"

# --- 3. With what a desktop has -----------------------------------------------------------
say "a desktop's tools in the root: gnome-keyring, D-Bus, Xvfb, man-db, bash-completion"
apt_in_root install --no-install-recommends gnome-keyring dbus libsecret-tools xvfb xauth x11-utils \
  man-db bash-completion libglib2.0-bin
in_root bash /otpilot-test/docs.sh || fail "man pages or completion (see above)"
keyring_seed=$(seed_of)
say "the packaged CLI with gnome-keyring: device add, code == oathtool, credential-process"
credential_process_in_root cp-keyring.sh "$keyring_seed"
say "the packaged tray under Xvfb: menu, agent, window"
credential_process_in_root cp-tray.sh "$(seed_of)"

# --- 4. Remove, purge, install again ------------------------------------------------------
say "apt-get remove / purge, then install again"
in_root bash /otpilot-test/remove.sh || fail "removing the package (see above)"
apt_in_root install --no-install-recommends "/otpilot-test/$(basename "$deb")"
in_root env OTPILOT_PACKAGE_SEED="$keyring_seed" bash /otpilot-test/reinstalled.sh ||
  fail "the reinstalled package (see above)"

say "all package checks passed in $(elapsed "$t0") (build $build_time, install $install_time)"
