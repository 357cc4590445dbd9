#!/usr/bin/env python3
"""Benchmark: what sealing a seed in the TPM costs.

Whole-process medians over 100 runs each, side by side in one run, on a private D-Bus session
with an unlocked gnome-keyring, a software TPM (swtpm, its own state, on loopback) and moto:

  otpilot code, seed in the keyring (the anchor: HMAC in software)
  otpilot code, seed sealed in the TPM (CreatePrimary or the persistent SRK, Load, two HMACs
      for this code and the next, FlushContext; over swtpm's TCP link)
  otpilot credential-process, warm, for a profile whose device is sealed in the TPM: the
      warm path answers from the cache and never reaches the TPM, so it must not change

A real TPM is slower than swtpm (a discrete TPM on SPI or LPC takes milliseconds per command),
so the TPM row is a floor for real hardware, not a promise.

Run it with `bash bench/run.sh`, or alone after a release build:
  OTPILOT_BIN=target/release/otpilot .venv-test/bin/python bench/tpm.py
"""

import os
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from credential_process import (OTPILOT, SEED, free_port, median_ms, print_table,  # noqa: E402
                                start_keyring, tear_down, wait_for, world)


def start_swtpm(tmp):
    """A software TPM with its own state directory on a free pair of loopback ports."""
    while True:
        port = free_port()
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port + 1)) != 0:
                break
    state = os.path.join(tmp, "tpm")
    os.makedirs(state)
    proc = subprocess.Popen(
        ["swtpm", "socket", "--tpm2", "--tpmstate", f"dir={state}",
         "--server", f"type=tcp,port={port},bindaddr=127.0.0.1",
         "--ctrl", f"type=tcp,port={port + 1},bindaddr=127.0.0.1",
         "--flags", "not-need-init,startup-clear"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0, "swtpm")
    return proc, f"swtpm:host=127.0.0.1,port={port}"


def main():
    if not os.path.exists(OTPILOT):
        sys.exit(f"no release binary at {OTPILOT}; run `bash bench/run.sh`")
    tmp = tempfile.mkdtemp(prefix="otpilot-bench-tpm-")
    procs = []
    try:
        address, procs = start_keyring(tmp)
        env, moto = world(tmp, address)
        procs.append(moto)
        tpm, tcti = start_swtpm(tmp)
        procs.append(tpm)
        env["OTPILOT_TPM_TCTI"] = tcti
        subprocess.run([OTPILOT, "device", "add", "soft"], env=env, input=SEED.encode(),
                       check=True, capture_output=True)
        subprocess.run([OTPILOT, "device", "add", "sealed", "--tpm"], env=env, input=SEED.encode(),
                       check=True, capture_output=True)
        codes = {name: subprocess.run([OTPILOT, "code", name, "--at", "1800000000"], env=env,
                                      check=True, capture_output=True).stdout
                 for name in ("soft", "sealed")}
        if codes["soft"] != codes["sealed"]:
            sys.exit("the sealed device's code differs from the keyring device's")

        # The profile's own device (`bench`, SERIAL) moves into the TPM; one cold call makes
        # its code there, then the warm path is timed.
        subprocess.run([OTPILOT, "device", "protect", "bench"], env=env, check=True,
                       capture_output=True)
        cp = [OTPILOT, "credential-process", "wired"]
        subprocess.run(cp, env=env, check=True, capture_output=True)

        results = {
            "otpilot code, seed in the keyring (anchor)": median_ms(
                [OTPILOT, "code", "soft"], env, 100),
            "otpilot code, seed sealed in the TPM (swtpm)": median_ms(
                [OTPILOT, "code", "sealed"], env, 100),
            "otpilot credential-process, warm, device sealed in the TPM": median_ms(cp, env, 100),
        }
        print_table("what (whole process, median of 100)", results)
        anchor = results["otpilot code, seed in the keyring (anchor)"]
        sealed = results["otpilot code, seed sealed in the TPM (swtpm)"]
        print(f"\nsealed vs keyring: {sealed - anchor:+.1f} ms per code ({sealed / anchor:.2f}x)")
    finally:
        tear_down(procs, tmp)


if __name__ == "__main__":
    main()
