#!/usr/bin/env python3
"""The security gate of `make test`: checkov's findings over examples/ against the accepted ones.

    security_gate.py REPORT EXCEPTIONS [--root DIR]

REPORT is checkov's JSON report (`-o json`, one framework or several); EXCEPTIONS is the checked-in
list of accepted findings (examples/security-exceptions.txt), one line each:

    CHECK_ID  RESOURCE  FILE_GLOB  — reason, in a few words, why this is acceptable by design

  CHECK_ID   checkov's id, exactly (CKV_AWS_50, CKV2_AWS_12); no wildcard.
  RESOURCE   the resource address as checkov reports it (module.health_primary.aws_api_gateway_stage.prod,
             aws_ssm_parameter.primary["db-secret-arn"]); `*` matches any run of characters, so
             `module.health_*.aws_api_gateway_stage.prod` names both regions and `*` alone any
             resource of the files; every other character is literal (brackets and quotes too).
  FILE_GLOB  the file that defines the resource, relative to the repository's root
             (examples/two-region-dr/compute.tf); `*` matches within one path segment, `**` any
             number of segments.
  reason     after an em dash (—) or a double hyphen (--): mandatory, at least four words.

Blank lines and lines starting with `#` are ignored. The gate fails (exit 1), listing each, on:
a failed check that no exception covers; an exception line that is malformed or has no reason; an
exception that matches no finding any more (stale: remove it); an inline `checkov:skip` (the
exceptions file is the one place findings are accepted); a file checkov could not parse. Its last
line is `security-scan: N passed, M failed`, N the checks that passed and M the findings not
accepted plus the stale and invalid exception lines.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field

CHECK_ID = re.compile(r"^CKV2?_[A-Z0-9]+(?:_[A-Z0-9]+)*_\d+$")
# CHECK_ID RESOURCE FILE_GLOB, then the separator and the reason.
LINE = re.compile(r"^(?P<check>\S+)\s+(?P<resource>\S+)\s+(?P<file>\S+)(?:\s+(?:—|--)(?P<reason>.*))?$")
MIN_REASON_WORDS = 4


@dataclass(frozen=True)
class Finding:
    check_id: str
    check_name: str
    resource: str
    file: str  # relative to the repository's root, `/`-separated
    line: int

    def describe(self) -> str:
        return f"{self.check_id} {self.resource} ({self.file}:{self.line}) — {self.check_name}"


@dataclass
class Accepted:
    lineno: int
    text: str
    check_id: str
    resource: str
    file_glob: str
    reason: str
    matched: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._resource_re = re.compile(
            "^" + ".*".join(re.escape(part) for part in self.resource.split("*")) + "$"
        )
        self._file_re = re.compile("^" + _glob_to_regex(self.file_glob) + "$")

    def matches(self, finding: Finding) -> bool:
        return (
            finding.check_id == self.check_id
            and bool(self._resource_re.match(finding.resource))
            and bool(self._file_re.match(finding.file))
        )


def _glob_to_regex(glob: str) -> str:
    out = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


def parse_exceptions(text: str) -> tuple[list[Accepted], list[str]]:
    """The exception lines, and one error per line that is not a valid exception."""
    exceptions: list[Accepted] = []
    errors: list[str] = []
    seen: dict[tuple[str, str, str], int] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        if not m:
            errors.append(
                f"line {lineno}: expected `CHECK_ID  RESOURCE  FILE_GLOB  — reason`, got: {line}"
            )
            continue
        check, resource, file_glob = m["check"], m["resource"], m["file"]
        reason = (m["reason"] or "").strip()
        if not CHECK_ID.match(check):
            errors.append(f"line {lineno}: `{check}` is not a checkov check id (CKV_AWS_50, CKV2_AWS_12): {line}")
            continue
        if m["reason"] is None:
            errors.append(f"line {lineno}: no reason (`— why this is acceptable` after the file): {line}")
            continue
        if len(reason.split()) < MIN_REASON_WORDS:
            errors.append(
                f"line {lineno}: the reason must say why in at least {MIN_REASON_WORDS} words: {line}"
            )
            continue
        key = (check, resource, file_glob)
        if key in seen:
            errors.append(f"line {lineno}: the same exception as line {seen[key]}: {line}")
            continue
        seen[key] = lineno
        exceptions.append(Accepted(lineno, line, check, resource, file_glob, reason))
    return exceptions, errors


@dataclass
class Report:
    passed: int
    failed: list[Finding]
    skipped: list[str]
    parsing_errors: list[str]
    resource_count: int
    checkov_version: str


def load_report(data: object, root: str) -> Report:
    """checkov's JSON report: a dict for one framework, a list of them for several."""
    reports = data if isinstance(data, list) else [data]
    passed = 0
    resource_count = 0
    version = ""
    failed: list[Finding] = []
    skipped: list[str] = []
    parsing_errors: list[str] = []
    for rep in reports:
        if not isinstance(rep, dict):
            raise ValueError(f"unexpected report entry: {rep!r}")
        if "results" not in rep and "resource_count" in rep:
            rep = {"summary": rep}  # what checkov writes when nothing at all was checked
        summary = rep.get("summary", {})
        passed += int(summary.get("passed", 0))
        resource_count += int(summary.get("resource_count", 0))
        version = summary.get("checkov_version", version)
        results = rep.get("results", {})
        for f in results.get("failed_checks", []):
            failed.append(
                Finding(
                    check_id=f["check_id"],
                    check_name=f.get("check_name", ""),
                    resource=f["resource"],
                    file=_relative(f, root),
                    line=(f.get("file_line_range") or [0])[0],
                )
            )
        for f in results.get("skipped_checks", []):
            skipped.append(f"{f['check_id']} {f['resource']} ({_relative(f, root)})")
        if int(summary.get("skipped", 0)) and not results.get("skipped_checks"):
            skipped.append(f"{summary['skipped']} check(s) skipped inline")
        parsing_errors += [os.path.relpath(p, root) if os.path.isabs(p) else p for p in results.get("parsing_errors", [])]
        if int(summary.get("parsing_errors", 0)) and not results.get("parsing_errors"):
            parsing_errors.append(f"{summary['parsing_errors']} file(s)")
    return Report(passed, failed, skipped, parsing_errors, resource_count, version)


def _relative(f: dict, root: str) -> str:
    path = f.get("file_abs_path")
    if path and os.path.isabs(path):
        return os.path.relpath(path, root).replace(os.sep, "/")
    return (f.get("repo_file_path") or f.get("file_path", "")).lstrip("/")


@dataclass
class Verdict:
    unaccepted: list[Finding]
    stale: list[Accepted]
    invalid: list[str]
    accepted: list[Finding]
    exceptions_used: int
    other: list[str]  # inline skips, parse errors, an empty scan

    @property
    def failed(self) -> int:
        return len(self.unaccepted) + len(self.stale) + len(self.invalid) + len(self.other)

    @property
    def ok(self) -> bool:
        return self.failed == 0


def evaluate(report: Report, exceptions: list[Accepted], invalid: list[str]) -> Verdict:
    unaccepted: list[Finding] = []
    accepted: list[Finding] = []
    for e in exceptions:
        e.matched = []
    for finding in report.failed:
        covering = [e for e in exceptions if e.matches(finding)]
        for e in covering:
            e.matched.append(finding)
        (accepted if covering else unaccepted).append(finding)
    stale = [e for e in exceptions if not e.matched]
    other = [f"inline suppression (accept it in the exceptions file instead): {s}" for s in report.skipped]
    other += [f"checkov could not parse: {p}" for p in report.parsing_errors]
    if report.resource_count == 0:
        other.append("checkov found no resource to scan: wrong directory or framework?")
    used = sum(1 for e in exceptions if e.matched)
    return Verdict(unaccepted, stale, invalid, accepted, used, other)


def _check_order(check_id: str) -> tuple[str, int]:
    """CKV_AWS_9 before CKV_AWS_10."""
    prefix, _, number = check_id.rpartition("_")
    return (prefix, int(number) if number.isdigit() else 0)


def render(verdict: Verdict, report: Report, exceptions_name: str) -> list[str]:
    out: list[str] = []
    p = "security-scan:"
    unaccepted = sorted(verdict.unaccepted, key=lambda f: (_check_order(f.check_id), f.file, f.resource))
    for f in unaccepted:
        out.append(f"{p} NOT ACCEPTED {f.describe()}")
    if unaccepted:
        first = unaccepted[0]
        out.append(
            f"{p}   fix each in the example, or accept it by design in {exceptions_name} with a line "
            f"`{first.check_id}  {first.resource}  {first.file}  — why it is acceptable`"
        )
    for e in verdict.stale:
        out.append(f"{p} STALE {exceptions_name}:{e.lineno} matches no finding any more (remove it): {e.text}")
    for msg in verdict.invalid:
        out.append(f"{p} INVALID {exceptions_name} {msg}")
    for msg in verdict.other:
        out.append(f"{p} ERROR {msg}")
    out.append(
        f"{p} {len(verdict.accepted)} finding(s) accepted by {verdict.exceptions_used} exception(s) in {exceptions_name}"
        f" (checkov {report.checkov_version or '?'}, {report.resource_count} resources)"
    )
    out.append(f"{p} {report.passed} passed, {verdict.failed} failed")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", help="checkov's JSON report")
    ap.add_argument("exceptions", help="the accepted findings, e.g. examples/security-exceptions.txt")
    ap.add_argument("--root", default=os.getcwd(), help="the repository's root (file globs are relative to it)")
    args = ap.parse_args(argv)
    root = os.path.abspath(args.root)
    try:
        with open(args.report, encoding="utf-8") as fh:
            report = load_report(json.load(fh), root)
    except (OSError, ValueError, KeyError) as exc:
        print(f"security-scan: error: cannot read checkov's report {args.report}: {exc}", file=sys.stderr)
        return 2
    try:
        with open(args.exceptions, encoding="utf-8") as fh:
            exceptions, invalid = parse_exceptions(fh.read())
    except OSError as exc:
        print(f"security-scan: error: cannot read the exceptions file: {exc}", file=sys.stderr)
        return 2
    verdict = evaluate(report, exceptions, invalid)
    name = os.path.relpath(os.path.abspath(args.exceptions), root)
    for line in render(verdict, report, name):
        print(line)
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
