#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Proves each rule of scripts/check-source.py can fail: every folder here
named after a rule is a tree that breaks that rule (and only it), and must
be refused with that rule's id; "good" breaks none and must pass."""

import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
script = sys.argv[1]
failures = 0
rules = sorted(d for d in os.listdir(here) if os.path.isdir(os.path.join(here, d)))
for rule in rules:
    run = subprocess.run(
        [sys.executable, script, "--root", os.path.join(here, rule)],
        capture_output=True,
        text=True,
    )
    found = [line.split(": ")[1] for line in run.stdout.splitlines() if ": " in line]
    if rule == "good":
        ok = run.returncode == 0 and not found
    else:
        ok = run.returncode == 1 and found and all(r == rule for r in found)
    print(f"{'ok' if ok else 'FAIL'}: {rule}: exit {run.returncode}, {found}")
    if not ok:
        print(run.stdout + run.stderr)
        failures += 1
# every rule the script knows has a fixture that fails it
known = set(
    subprocess.run(
        [sys.executable, script, "--list-rules"], capture_output=True, text=True, check=True
    ).stdout.split()
)
missing = sorted(known - set(rules))
if missing:
    print(f"FAIL: no fixture for {missing}")
    failures += 1
sys.exit(1 if failures else 0)
