# In the clean root with the package installed: /usr/bin/otpilot against gnome-keyring in a
# private D-Bus session. Adds a device, compares its code with oathtool's, and prints the
# credential_process JSON as its last line for the e2e test outside.
# Env: OTPILOT_PACKAGE_SERIAL, OTPILOT_PACKAGE_SEED, AWS_ENDPOINT_URL (the gate).
source /otpilot-test/lib.sh
export HOME=/root
write_aws_files keyring "$OTPILOT_PACKAGE_SERIAL"
with_keyring bash -c '
  source /otpilot-test/lib.sh
  printf %s "$OTPILOT_PACKAGE_SEED" | otpilot device add alice --serial "$OTPILOT_PACKAGE_SERIAL" >&2 ||
    fail "device add into gnome-keyring failed"
  secret-tool search --all service otpilot >/dev/null 2>&1 || note "(secret-tool search by service found nothing; the item name may differ)"
  assert_code_matches_oathtool otpilot alice "$OTPILOT_PACKAGE_SEED"
  setsid -w otpilot credential-process admin-keyring </dev/null || fail "credential-process failed"
'
