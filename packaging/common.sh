# Shared by packaging/build-deb.sh and packaging/build-archive.sh (sourced, not run).
#
# Builds the release CLI (on its own, so it links only what the CLI needs), the man pages and
# completion files from a generator build of it (`--features gen-docs`, never shipped), and
# says where everything is. Honours CARGO_TARGET_DIR; OTPILOT_CARGO names the cargo to run
# (default `cargo`).

set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cargo_cmd=${OTPILOT_CARGO:-cargo}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'packaging: %s\n' "$*" >&2; exit 1; }

# The target directory cargo uses here: CARGO_TARGET_DIR, a config file's, or ./target.
target_dir() {
  if [ -n "${CARGO_TARGET_DIR:-}" ]; then
    printf '%s\n' "$CARGO_TARGET_DIR"
  else
    (cd "$repo" && cargo metadata --format-version 1 --no-deps) |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])'
  fi
}

# The version of the `otpilot` package (the workspace's).
otpilot_version() {
  (cd "$repo" && cargo metadata --format-version 1 --no-deps) |
    python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "otpilot"))'
}

# Builds the release CLI and the generated docs; copies the CLI to $1/otpilot and the docs to
# $1/gen (man/man1/*.1, completions/{otpilot.bash,_otpilot,otpilot.fish}).
build_cli_and_docs() {
  local out=$1 target
  target=$(target_dir)
  mkdir -p "$out"
  say "release build of the man page generator (otpilot --features gen-docs)"
  (cd "$repo" && $cargo_cmd build --release --locked -p otpilot --features gen-docs)
  rm -rf "$out/gen"
  OTPILOT_GEN_DOCS="$out/gen" "$target/release/otpilot" ||
    die "the generator build could not write the man pages and completions"
  [ -s "$out/gen/man/man1/otpilot.1" ] || die "no otpilot.1 was generated"
  say "release build of the CLI (otpilot)"
  (cd "$repo" && $cargo_cmd build --release --locked -p otpilot)
  install -m 0755 "$target/release/otpilot" "$out/otpilot"
  # The shipped binary must be the one without the generator.
  if OTPILOT_GEN_DOCS="$out/not-here" "$out/otpilot" --version >/dev/null 2>&1 && [ -e "$out/not-here" ]; then
    die "the release CLI still carries the docs generator"
  fi
  check_cli_links_nothing_graphical "$out/otpilot"
}

# The CLI must start on a minimal server: only the C library's own libraries, no GTK, no
# WebKit, no D-Bus library (the keyring is reached over D-Bus in pure Rust).
check_cli_links_nothing_graphical() {
  local needed lib
  needed=$(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  for lib in $needed; do
    case $lib in
      libc.so.*|libm.so.*|libgcc_s.so.*|ld-linux-*.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libutil.so.*) ;;
      *) die "the CLI links $lib; it must need only the C library (NEEDED: $(echo $needed))" ;;
    esac
  done
  printf '%s\n' $needed
}

# The newest GLIBC_x.y symbol version a binary asks for: the oldest glibc it runs on.
glibc_needed() {
  objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1
}
