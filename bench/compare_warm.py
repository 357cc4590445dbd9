#!/usr/bin/env python3
"""A/B of the warm credential_process path: two otpilot binaries, same world, interleaved.

    python bench/compare_warm.py OLD_BINARY NEW_BINARY [ROUNDS]

Each round prints, for each binary, the median of 80 whole-process runs of `--version`
(start-up alone), `code DEVICE` (start-up and a keyring read) and `credential-process
PROFILE` with a warm cache. Interleaving the binaries in one run keeps a noisy machine from
deciding the comparison. Needs what `bench/run.sh` needs (gnome-keyring, the test venv).
"""

import statistics
import subprocess
import sys
import tempfile
import time
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import credential_process as cp  # noqa: E402  (shared set-up helpers)


def median_ms(cmd, env, n=80):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binaries = sys.argv[1:3]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    tmp = tempfile.mkdtemp(prefix="otpilot-bench-ab-")
    address, procs = cp.start_keyring(tmp)
    try:
        env, moto = cp.world(tmp, address)
        procs.append(moto)
        for b in binaries:
            subprocess.run([b, "credential-process", "wired"], env=env, check=True, capture_output=True)
        for r in range(rounds):
            for b in binaries:
                print(
                    f"round {r + 1} {b}: --version {median_ms([b, '--version'], env):.2f} ms, "
                    f"code {median_ms([b, 'code', 'bench'], env):.2f} ms, "
                    f"warm credential-process {median_ms([b, 'credential-process', 'wired'], env):.2f} ms"
                )
    finally:
        for p in procs:
            p.terminate()


if __name__ == "__main__":
    main()
