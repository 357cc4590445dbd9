#!/usr/bin/env bash
# Checks Cargo.lock against the RustSec advisory database with cargo-deny (config: deny.toml),
# offline when a snapshot of the database is on the machine:
#   $OTPILOT_ADVISORY_DB, else ../shared/advisory-db beside the repository, else
#   /work/shared/advisory-db; without one, the live database is fetched from GitHub.
# cargo-deny reads a database from a git repository, so a throwaway one is made from the
# snapshot (files only) where cargo-deny looks for it, and it is run with --offline.
#
#   tests/advisories.sh               check this workspace's Cargo.lock
#   tests/advisories.sh --self-test   prove the check fails on a planted vulnerable version
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

snapshot=""
for candidate in "${OTPILOT_ADVISORY_DB:-}" "$root/../shared/advisory-db" /work/shared/advisory-db; do
  if [ -n "$candidate" ] && [ -d "$candidate/crates" ]; then snapshot=$(cd "$candidate" && pwd); break; fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
config="$work/deny.toml"
cp deny.toml "$config"
offline=()
if [ -n "$snapshot" ]; then
  # Its own database directory, so the snapshot never mixes with a fetched database.
  echo "db-path = \"$work/dbs\"" >> "$config"
  # Where cargo-deny looks for the default database (a name it derives from the URL).
  # (That first run fails, as there is no database yet: only its log is wanted.)
  db=$({ cargo deny --log-level debug --offline --config "$config" check advisories 2>&1 || true; } \
    | sed -n "s/.*Opening advisory database at '\(.*\)'.*/\1/p" | head -n1)
  [ -n "$db" ] || { echo "cannot tell where cargo-deny reads its advisory database" >&2; exit 1; }
  mkdir -p "$(dirname "$db")"
  cp -r "$snapshot" "$db"
  git -C "$db" init -q -b main
  git -C "$db" add -A
  git -C "$db" -c user.name=otpilot -c user.email=ci@otpilot.invalid commit -qm "RustSec advisory-db snapshot"
  offline=(--offline)
  echo "advisory database: the snapshot at $snapshot ($(head -c 100 "$snapshot/SNAPSHOT" 2>/dev/null))"
else
  echo "advisory database: no snapshot found; fetching the live one"
fi

check() { cargo deny --log-level "${DENY_LOG:-error}" "${offline[@]}" --config "$config" "$@" check advisories; }

if [ "${1:-}" = "--self-test" ]; then
  # A scratch project that depends on smallvec 1.6.0 (RUSTSEC-2021-0003, fixed in 1.6.1).
  scratch="$work/scratch"
  mkdir -p "$scratch/src"
  printf '[package]\nname = "scratch"\nversion = "0.0.0"\nedition = "2021"\n\n[dependencies]\nsmallvec = "=1.6.0"\n' > "$scratch/Cargo.toml"
  echo 'fn main() {}' > "$scratch/src/main.rs"
  # Its one crate comes from the registry (the only network the check uses).
  (cd "$scratch" && cargo generate-lockfile -q && cargo fetch -q)
  if check --manifest-path "$scratch/Cargo.toml" > "$work/self-test.log" 2>&1; then
    cat "$work/self-test.log" >&2
    echo "the advisory check passed a lockfile with smallvec 1.6.0: it is not checking" >&2
    exit 1
  fi
  grep -q "RUSTSEC-2021-0003" "$work/self-test.log" || {
    cat "$work/self-test.log" >&2
    echo "the advisory check failed, but not for RUSTSEC-2021-0003" >&2
    exit 1
  }
  echo "advisory check self-test: a planted vulnerable smallvec 1.6.0 fails it (RUSTSEC-2021-0003)"
  exit 0
fi

check --manifest-path "$root/Cargo.toml" --workspace
echo "advisory check: Cargo.lock has no vulnerability and no unaccepted notice"
