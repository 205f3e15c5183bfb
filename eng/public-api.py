#!/usr/bin/env python3
"""Records the public API of every package from what the build reports.

Builds the solution; each RS0016 (a public symbol not recorded) adds its symbol to the project's
PublicAPI.Unshipped.txt, each RS0017 (a recorded symbol no longer public) removes its line. Repeats until the build
reports neither. Run it after a deliberate change of the public API, and read the diff of the PublicAPI files before
committing: it is the change a user of the packages sees.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MISSING = re.compile(r"^(?P<file>[^(]+)\(\d+,\d+\): error RS0016: Symbol '(?P<symbol>.+)' is not part of the declared public API .*\[(?P<project>[^\]]+)\]$")
STALE = re.compile(r"^(?P<file>[^(]+)\((?P<line>\d+),\d+\): error RS0017: Symbol '(?P<symbol>.+)' is part of the declared API, but .*\[(?P<project>[^\]]+)\]$")


def build():
    result = subprocess.run(["dotnet", "build", "Errand.slnx", "-c", "Release", "-v", "q", "-clp:NoSummary"],
                            cwd=ROOT, capture_output=True, text=True)
    return result.stdout.splitlines()


def main():
    for _ in range(5):
        added, removed = {}, {}
        for line in build():
            line = line.strip()
            if m := MISSING.match(line):
                folder = os.path.dirname(m["project"])
                added.setdefault(folder, set()).add(m["symbol"])
            elif m := STALE.match(line):
                removed.setdefault(m["file"], set()).add(m["symbol"])
        if not added and not removed:
            print("public API recorded")
            return 0
        for path, symbols in removed.items():
            with open(path) as f:
                lines = f.read().splitlines()
            with open(path, "w") as f:
                f.write("\n".join(l for l in lines if l not in symbols) + "\n")
            print(f"{os.path.relpath(path, ROOT)}: {len(symbols)} removed")
        for folder, symbols in added.items():
            path = os.path.join(folder, "PublicAPI.Unshipped.txt")
            with open(path) as f:
                lines = [l for l in f.read().splitlines() if l.strip()]
            header = [l for l in lines if l.startswith("#")]
            body = sorted(set(l for l in lines if not l.startswith("#")) | symbols)
            with open(path, "w") as f:
                f.write("\n".join(header + body) + "\n")
            print(f"{os.path.relpath(path, ROOT)}: {len(symbols)} added")
    print("the public API did not settle after 5 builds", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
