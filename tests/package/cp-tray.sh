# In the clean root with the package installed: otpilot-tray under Xvfb in a desktop-like
# session (D-Bus, gnome-keyring). Its menu must appear on the bus (dbusmenu) with the device
# and the version line; its agent must answer a CLI that can reach no keyring; otpilot-window
# must open a window. Prints the JSON the agent gave as its last line.
# Env: OTPILOT_PACKAGE_SERIAL, OTPILOT_PACKAGE_SEED, AWS_ENDPOINT_URL (the gate).
source /otpilot-test/lib.sh
export HOME=/root
write_aws_files tray "$OTPILOT_PACKAGE_SERIAL"
with_keyring bash /otpilot-test/tray-session.sh
