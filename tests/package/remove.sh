# In the clean root: `apt-get remove otpilot` removes every file the package installed (its
# one conffile, the autostart entry, stays until purge, as Debian does it) and leaves the
# person's ~/.config/otpilot and keyring alone; purge removes the conffile.
source /otpilot-test/lib.sh
files=$(dpkg -L otpilot | while read -r f; do [ -f "$f" ] && echo "$f"; done)
conffiles=$(dpkg-query -W -f='${Conffiles}\n' otpilot | awk 'NF {print $1}')
[ -n "$files" ] || fail "dpkg -L otpilot lists no files"
sums_before=$(cd /root && sha256sum .config/otpilot/* .local/share/keyrings/*)
apt-get remove -y -qq otpilot >/dev/null || fail "apt-get remove otpilot failed"
for f in $files; do
  if grep -qxF "$f" <<<"$conffiles"; then continue; fi
  [ ! -e "$f" ] || fail "$f is still there after apt-get remove"
done
note "apt-get remove: all $(wc -l <<<"$files") packaged files gone but the conffile ($conffiles)"
[ "$(cd /root && sha256sum .config/otpilot/* .local/share/keyrings/*)" = "$sums_before" ] ||
  fail "apt-get remove changed ~/.config/otpilot or the keyring"
note "~/.config/otpilot and the keyring are untouched"
apt-get purge -y -qq otpilot >/dev/null || fail "apt-get purge otpilot failed"
for f in $conffiles; do [ ! -e "$f" ] || fail "$f is still there after purge"; done
[ "$(cd /root && sha256sum .config/otpilot/* .local/share/keyrings/*)" = "$sums_before" ] ||
  fail "apt-get purge changed ~/.config/otpilot or the keyring"
note "apt-get purge: the conffile gone, the person's files still untouched"
