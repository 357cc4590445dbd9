# Helpers for the scripts that run inside the clean root (sourced there from /otpilot-test).
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8

fail() { printf 'FAIL (in the clean root): %s\n' "$*" >&2; exit 1; }
note() { printf '    %s\n' "$*" >&2; }

# Waits up to $1 seconds for the command after it to succeed; fails with $2 otherwise.
wait_until() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "$what (waited ${seconds} s)"
    sleep 0.1
  done
}

# The AWS files for one scenario: `base-$1` holds (fake) long-term keys and the MFA serial,
# `admin-$1` is a role reached through it. moto accepts any key; the gate checks the codes.
write_aws_files() {
  local name=$1 serial=$2
  mkdir -p "$HOME/.aws"
  cat >> "$HOME/.aws/config" <<CONFIG
[profile base-$name]
region = us-east-1
mfa_serial = $serial

[profile admin-$name]
region = us-east-1
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = base-$name
mfa_serial = $serial

CONFIG
  cat >> "$HOME/.aws/credentials" <<CREDS
[base-$name]
aws_access_key_id = AKIABASEKEYEXAMPLE01
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

CREDS
}

# Runs "$@" in a private D-Bus session with gnome-keyring unlocked (the `login` keyring,
# password "test"), as a desktop session would have it.
with_keyring() {
  export XDG_RUNTIME_DIR=/run/user/0
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  dbus-run-session -- bash -c '
    set -euo pipefail
    printf %s test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    for i in $(seq 100); do
      dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
        grep -q "boolean true" && break
      sleep 0.1
    done
    exec "$@"' with_keyring "$@"
}

# Asserts `otpilot code DEVICE` (by the binary $1) equals oathtool's code for SEED.
assert_code_matches_oathtool() {
  local otpilot=$1 device=$2 seed=$3 ours theirs now
  now=$(date +%s)
  ours=$("$otpilot" code "$device" --at "$now") || fail "otpilot code $device failed"
  theirs=$(oathtool --totp -b -N "@$now" "$seed")
  [ "$ours" = "$theirs" ] || fail "otpilot code $device said $ours, oathtool says $theirs"
  note "otpilot code $device = oathtool = $ours"
}
