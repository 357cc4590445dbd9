# The tray scenario's desktop session (cp-tray.sh runs it inside with_keyring).
source /otpilot-test/lib.sh
# On failure, what the tray and the window said.
trap '[ $? -eq 0 ] || { echo "--- the tray: /tmp/tray.log"; cat /tmp/tray.log; echo "--- the window: /tmp/window.log"; cat /tmp/window.log; } >&2 2>/dev/null' EXIT
printf %s "$OTPILOT_PACKAGE_SEED" | otpilot device add traydev --serial "$OTPILOT_PACKAGE_SERIAL" >&2 ||
  fail "device add failed"
Xvfb :77 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
export DISPLAY=:77 WEBKIT_DISABLE_DMABUF_RENDERER=1
wait_until 20 "Xvfb did not start" xdpyinfo
otpilot-tray >/tmp/tray.log 2>&1 &
tray=$!

# The menu, as a tray host reads it: com.canonical.dbusmenu on the session bus.
menu_layout() {
  local names name tree item
  names=$(timeout 5 gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.ListNames) || return 1
  for name in $(grep -o ":[0-9]*\.[0-9]*" <<<"$names"); do
    # The process has several connections; only one exports the indicator.
    tree=$(timeout 5 gdbus call --session --dest "$name" --object-path /org/ayatana/NotificationItem \
      --method org.freedesktop.DBus.Introspectable.Introspect 2>/dev/null) || continue
    item=$(grep -o "<node name=[^ >]*" <<<"$tree" | head -1 | cut -d"\"" -f2) || true
    [ -n "$item" ] || continue
    timeout 5 gdbus call --session --dest "$name" --object-path "/org/ayatana/NotificationItem/$item/Menu" \
      --method com.canonical.dbusmenu.GetLayout -- 0 -1 "@as []" && return 0
  done
  return 1
}
has_device_item() { local m; m=$(menu_layout) && grep -q "Copy code: traydev" <<<"$m"; }
wait_until 30 "the tray published no menu with the device" has_device_item
version=$(otpilot --version | sed "s/^otpilot //")
layout=$(menu_layout)
grep -qF "Otpilot $version" <<<"$layout" || fail "the tray menu does not name the version $version: $layout"
note "tray menu published, with the device and \"Otpilot $version\""

# The agent: a CLI that can reach no keyring gets its credentials from the tray.
sock="$XDG_RUNTIME_DIR/otpilot/agent.sock"
wait_until 20 "the tray opened no agent socket at $sock" test -S "$sock"
DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus setsid -w otpilot credential-process admin-tray \
  </dev/null >/tmp/agent.json || fail "the tray agent did not answer credential-process"

# The window: its own process, a WebKit window titled Otpilot.
otpilot-window >/tmp/window.log 2>&1 &
window_up() { local t; t=$(xwininfo -root -tree) && grep -q "\"Otpilot\"" <<<"$t"; }
wait_until 60 "otpilot-window opened no window" window_up
note "otpilot-window opened its window"
kill "$tray" 2>/dev/null || true
cat /tmp/agent.json

