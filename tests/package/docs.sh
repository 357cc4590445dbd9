# In the clean root with the package (and man-db, bash-completion) installed: `man otpilot`,
# a subcommand's page, and bash completing `otpilot dev<TAB>`.
source /otpilot-test/lib.sh
page=$(man -P cat otpilot 2>&1) || fail "man otpilot failed: $page"
grep -q "MFA credential helper for AWS" <<<"$page" || fail "man otpilot shows no Otpilot page: $page"
page=$(man -P cat otpilot-device-add 2>&1) || fail "man otpilot-device-add failed: $page"
grep -q -- "--serial" <<<"$page" || fail "man otpilot-device-add does not show --serial: $page"
note "man otpilot, man otpilot-device-add"
words=$(bash -c '
  source /usr/share/bash-completion/bash_completion
  _completion_loader otpilot 2>/dev/null || true
  spec=$(complete -p otpilot 2>/dev/null) || { echo "no completion is registered for otpilot" >&2; exit 1; }
  fn=$(sed -n "s/.* -F \([^ ]*\) .*/\1/p" <<<"$spec")
  COMP_WORDS=(otpilot dev); COMP_CWORD=1; COMP_LINE="otpilot dev"; COMP_POINT=${#COMP_LINE}; COMP_TYPE=9
  "$fn" otpilot dev otpilot
  printf "%s\n" "${COMPREPLY[@]}"') || fail "bash completion of otpilot dev<TAB> failed"
grep -qx "device" <<<"$words" || fail "otpilot dev<TAB> completed to \"$words\", not device"
note "bash: otpilot dev<TAB> -> device"
