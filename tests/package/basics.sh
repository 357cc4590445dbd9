# In the clean root, right after `apt-get install ./otpilot_….deb` (and nothing else): every
# installed binary's libraries resolve, and each says the version the build tree's says.
# Arg: the version line the build tree's otpilot printed.
source /otpilot-test/lib.sh
want=$1
for bin in $(dpkg -L otpilot | grep '^/usr/bin/'); do
  out=$(ldd "$bin") || fail "ldd $bin failed"
  ! grep -q "not found" <<<"$out" || fail "$bin has unresolved libraries: $(grep "not found" <<<"$out")"
done
note "ldd: every library of $(dpkg -L otpilot | grep -c '^/usr/bin/') binaries resolves"
[ "$(otpilot --version)" = "$want" ] || fail "otpilot --version says \"$(otpilot --version)\", the build says \"$want\""
for program in otpilot-tray otpilot-window; do
  [ "$($program --version)" = "${want/otpilot/$program}" ] ||
    fail "$program --version says \"$($program --version)\", expected \"${want/otpilot/$program}\""
done
note "otpilot, otpilot-tray and otpilot-window --version: $want"
