"""Prints the Rust crates linked into Otpilot's binaries, each with its licence texts.

Usage: python3 packaging/third_party.py REPO [PACKAGE...] > THIRD-PARTY

The crates are those the named packages (default: `otpilot` and `otpilot-tray`) reach through normal
dependencies on x86_64 Linux (no build or dev dependencies), as `cargo metadata` resolves
them; the texts are the crates' own LICENSE*/COPYING*/NOTICE* files.
"""

import json
import pathlib
import subprocess
import sys

repo = sys.argv[1]
meta = json.loads(
    subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked",
         "--filter-platform", "x86_64-unknown-linux-gnu"],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout
)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
wanted = sys.argv[2:] or ["otpilot", "otpilot-tray"]
roots = [p["id"] for p in meta["packages"] if p["name"] in wanted]

seen, todo = set(), list(roots)
while todo:
    node = nodes[todo.pop()]
    if node["id"] in seen:
        continue
    seen.add(node["id"])
    for dep in node["deps"]:
        if any(k["kind"] is None for k in dep["dep_kinds"]):
            todo.append(dep["pkg"])

out = sys.stdout
out.write(f"Rust crates built into {', '.join(wanted)}\n")
out.write("=" * 64 + "\n\n")
crates = sorted((packages[i] for i in seen if packages[i]["source"]), key=lambda p: (p["name"], p["version"]))
for p in crates:
    out.write(f"{p['name']} {p['version']}: {p['license'] or p.get('license_file') or 'see below'}\n")
for p in crates:
    folder = pathlib.Path(p["manifest_path"]).parent
    texts = sorted(
        f for f in folder.iterdir()
        if f.is_file() and f.name.upper().startswith(("LICENSE", "LICENCE", "COPYING", "NOTICE"))
    )
    if not texts:
        continue
    out.write(f"\n{'-' * 64}\n{p['name']} {p['version']}\n")
    for f in texts:
        out.write(f"\n--- {f.name} ---\n")
        out.write(f.read_text(errors="replace"))
