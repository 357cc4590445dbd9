#!/usr/bin/env python3
"""Benchmark: `otpilot account report --organization` over 30 and 100 member accounts at
concurrency 1, 8 and 16, in one run.

Each organization is made in a fresh moto on loopback by tests/e2e/fixtures/organization.py
(the e2e tests' fixture: planted findings, a suspended account; here without the MFA gate,
so the "roleless" account is checked like the others and moto's clock is not moved). For
each size and concurrency:

  first run: moto answers GenerateCredentialReport with STARTED in every account, so Otpilot
      waits its one-second poll there, as at AWS when no report is fresh (concurrency
      overlaps these waits); a fresh moto for each concurrency, so every first run is one;
  warm runs: the reports exist (COMPLETE at once): the median of 3, i.e. the cost of
      AssumeRole and the account's five IAM calls.

Prints the seconds, the speed-up over concurrency 1, and the cost per account (warm median
divided by the accounts checked). The MFA session comes from the keyring cache after the
first run of each world, as it would for a person running the report twice in 12 hours.

Run it with `bash bench/run.sh` (builds the release binary and the test venv first), or
alone with OTPILOT_BIN and OTPILOT_TEST_VENV set.
"""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import credential_process as cp  # noqa: E402  (shared set-up helpers)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "tests/e2e/fixtures/organization.py")
SIZES = (30, 100)
CONCURRENCY = (1, 8, 16)
WARM_RUNS = 3


def world(tmp, address, members):
    """A fresh moto holding an organization of `members` member accounts, and an environment
    whose profile `base` is its management account."""
    port = cp.free_port()
    moto = subprocess.Popen([os.path.join(cp.VENV, "bin/moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cp.wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0, "moto")
    endpoint = f"http://127.0.0.1:{port}"
    subprocess.run([os.path.join(cp.VENV, "bin/python"), FIXTURE, endpoint, str(members)],
                   check=True, capture_output=True)
    home = os.path.join(tmp, "home")
    os.makedirs(os.path.join(home, ".aws"), exist_ok=True)
    config = os.path.join(home, ".aws/config")
    with open(config, "w") as f:
        f.write(f"[profile base]\nregion = us-east-1\nmfa_serial = {cp.SERIAL}\n")
    with open(os.path.join(home, ".aws/credentials"), "w") as f:
        f.write("[base]\naws_access_key_id = AKIABENCHEXAMPLE0001\n"
                "aws_secret_access_key = benchsecretbenchsecretbenchsecret0001\n")
    env = {"PATH": os.environ["PATH"], "HOME": home, "DBUS_SESSION_BUS_ADDRESS": address,
           "XDG_CONFIG_HOME": os.path.join(tmp, "config"), "XDG_CACHE_HOME": os.path.join(tmp, "cache"),
           "XDG_STATE_HOME": os.path.join(tmp, "state"), "XDG_RUNTIME_DIR": os.path.join(tmp, "run"),
           "AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, ".aws/credentials"),
           "AWS_ENDPOINT_URL": endpoint, "AWS_DEFAULT_REGION": "us-east-1"}
    os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)
    subprocess.run([cp.OTPILOT, "device", "add", "bench", "--serial", cp.SERIAL], env=env,
                   input=cp.SEED.encode(), capture_output=True)
    return env, moto


def report(env, concurrency):
    """One run: seconds, and the accounts it checked."""
    start = time.perf_counter()
    out = subprocess.run([cp.OTPILOT, "account", "report", "base", "--organization", "--json",
                          "--concurrency", str(concurrency)], env=env, capture_output=True)
    seconds = time.perf_counter() - start
    if out.returncode not in (0, 1):
        sys.exit(f"the report failed: {out.stderr.decode()}")
    return seconds, json.loads(out.stdout)["summary"]["checked"]


def main():
    if not os.path.exists(cp.OTPILOT):
        sys.exit(f"no release binary at {cp.OTPILOT}; run `bash bench/run.sh`")
    rows = []
    for members in SIZES:
        for concurrency in CONCURRENCY:
            tmp = tempfile.mkdtemp(prefix="otpilot-bench-org-")
            procs = []
            try:
                address, procs = cp.start_keyring(tmp)
                env, moto = world(tmp, address, members)
                procs.append(moto)
                first, checked = report(env, concurrency)
                warm = statistics.median(report(env, concurrency)[0] for _ in range(WARM_RUNS))
                rows.append((members, concurrency, checked, first, warm))
            finally:
                cp.tear_down(procs, tmp)
                shutil.rmtree(tmp, ignore_errors=True)

    print("account report --organization (seconds; warm = median of "
          f"{WARM_RUNS}; speed-up over concurrency 1)")
    print(f"{'members':>7} {'conc.':>5} {'checked':>7} {'first':>8} {'warm':>8} "
          f"{'speed-up':>8} {'ms/account':>10}")
    base = {}
    for members, concurrency, checked, first, warm in rows:
        if concurrency == 1:
            base[members] = (first, warm)
        b_first, b_warm = base[members]
        print(f"{members:7d} {concurrency:5d} {checked:7d} {first:8.2f} {warm:8.2f} "
              f"{b_warm / warm:7.1f}x {warm * 1000 / checked:10.1f}"
              f"   (first run {b_first / first:.1f}x)")
    print(json.dumps([{"members": m, "concurrency": c, "checked": k, "first_s": round(f, 3),
                       "warm_s": round(w, 3)} for m, c, k, f, w in rows]))


if __name__ == "__main__":
    main()
