#!/usr/bin/env python3
"""The bench's "What `make test` costs" section, from the record of the last whole `make test`
(target/suite/times.json, which scripts/suite.py writes): each part's time and tests, the stages
that run side by side, and the ratio of the wall time to the parts' sum. `make bench` runs it
last; alone:

    python3 scripts/suite-cost.py      (after a whole `make test` on this machine)
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMES = os.path.join(ROOT, "target", "suite", "times.json")
RESULTS = os.path.join(ROOT, "bench", "RESULTS.md")
TITLE = "What `make test` costs"


def section(record):
    parts = record["parts"]
    if not all(p["ok"] for p in parts):
        sys.exit("suite-cost: the last make test failed; its times say nothing of the suite's cost")
    names = {p["name"] for p in parts}
    if "permissions" not in names or "build" not in names:
        sys.exit("suite-cost: target/suite/times.json is of a partial run (--only); run the whole make test")
    serial = sum(p["seconds"] for p in parts)
    wall = record["total_seconds"]
    lines = [
        f"## {TITLE} (measured {record['date']})",
        "",
        f"One whole `make test` (`scripts/suite.py`) at commit {record['commit']} on {record['cores']} cores, "
        "with the build already done or not as the \"build\" row says. Parts of one stage run side by "
        "side, each suite against a sandbox of its own; \"share\" is the part's time over the wall time.",
        "",
        "| part | what it runs | tests | seconds | share |",
        "|---|---|---:|---:|---:|",
    ]
    for p in parts:
        lines.append(f"| {p['name']} | {p['what']} | {p['tests'] or '–'} | {p['seconds']} | "
                     f"{p['seconds'] / wall:.2f} |")
    lines += [
        f"| **wall time** | | {sum(p['tests'] for p in parts)} | **{wall}** | 1.00 |",
        "",
        f"The parts one after another would take {serial} s: running the stages' parts side by side "
        f"makes the suite {serial / wall:.2f}× faster than that.",
        "",
    ]
    return lines


def main():
    if not os.path.exists(TIMES):
        sys.exit("suite-cost: no target/suite/times.json: run `make test` first")
    with open(TIMES) as f:
        record = json.load(f)
    lines = section(record)
    with open(RESULTS) as f:
        text = f.read()
    text = re.sub(rf"## {re.escape(TITLE)}.*?(?=\n## |\Z)", "", text, flags=re.S).rstrip("\n")
    text += "\n\n" + "\n".join(lines)
    with open(RESULTS, "w") as f:
        f.write(text.rstrip("\n") + "\n")
    print(f"suite-cost: wrote the section '{TITLE}' of bench/RESULTS.md")


if __name__ == "__main__":
    main()
