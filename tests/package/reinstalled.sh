# In the clean root after removing and installing the package again: the device and its seed
# in the keyring are found, and the code still equals oathtool's.
# Env: OTPILOT_PACKAGE_SEED (the keyring scenario's device `alice`).
source /otpilot-test/lib.sh
export HOME=/root
with_keyring bash -c '
  source /otpilot-test/lib.sh
  list=$(otpilot device list 2>&1) || fail "otpilot device list failed after reinstalling: $list"
  grep -q alice <<<"$list" || fail "after reinstalling, otpilot device list has no alice: $list"
  assert_code_matches_oathtool otpilot alice "$OTPILOT_PACKAGE_SEED"
'
note "reinstalled: the device and its keyring seed are found"
