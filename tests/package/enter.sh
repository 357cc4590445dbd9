#!/usr/bin/env bash
# Runs a command inside a Debian root, as root, in mount and pid namespaces of its own:
# /proc, /sys and /dev are mounted for it and vanish with it, and every process it starts
# (D-Bus, gnome-keyring, Xvfb, the tray, an agent) ends when the command ends. The network
# is this machine's, loopback included, so moto and the MFA gate outside are reachable.
#
#   bash tests/package/enter.sh ROOT COMMAND [ARG...]
set -euo pipefail
root=$1
shift
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
exec unshare --mount --pid --fork --kill-child --propagation private bash -c '
  set -e
  root=$1
  shift
  mount -t proc proc "$root/proc"
  mount -t sysfs sysfs "$root/sys"
  mount --rbind /dev "$root/dev"
  exec chroot "$root" "$@"
' enter "$root" "$@"
