#!/usr/bin/env bash
# Sizes of the Debian package, the CLI archive and the CLI binary, and the CLI's start
# (`otpilot --version`, whole process) installed from the package into a clean Debian 12 root
# beside the same binary in the build tree, in one run: medians of interleaved rounds.
#
#   bash bench/package-size.sh [ROUNDS] [RUNS_PER_ROUND]     (default 10 x 50)
#
# Builds both packages (packaging/), takes the clean root tests/package.sh caches (making it
# if needed), installs the .deb there. Needs root, like tests/package.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-10}
runs=${2:-50}
[ "$(id -u)" -eq 0 ] || { echo "bench/package-size.sh needs root (chroot)" >&2; exit 1; }
work=$(mktemp -d /var/tmp/otpilot-bench.XXXXXX)
root=$work/root
trap 'findmnt -rn -o TARGET | grep -q "^$root" || rm -rf --one-file-system "$work"' EXIT

[ -s ui/dist/index.html ] && export OTPILOT_UI_BUILT=${OTPILOT_UI_BUILT:-1}
deb=$(bash packaging/build-deb.sh "$work/dist" 2>/dev/null | tail -1)
archive=$(bash packaging/build-archive.sh "$work/dist" 2>/dev/null | tail -1)
target=${CARGO_TARGET_DIR:-$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')}
cli=$target/release/otpilot

tarball=${OTPILOT_CI_CACHE:-$HOME/.cache/otpilot-ci}/debian-root/bookworm-minbase.tar
if [ ! -f "$tarball" ] || [ ! -s "$tarball" ]; then
  mkdir -p "$(dirname "$tarball")"
  rm -rf "$tarball"
  mmdebstrap --quiet --variant=minbase --format=tar --aptopt='APT::Sandbox::User "root"' bookworm "$tarball"
fi
mkdir -p "$root" && tar -xf "$tarball" -C "$root"
echo 'APT::Sandbox::User "root";' > "$root/etc/apt/apt.conf.d/99otpilot-bench"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
in_root() { env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin bash tests/package/enter.sh "$root" "$@"; }
in_root bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/$(basename "$deb")" >/dev/null
cmp -s "$cli" "$root/usr/bin/otpilot" || echo "note: the installed otpilot differs from the build tree's" >&2

# One round: RUNS starts of BINARY, each timed by bash's own clock (no extra process), in µs.
round='bin=$1; n=$2; for ((i = 0; i < n; i++)); do s=$EPOCHREALTIME; "$bin" --version >/dev/null; e=$EPOCHREALTIME; echo $(( (${e/./} - ${s/./}) )); done'
: > "$work/tree" && : > "$work/root.times"
for ((r = 0; r < rounds; r++)); do
  bash -c "$round" round "$cli" "$runs" >> "$work/tree"
  in_root bash -c "$round" round /usr/bin/otpilot "$runs" >> "$work/root.times"
done
median() { sort -n "$1" | awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f", m / 1000}'; }
size() { du -b "$1" | cut -f1 | awk '{printf "%.1f MB", $1 / 1e6}'; }
tree_ms=$(median "$work/tree")
root_ms=$(median "$work/root.times")
echo "| what | figure |"
echo "|---|---|"
echo "| $(basename "$deb") | $(size "$deb") |"
echo "| $(basename "$archive") | $(size "$archive") |"
echo "| the otpilot binary | $(size "$cli") |"
echo "| installed size of the package (Installed-Size) | $(dpkg-deb -f "$deb" Installed-Size | awk '{printf "%.1f MB", $1 * 1024 / 1e6}') |"
echo "| \`otpilot --version\`, build tree (median of $((rounds * runs))) | $tree_ms ms |"
echo "| \`otpilot --version\`, installed in the clean root (median of $((rounds * runs))) | $root_ms ms |"
echo "| installed / build tree | $(awk -v a="$root_ms" -v b="$tree_ms" 'BEGIN {printf "%.2f", a / b}') |"
