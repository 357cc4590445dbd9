#!/usr/bin/env bash
# Builds the portable CLI archive otpilot-<version>-x86_64-linux.tar.gz into DIR (default:
# dist/), for servers, WSL and distributions other than Debian:
#
#   bash packaging/build-archive.sh [DIR]
#
# It holds the otpilot binary, its man pages, bash/zsh/fish completions, the licences and an
# INSTALL that names the oldest glibc the binary runs on. The build fails if the CLI links
# anything beyond the C library (no GTK, no WebKit, no D-Bus library).
# Honours CARGO_TARGET_DIR; OTPILOT_CARGO names the cargo to run.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

out=$(mkdir -p "${1:-$repo/dist}" && cd "${1:-$repo/dist}" && pwd)
for tool in readelf objdump python3 tar gzip; do
  command -v "$tool" >/dev/null || die "$tool not found: apt-get install binutils python3"
done
version=$(otpilot_version)
work=$(mktemp -d "${TMPDIR:-/tmp}/otpilot-archive.XXXXXX")
trap 'rm -rf "$work"' EXIT

needed=$(build_cli_and_docs "$work/bin")
glibc=$(glibc_needed "$work/bin/otpilot")
name="otpilot-$version-x86_64-linux"
dir=$work/$name
install -Dm 0755 "$work/bin/otpilot" "$dir/bin/otpilot"
install -d "$dir/share/man/man1"
install -m 0644 "$work/bin/gen/man/man1/"*.1 "$dir/share/man/man1/"
install -Dm 0644 "$work/bin/gen/completions/otpilot.bash" "$dir/share/bash-completion/completions/otpilot"
install -Dm 0644 "$work/bin/gen/completions/_otpilot" "$dir/share/zsh/site-functions/_otpilot"
install -Dm 0644 "$work/bin/gen/completions/otpilot.fish" "$dir/share/fish/vendor_completions.d/otpilot.fish"
install -m 0644 "$repo/LICENSE-MIT" "$repo/LICENSE-APACHE" "$dir/"
python3 "$repo/packaging/third_party.py" "$repo" otpilot > "$work/third-party"
install -m 0644 "$work/third-party" "$dir/THIRD-PARTY"
cat > "$dir/INSTALL" <<INSTALL
Otpilot $version, command-line program for x86_64 Linux
$("$dir/bin/otpilot" --version)

Needs: glibc $glibc or newer (its newest symbol version; Debian 12 has 2.36) and nothing
else: the binary links only $(echo $needed | sed 's/ /, /g').
No GTK, no WebKit, no D-Bus library. Seeds go to the desktop keyring (Secret Service over
D-Bus) when there is one; on a server, WSL or over SSH use the encrypted vault instead:
\`otpilot vault init\` (see \`man otpilot-vault\`).

Install for yourself (no root), from this directory:

  install -Dm755 bin/otpilot ~/.local/bin/otpilot
  cp -r share ~/.local/                  # man pages and completions
  otpilot --version

or for everyone: \`sudo cp -r bin share /usr/local/\`.

bash finds the completion in ~/.local/share/bash-completion/completions; fish in
~/.local/share/fish/vendor_completions.d; for zsh add ~/.local/share/zsh/site-functions to
\$fpath before compinit. \`man otpilot\` works once ~/.local/bin is on PATH (man looks
beside it for ../share/man).

Licence: MIT or Apache-2.0, at your option (LICENSE-MIT, LICENSE-APACHE); the Rust crates
built into the binary and their licences are listed in THIRD-PARTY.
INSTALL
archive="$out/$name.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work" -cf - "$name" | gzip -9n > "$archive"
say "built $archive ($(du -h "$archive" | cut -f1)); the CLI needs glibc $glibc and links: $(echo $needed)"
printf '%s\n' "$archive"
