# Sourced by the test scripts: `apt_install_missing PACKAGE...` installs the Debian packages
# that are not installed yet (with sudo when not root) and does nothing when all are.
# Another apt run may hold the dpkg lock for a while: it waits and retries rather than fail.
apt_install_missing() {
  local p missing=() sudo="" attempt
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  printf '\n==> installing Debian packages: %s\n' "${missing[*]}"
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  for attempt in 1 2 3 4 5 6; do
    if $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null; then
      return 0
    fi
    [ "$attempt" -lt 6 ] || { echo "apt-get install ${missing[*]} failed; see the messages above" >&2; exit 1; }
    echo "apt-get failed (attempt $attempt); retrying in 10 s" >&2
    sleep 10
  done
}
