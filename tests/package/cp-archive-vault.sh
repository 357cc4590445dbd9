# In the clean root, WITHOUT the package: the CLI from the portable archive (unpacked into
# an empty directory) with store = "vault" and no D-Bus at all. Prints the credential_process
# JSON as its last line; the e2e test outside checks it and what the MFA gate received.
# Env: OTPILOT_PACKAGE_SERIAL, OTPILOT_PACKAGE_SEED, AWS_ENDPOINT_URL (the gate).
source /otpilot-test/lib.sh
export HOME=/home/archive TMPDIR=/home/archive/tmp
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
mkdir -p "$TMPDIR"
otpilot=$(echo /opt/otpilot-archive/otpilot-*-x86_64-linux/bin/otpilot)
[ -x "$otpilot" ] || fail "the archive's bin/otpilot is missing"
[ ! -e /usr/bin/otpilot ] || fail "the package is installed already: the archive must run without it"
! command -v dbus-daemon >/dev/null || fail "this root has a D-Bus daemon: the vault check must run without"
pass="correct horse battery staple"

printf '%s\n' "$pass" | "$otpilot" vault init --passphrase-stdin >&2 || fail "vault init failed"
grep -q '^store = "vault"' "$HOME/.config/otpilot/config.toml" ||
  fail "vault init did not set store = \"vault\": $(cat "$HOME/.config/otpilot/config.toml")"
printf '%s\n' "$pass" | setsid -w "$otpilot" unlock --passphrase-stdin >&2 || fail "unlock failed"
printf '%s' "$OTPILOT_PACKAGE_SEED" | "$otpilot" device add alice --serial "$OTPILOT_PACKAGE_SERIAL" >&2 ||
  fail "device add into the vault failed"
assert_code_matches_oathtool "$otpilot" alice "$OTPILOT_PACKAGE_SEED"
write_aws_files vault "$OTPILOT_PACKAGE_SERIAL"
setsid -w "$otpilot" credential-process admin-vault </dev/null || fail "credential-process from the vault failed"
"$otpilot" agent --stop >&2 || true
