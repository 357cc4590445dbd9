#!/usr/bin/env python3
"""Benchmark: otpilot.exe under Wine, in one run, as ratios (absolute times under Wine say
little about Windows):

  wine otpilot.exe --version (the floor: Wine starting a process that exits)
  wine otpilot.exe credential-process, warm (the cached session read from Credential Manager;
      Windows has no hot copy: every warm call reads the store)
  wine cmd.exe /c exit (Wine's own floor, for scale)

No "through the agent" row: on Windows the agent serves the vault (`store = "vault"`),
which this run does not use.
Needs OTPILOT_WINDOWS_EXE and WINEPREFIX (bench/windows.sh sets both, through tests/windows.sh's
build) and the test venv's moto.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from credential_process import free_port, wait_for, SEED, SERIAL, ROLE  # noqa: E402

VENV = os.environ.get("OTPILOT_TEST_VENV", os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), ".venv-test"))
RUNS = int(os.environ.get("OTPILOT_BENCH_RUNS", "15"))


def windows_path(path):
    return "Z:" + path.replace("/", "\\")


def median_ms(cmd, env, runs=RUNS, stdin=None):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(cmd, env=env, input=stdin, capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
        if out.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed: {out.stderr.decode()}")
    return statistics.median(times)


def main():
    exe = os.environ.get("OTPILOT_WINDOWS_EXE") or sys.exit("set OTPILOT_WINDOWS_EXE (bench/windows.sh does)")
    prefix = os.environ.get("WINEPREFIX") or sys.exit("set WINEPREFIX (bench/windows.sh does)")
    tmp = tempfile.mkdtemp(prefix="otpilot-bench-wine-")
    port = free_port()
    moto = subprocess.Popen([os.path.join(VENV, "bin/moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import socket
        wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0, "moto")
        config, creds = os.path.join(tmp, "config"), os.path.join(tmp, "credentials")
        with open(config, "w") as f:
            f.write(f"[profile base]\nregion = us-east-1\nmfa_serial = {SERIAL}\n\n"
                    f"[profile bench]\nregion = us-east-1\nrole_arn = {ROLE}\nsource_profile = base\n"
                    f"mfa_serial = {SERIAL}\n")
        with open(creds, "w") as f:
            f.write("[base]\naws_access_key_id = AKIABENCHEXAMPLE0001\n"
                    "aws_secret_access_key = benchbenchbenchbenchbenchbenchbenchbench\n")
        env = {k: os.environ[k] for k in ("PATH", "HOME", "USER") if k in os.environ}
        env.update(WINEPREFIX=prefix, WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=",
                   AWS_CONFIG_FILE=windows_path(config), AWS_SHARED_CREDENTIALS_FILE=windows_path(creds),
                   AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_DEFAULT_REGION="us-east-1")
        # An empty Otpilot state in the prefix's profile (as the e2e tests start), then a
        # device of the benchmark's own.
        users = os.path.join(prefix, "drive_c/users")
        for user in os.listdir(users):
            for sub in ("AppData/Roaming/otpilot", "AppData/Local/otpilot", "AppData/Local/cache/otpilot"):
                shutil.rmtree(os.path.join(users, user, sub), ignore_errors=True)
        add = subprocess.run(["wine", exe, "device", "add", "bench", "--serial", SERIAL],
                             env=env, input=SEED.encode(), capture_output=True)
        if add.returncode != 0:
            sys.exit(f"device add failed: {add.stderr.decode()}")
        # Keep one wineserver up for the whole run, as a desktop session would.
        server = subprocess.Popen(["wineserver", "-f", "-p"], env=env)
        # Wine's own services start with the first program and keep its Unix stderr: start
        # them with none, so no measured run waits for them.
        subprocess.run(["wine", "cmd", "/c", "exit"], env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        median_ms(["wine", exe, "credential-process", "bench"], env, runs=1)  # cold: fills the cache
        rows = {
            "wine cmd.exe /c exit": median_ms(["wine", "cmd", "/c", "exit"], env),
            "wine otpilot.exe --version": median_ms(["wine", exe, "--version"], env),
            "wine otpilot.exe credential-process (warm)": median_ms(
                ["wine", exe, "credential-process", "bench"], env),
        }
        subprocess.run(["wineserver", "-k"], env=env)
        server.wait()
        width = max(map(len, rows))
        print(f"otpilot.exe under Wine, median of {RUNS} runs each")
        for name, ms in rows.items():
            print(f"{name:{width}}  {ms:8.1f} ms")
        floor = rows["wine otpilot.exe --version"]
        warm = rows["wine otpilot.exe credential-process (warm)"]
        print(f"warm credential-process / --version: {warm / floor:.2f}x "
              f"(+{warm - floor:.1f} ms: the Credential Manager read and the work)")
        print("through the agent: not measured (on Windows the agent is the vault's headless "
              "agent; this run reads Credential Manager)")
    finally:
        moto.terminate()
        moto.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
