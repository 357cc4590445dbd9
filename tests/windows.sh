#!/usr/bin/env bash
# Otpilot for Windows, built on this Debian machine and run under Wine, and the macOS type
# check; called by tests/run.sh (see /README.md "Platforms" for what each part proves).
#
#  1. Debian's packages for it (rustc-web's std source for -Zbuild-std, MinGW, Wine).
#  2. A private Wine prefix under the CI cache, with the Wine-only ProcessPrng shim
#     (tests/windows/processprng.c): Wine 8.0 lacks the function Rust's std imports.
#  3. The core and the CLI built for x86_64-pc-windows-gnu, in a target directory under the
#     cache keyed by rustc-web's version and Cargo.lock (older keys are removed).
#  4. The core's unit tests, run under Wine.
#  5. The end-to-end group `windows_wine` (tests/e2e/windows_wine.rs): the Linux test binary
#     drives otpilot.exe under Wine against moto behind the MFA gate. Its tests are ignored
#     in the ordinary run and FAIL when OTPILOT_WINDOWS_EXE is missing.
#  6. The macOS type check of the core and the CLI (cargo-zigbuild with zig as the C
#     compiler of the build scripts; nothing can be linked or run for macOS here).
#
# Environment:
#   OTPILOT_CI_CACHE      the cache (default ~/.cache/otpilot-ci)
#   OTPILOT_BUILD_LOCK    a lock file every build here takes (`flock -o`), for machines
#                         where other builds run beside this one; CI runs alone and sets none
#   OTPILOT_LINUX_CARGO   the cargo that builds the Linux e2e binary (default: cargo, in
#                         the CARGO_TARGET_DIR this script was given)
#   OTPILOT_WINDOWS_PARTS which parts to run (default "build unit e2e macos")
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
cache="${OTPILOT_CI_CACHE:-$HOME/.cache/otpilot-ci}"
# The Linux build's target directory (CI's cache), for the e2e part; the Windows build gets
# its own below.
linux_target_dir="${CARGO_TARGET_DIR:-}"
parts=" ${OTPILOT_WINDOWS_PARTS:-build unit e2e macos} "
say() { printf '\n==> %s\n' "$*"; }
timed() { # timed LABEL CMD...: runs CMD, then says how long it took
  local label=$1 start=$SECONDS
  shift
  "$@"
  echo "--- $label: $((SECONDS - start)) s"
}
locked() { # a build, under the shared build lock when one is given
  if [ -n "${OTPILOT_BUILD_LOCK:-}" ]; then
    flock -o "$OTPILOT_BUILD_LOCK" nice -n 10 "$@"
  else
    "$@"
  fi
}

# --- 1. Debian packages --------------------------------------------------------------------
apt_packages=(rustc-web cargo-web rust-web-src libstd-rust-web-dev gcc-mingw-w64-x86-64 wine64 wine
  python3-venv oathtool)
# shellcheck source=tests/apt.sh
source tests/apt.sh
apt_install_missing "${apt_packages[@]}"

# Debian's rustc, not rustup's: -Zbuild-std needs the std source of the very same version.
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 CARGO_INCREMENTAL=0
wcargo=/usr/bin/cargo
rustc_version=$(dpkg-query -W -f='${Version}' rustc-web)
lock_hash=$(sha256sum Cargo.lock | cut -c1-16)
key=$(printf '%s-%s' "$rustc_version" "$lock_hash" | tr -c 'A-Za-z0-9.\n-' '_')
targets="$cache/windows-target"
export CARGO_TARGET_DIR="$targets/$key"
mkdir -p "$targets"
# Bounded: only the current key's build is kept.
for old in "$targets"/*; do
  [ "$old" = "$CARGO_TARGET_DIR" ] || [ ! -e "$old" ] || { echo "removing old Windows build $old"; rm -rf "$old"; }
done

# --- 2. The Wine prefix and the ProcessPrng shim -------------------------------------------
export WINEPREFIX="$cache/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine
prefix_ready() { [ -f "$WINEPREFIX/.otpilot-wineboot" ]; }
if ! prefix_ready; then
  say "making the Wine prefix $WINEPREFIX (once)"
  rm -rf "$WINEPREFIX"
  # "failed to open syswow64\rundll32.exe" is harmless: there is no 32-bit Wine here.
  timed "wineboot" wineboot -i >/dev/null 2>&1 || true
  wineserver -w
  [ -d "$WINEPREFIX/drive_c/windows/system32" ] || { echo "wineboot made no prefix" >&2; exit 1; }
  touch "$WINEPREFIX/.otpilot-wineboot"
fi
shim="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
shim_src=(tests/windows/processprng.c tests/windows/bcryptprimitives.def)
shim_stamp="$WINEPREFIX/.otpilot-shim.sha256"
shim_hash=$(cat "${shim_src[@]}" | sha256sum | cut -d' ' -f1)
if [ ! -f "$shim" ] || [ "$(cat "$shim_stamp" 2>/dev/null)" != "$shim_hash" ]; then
  say "building the Wine-only ProcessPrng shim"
  x86_64-w64-mingw32-gcc -O2 -shared -o "$shim" "${shim_src[@]}" -lbcrypt
  echo "$shim_hash" > "$shim_stamp"
fi

windows=(-Zbuild-std --target x86_64-pc-windows-gnu --locked)
exe="$CARGO_TARGET_DIR/x86_64-pc-windows-gnu/debug/otpilot.exe"

# --- 3. Build --------------------------------------------------------------------------------
if [[ $parts == *" build "* ]]; then
  say "Windows: building the core and the CLI (cold: about 15 min; warm: seconds)"
  timed "windows build" locked "$wcargo" build "${windows[@]}" -p otpilot -p otpilot-core
  # The first proof that it runs at all.
  echo "$exe" > "$cache/windows-exe"   # for bench/windows.sh
  version=$(wine "$exe" --version | tr -d '\r')
  case $version in otpilot\ *) echo "otpilot.exe says: $version" ;;
    *) echo "otpilot.exe --version printed '$version'" >&2; exit 1 ;; esac
fi

# --- 4. The core's unit tests under Wine ----------------------------------------------------
if [[ $parts == *" unit "* ]]; then
  say "Windows: the core's unit tests under Wine"
  timed "windows unit tests" locked "$wcargo" test "${windows[@]}" -p otpilot-core --lib
fi

# --- 5. The end-to-end group, otpilot.exe under Wine -----------------------------------------
if [[ $parts == *" e2e "* ]]; then
  say "Windows: the end-to-end group (otpilot.exe under Wine, moto behind the MFA gate)"
  [ -x "$exe" ] || [ -f "$exe" ] || { echo "no $exe: run the build part first" >&2; exit 1; }
  (
    # The Linux test binary, with the ordinary toolchain and target directory.
    unset RUSTC RUSTDOC RUSTC_BOOTSTRAP CARGO_TARGET_DIR
    [ -z "$linux_target_dir" ] || export CARGO_TARGET_DIR=$linux_target_dir
    export OTPILOT_WINDOWS_EXE="$exe"
    timed "windows e2e" ${OTPILOT_LINUX_CARGO:-locked cargo} test -p otpilot --test e2e --locked \
      -- --ignored --test-threads 1 windows_wine::
  )
fi

# --- 6. macOS: type-check the core and the CLI -----------------------------------------------
if [[ $parts == *" macos "* ]]; then
  say "macOS: type-checking the core and the CLI (cargo-zigbuild; nothing links or runs)"
  venv="$cache/zig-venv"
  zig_pins="ziglang==0.15.2 cargo-zigbuild==0.24.1"
  if [ "$(cat "$venv/.pins" 2>/dev/null)" != "$zig_pins" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    # shellcheck disable=SC2086
    "$venv/bin/pip" install -q --disable-pip-version-check $zig_pins
    echo "$zig_pins" > "$venv/.pins"
  fi
  export ZIG_GLOBAL_CACHE_DIR="$cache/zig-cache" PATH="$venv/bin:$PATH"
  # `cargo-zigbuild check` (not `cargo zigbuild check`: that is its build command); CARGO
  # names the cargo it runs, Debian's, to match the std source.
  timed "macos check" locked env CARGO="$wcargo" cargo-zigbuild check -Zbuild-std \
    --target aarch64-apple-darwin --locked -p otpilot -p otpilot-core
fi
