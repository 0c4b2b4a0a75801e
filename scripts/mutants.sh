#!/usr/bin/env bash
# make mutants: mutation testing of the modules that need neither AWS nor Terraform, then
# bench/MUTANTS.md from cargo-mutants' outcomes.json.
#
#   scripts/mutants.sh                     every module below
#   scripts/mutants.sh src/naming.rs ...   only these files (a subset; MUTANTS.md says which)
#   scripts/mutants.sh --list              how many mutants each file has, nothing run
#   scripts/mutants.sh --report FILE...    MUTANTS.md again from the last run's outcomes.json
#
# Each mutant is built and tested with the library's unit tests and tests/validation.rs (see
# .cargo/mutants.toml), never the acceptance suite. The machine is shared: one job, lowest
# priority, and the whole run ends after MUTANTS_BUDGET seconds (default 3000); what finished by
# then is reported, and MUTANTS.md says the run was cut short.
#
# Mutants are applied in place, so one at a time (cargo-mutants takes no --jobs then), and it
# restores each file after its mutant: a copy of the tree would rebuild every dependency from
# scratch. The run refuses to start when src/ has uncommitted changes, and checks afterwards that
# src/ is as it was.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

MODULES=(
  src/framework/attr.rs src/framework/diag.rs src/framework/plan.rs src/framework/resource.rs
  src/framework/check.rs src/framework/schema.rs src/framework/validate.rs src/framework/value.rs
  src/framework/upgrade.rs src/resources/spelled.rs
  src/naming.rs src/waiter.rs src/steps.rs
  src/resources/failover_orchestrator/runbook/builder.rs
)
TOOLS="$ROOT/target/tools"
MUTANTS="$TOOLS/bin/cargo-mutants"
OUT="$ROOT/target/mutants"
BUDGET=${MUTANTS_BUDGET:-3000}

if [[ ! -x "$MUTANTS" ]]; then
  echo "mutants: installing cargo-mutants into $TOOLS (once)"
  if ! cargo install --locked cargo-mutants --root "$TOOLS"; then
    echo "mutants: could not install cargo-mutants from crates.io (cargo install --locked cargo-mutants --root $TOOLS); install it there by hand and run again" >&2
    exit 1
  fi
fi

list=false
report_only=false
files=()
for a in "$@"; do
  case "$a" in
    --list) list=true ;;
    --report) report_only=true ;;
    *) files+=("$a") ;;
  esac
done
subset=true
if [[ ${#files[@]} -eq 0 ]]; then
  files=("${MODULES[@]}")
  subset=false
fi
file_args=()
for f in "${files[@]}"; do
  [[ -f "$f" ]] || { echo "mutants: no such file: $f" >&2; exit 1; }
  file_args+=(--file "$f")
done

if $list; then
  "$MUTANTS" mutants --list "${file_args[@]}" | cut -d: -f1 | sort | uniq -c | sort -rn
  exit 0
fi

before=$(git rev-parse HEAD)
command=(nice -n 19 "$MUTANTS" mutants --in-place --no-shuffle --timeout 600 --build-timeout 900
  --output "$OUT" "${file_args[@]}")
status=0
if $report_only; then
  status=$(cat "$OUT/status" 2>/dev/null || echo 0)
else
if ! git diff --quiet -- src; then
  echo "mutants: src/ has uncommitted changes; mutants are applied in place, so commit or set them aside first" >&2
  exit 1
fi
echo "mutants: ${command[*]} (budget ${BUDGET}s)"
# SIGINT is what cargo-mutants handles as an interrupt: it restores the mutated file and stops.
timeout --signal=INT --kill-after=120 "$BUDGET" "${command[@]}" || status=$?
if ! git diff --quiet -- src; then
  echo "mutants: src/ differs from $before after the run: a mutant was left in place (git diff -- src)" >&2
  exit 1
fi
# cargo-mutants exits 2 when mutants were missed, 3 on timeouts, 4 when the baseline fails;
# 124 is the budget running out. The report says which.
case "$status" in
  0 | 2 | 3 | 124 | 130) ;;
  *) echo "mutants: cargo-mutants failed (exit $status); see $OUT/mutants.out/debug.log" >&2; exit "$status" ;;
esac
echo "$status" > "$OUT/status"
fi

python3 - "$OUT/mutants.out" bench/MUTANTS.md "$before" "$status" "$subset" "${command[*]}" "${files[@]}" <<'PY'
"""bench/MUTANTS.md from outcomes.json: the score per file, and every mutant not caught."""
import collections
import datetime
import json
import sys

run_dir, out_path, commit, status, subset, command, *files = sys.argv[1:]
# The command as anyone runs it from the project's root, without this machine's paths.
import os
command = command.replace(os.getcwd() + "/", "")
with open(f"{run_dir}/outcomes.json") as f:
    data = json.load(f)
# Every mutant the run found (outcomes.json counts only those it tested).
with open(f"{run_dir}/mutants.json") as f:
    listed = len(json.load(f))

KINDS = {"CaughtMutant": "caught", "MissedMutant": "missed", "Unviable": "unviable", "Timeout": "timeout"}


def name(m):
    if "name" in m:
        return m["name"]
    function = (m.get("function") or {}).get("function_name", "?")
    line = ((m.get("span") or {}).get("start") or {}).get("line", "?")
    return f"{m['file']}:{line}: {function}: replace with `{m.get('replacement', '?')}` ({m.get('genre', '?')})"


per_file = collections.OrderedDict((f, collections.Counter()) for f in files)
not_caught = []
for o in data.get("outcomes", []):
    scenario = o.get("scenario")
    if not isinstance(scenario, dict) or "Mutant" not in scenario:
        continue
    m = scenario["Mutant"]
    kind = KINDS.get(o.get("summary"), o.get("summary", "?").lower())
    per_file.setdefault(m["file"], collections.Counter())[kind] += 1
    if kind in ("missed", "timeout"):
        not_caught.append((kind, name(m)))

tested = sum(sum(c.values()) for c in per_file.values())
lines = [
    "# Mutation testing",
    "",
    "Generated by `scripts/mutants.sh` (`make mutants`) from cargo-mutants' `outcomes.json`; do not edit by hand.",
    "",
    f"- Date: {datetime.date.today().isoformat()}",
    f"- Commit: {commit}",
    f"- Command: `{command}`, tests: `cargo test --lib --test validation` (`.cargo/mutants.toml`)",
    f"- Files: {'a subset: ' if subset == 'true' else 'every pure module: '}{', '.join(files)}",
    f"- Mutants tested: {tested} of {listed}"
    + (" (the run reached its time budget; the rest were not tested)" if status == "124" or tested < listed else ""),
    "",
    "| File | Caught | Missed | Unviable | Timeout |",
    "|---|---:|---:|---:|---:|",
]
total = collections.Counter()
for f, c in per_file.items():
    total.update(c)
    lines.append(f"| `{f}` | {c['caught']} | {c['missed']} | {c['unviable']} | {c['timeout']} |")
lines.append(f"| **Total** | {total['caught']} | {total['missed']} | {total['unviable']} | {total['timeout']} |")
viable = total["caught"] + total["missed"] + total["timeout"]
if viable:
    lines += ["", f"Score: {total['caught']} of {viable} viable mutants caught ({100 * total['caught'] / viable:.0f}%)."]
lines += ["", "## Not caught", ""]
if not_caught:
    lines += [f"- {kind}: {n}" for kind, n in not_caught]
else:
    lines.append("None.")
# The reasons given for mutants that survive are written by hand below the marker, and kept.
MARKER = "<!-- Written by hand below this line; kept by scripts/mutants.sh. -->"
try:
    with open(out_path) as f:
        kept = f.read().split(MARKER, 1)[1]
except (FileNotFoundError, IndexError):
    kept = "\n## Why the mutants not caught survive\n\nNone yet.\n"
with open(out_path, "w") as f:
    f.write("\n".join(lines) + "\n\n" + MARKER + kept)
print("\n".join(lines))
PY
