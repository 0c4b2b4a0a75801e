#!/usr/bin/env python3
"""Unit tests of the security gate (scripts/security_gate.py); scripts/security-scan.sh runs them
before every scan. Run by hand: python3 scripts/test_security_gate.py"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import security_gate as gate  # noqa: E402

ROOT = "/repo"


def finding(check="CKV_AWS_27", resource="aws_sqs_queue.trades_primary",
            file="examples/two-region-dr/compute.tf", line=9, name="Ensure SQS is encrypted"):
    """One failed check as checkov's JSON report has it."""
    return {
        "check_id": check,
        "check_name": name,
        "check_result": {"result": "FAILED"},
        "file_path": "/" + file.split("/", 1)[1],
        "file_abs_path": f"{ROOT}/{file}",
        "repo_file_path": "/" + file,
        "file_line_range": [line, line + 5],
        "resource": resource,
    }


def report(*failed, passed=10, skipped=(), parsing_errors=(), resources=5):
    return {
        "check_type": "terraform",
        "results": {"failed_checks": list(failed), "skipped_checks": list(skipped),
                    "parsing_errors": list(parsing_errors)},
        "summary": {"passed": passed, "failed": len(failed), "skipped": len(skipped),
                    "parsing_errors": len(parsing_errors), "resource_count": resources,
                    "checkov_version": "3.3.30"},
    }


def judge(rep, exceptions_text):
    exceptions, invalid = gate.parse_exceptions(exceptions_text)
    return gate.evaluate(gate.load_report(rep, ROOT), exceptions, invalid)


SQS = "CKV_AWS_27  aws_sqs_queue.trades_primary  examples/two-region-dr/compute.tf  — the queue is encrypted with SQS-managed keys by design\n"


class ParseExceptions(unittest.TestCase):
    def test_a_line_with_check_resource_file_and_reason(self):
        [e], errors = gate.parse_exceptions("# accepted findings\n\n" + SQS)
        self.assertEqual(errors, [])
        self.assertEqual((e.lineno, e.check_id, e.resource, e.file_glob), (3, "CKV_AWS_27", "aws_sqs_queue.trades_primary", "examples/two-region-dr/compute.tf"))
        self.assertEqual(e.reason, "the queue is encrypted with SQS-managed keys by design")

    def test_double_hyphen_separates_the_reason_too(self):
        [e], errors = gate.parse_exceptions("CKV_AWS_50 * examples/** -- tracing is the operator's choice here\n")
        self.assertEqual(errors, [])
        self.assertEqual(e.reason, "tracing is the operator's choice here")

    def test_a_line_without_a_reason_is_invalid(self):
        for line in ("CKV_AWS_27 aws_sqs_queue.q examples/a.tf",
                     "CKV_AWS_27 aws_sqs_queue.q examples/a.tf —",
                     "CKV_AWS_27 aws_sqs_queue.q examples/a.tf --   "):
            exceptions, errors = gate.parse_exceptions(line + "\n")
            self.assertEqual(exceptions, [], line)
            self.assertEqual(len(errors), 1, line)
            self.assertIn("line 1", errors[0])

    def test_a_reason_of_one_or_two_words_is_not_a_reason(self):
        exceptions, errors = gate.parse_exceptions("CKV_AWS_27 aws_sqs_queue.q examples/a.tf — accepted\n")
        self.assertEqual(exceptions, [])
        self.assertIn("at least 4 words", errors[0])

    def test_a_line_needs_check_resource_and_file(self):
        _, errors = gate.parse_exceptions("CKV_AWS_27 — because the queue is fine\n")
        self.assertEqual(len(errors), 1)
        _, errors = gate.parse_exceptions("aws_sqs_queue.q CKV_AWS_27 examples/a.tf — because the queue is fine\n")
        self.assertIn("not a checkov check id", errors[0])

    def test_a_duplicate_line_is_invalid(self):
        exceptions, errors = gate.parse_exceptions(SQS + SQS)
        self.assertEqual(len(exceptions), 1)
        self.assertIn("the same exception as line 1", errors[0])


class Matching(unittest.TestCase):
    def accepted(self, line):
        [e], errors = gate.parse_exceptions(line + " — a reason of four words\n")
        self.assertEqual(errors, [])
        return e

    def f(self, resource, file, check="CKV2_AWS_34"):
        return gate.Finding(check, "", resource, file, 1)

    def test_resource_star_matches_any_run_and_brackets_are_literal(self):
        e = self.accepted('CKV2_AWS_34 aws_ssm_parameter.*["db-secret-arn"] examples/two-region-dr/main.tf')
        self.assertTrue(e.matches(self.f('aws_ssm_parameter.primary["db-secret-arn"]', "examples/two-region-dr/main.tf")))
        self.assertTrue(e.matches(self.f('aws_ssm_parameter.secondary["db-secret-arn"]', "examples/two-region-dr/main.tf")))
        self.assertFalse(e.matches(self.f('aws_ssm_parameter.primary["runbook-arn"]', "examples/two-region-dr/main.tf")))
        self.assertFalse(e.matches(self.f('aws_ssm_parameter.primary["db-secret-arn"]', "examples/two-region-dr/main.tf", check="CKV2_AWS_3")))

    def test_the_resource_is_exact_without_a_star(self):
        e = self.accepted("CKV_AWS_27 aws_sqs_queue.trades examples/a.tf")
        self.assertTrue(e.matches(self.f("aws_sqs_queue.trades", "examples/a.tf", "CKV_AWS_27")))
        self.assertFalse(e.matches(self.f("aws_sqs_queue.trades_primary", "examples/a.tf", "CKV_AWS_27")))
        self.assertFalse(e.matches(self.f("module.x.aws_sqs_queue.trades", "examples/a.tf", "CKV_AWS_27")))

    def test_file_star_stays_in_a_segment_double_star_crosses(self):
        one = self.accepted("CKV_AWS_27 * examples/*/main.tf")
        anyd = self.accepted("CKV_AWS_27 * examples/**/main.tf")
        top, deep = "examples/sandbox/main.tf", "examples/two-region-dr/network/main.tf"
        self.assertTrue(one.matches(self.f("r.a", top, "CKV_AWS_27")))
        self.assertFalse(one.matches(self.f("r.a", deep, "CKV_AWS_27")))
        self.assertTrue(anyd.matches(self.f("r.a", top, "CKV_AWS_27")))
        self.assertTrue(anyd.matches(self.f("r.a", deep, "CKV_AWS_27")))
        self.assertFalse(anyd.matches(self.f("r.a", "src/main.tf", "CKV_AWS_27")))


class Verdicts(unittest.TestCase):
    def test_every_finding_accepted_and_every_exception_used_is_green(self):
        v = judge(report(finding()), SQS)
        self.assertTrue(v.ok)
        self.assertEqual((len(v.accepted), v.exceptions_used, v.failed), (1, 1, 0))

    def test_an_unlisted_finding_turns_it_red(self):
        other = finding(check="CKV_AWS_50", resource="aws_lambda_function.trade_processor_primary")
        v = judge(report(finding(), other), SQS)
        self.assertFalse(v.ok)
        self.assertEqual([f.check_id for f in v.unaccepted], ["CKV_AWS_50"])
        self.assertEqual(v.failed, 1)

    def test_a_finding_with_no_exceptions_file_lines_turns_it_red(self):
        v = judge(report(finding()), "# nothing accepted\n")
        self.assertFalse(v.ok)
        self.assertEqual(len(v.unaccepted), 1)

    def test_a_stale_exception_turns_it_red(self):
        # The finding was fixed: its exception must go.
        v = judge(report(), SQS)
        self.assertFalse(v.ok)
        self.assertEqual([e.check_id for e in v.stale], ["CKV_AWS_27"])
        self.assertEqual(v.failed, 1)

    def test_an_exception_for_another_resource_is_stale_and_the_finding_unaccepted(self):
        renamed = SQS.replace("trades_primary", "trades_primary_old")
        v = judge(report(finding()), renamed)
        self.assertEqual((len(v.unaccepted), len(v.stale), v.failed), (1, 1, 2))

    def test_an_exception_without_reason_turns_it_red_and_accepts_nothing(self):
        v = judge(report(finding()), "CKV_AWS_27 aws_sqs_queue.trades_primary examples/two-region-dr/compute.tf\n")
        self.assertFalse(v.ok)
        self.assertEqual((len(v.invalid), len(v.unaccepted)), (1, 1))

    def test_an_inline_skip_turns_it_red(self):
        skip = dict(finding(), check_result={"result": "SKIPPED", "suppress_comment": "x"})
        v = judge(report(skipped=[skip]), "")
        self.assertFalse(v.ok)
        self.assertIn("inline suppression", v.other[0])

    def test_a_file_checkov_cannot_parse_turns_it_red(self):
        v = judge(report(parsing_errors=[f"{ROOT}/examples/broken/main.tf"]), "")
        self.assertFalse(v.ok)
        self.assertIn("examples/broken/main.tf", v.other[0])

    def test_a_scan_of_nothing_turns_it_red(self):
        self.assertFalse(judge(report(resources=0), "").ok)

    def test_checkovs_bare_summary_for_an_empty_scan_turns_it_red(self):
        bare = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0, "checkov_version": "3.3.30"}
        v = judge(bare, "")
        self.assertFalse(v.ok)
        self.assertIn("no resource", v.other[0])

    def test_one_pattern_line_accepts_both_regions(self):
        a = finding(check="CKV_AWS_73", resource="module.health_primary.aws_api_gateway_stage.prod", file="examples/two-region-dr/health-endpoint/main.tf")
        b = dict(a, resource="module.health_secondary.aws_api_gateway_stage.prod")
        v = judge(report(a, b), "CKV_AWS_73 module.health_*.aws_api_gateway_stage.prod examples/two-region-dr/health-endpoint/main.tf — X-Ray is optional here\n")
        self.assertTrue(v.ok)
        self.assertEqual((len(v.accepted), v.exceptions_used), (2, 1))

    def test_reports_of_several_frameworks_are_summed(self):
        rep = [report(finding(), passed=3), report(passed=4)]
        r = gate.load_report(rep, ROOT)
        self.assertEqual((r.passed, len(r.failed), r.failed[0].file), (7, 1, "examples/two-region-dr/compute.tf"))


class Main(unittest.TestCase):
    def run_main(self, rep, exceptions_text):
        with tempfile.TemporaryDirectory() as d:
            rp, ep = os.path.join(d, "results_json.json"), os.path.join(d, "security-exceptions.txt")
            with open(rp, "w") as fh:
                json.dump(rep, fh)
            with open(ep, "w") as fh:
                fh.write(exceptions_text)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                rc = gate.main(["--root", ROOT, rp, ep])
        return rc, out.getvalue().splitlines()

    def test_green_exits_0_with_the_summary_line_last(self):
        rc, lines = self.run_main(report(finding(), passed=12), SQS)
        self.assertEqual(rc, 0)
        self.assertEqual(lines[-1], "security-scan: 12 passed, 0 failed")
        self.assertIn("1 finding(s) accepted by 1 exception(s)", lines[-2])

    def test_red_exits_1_listing_each_unaccepted_and_stale(self):
        other = finding(check="CKV_AWS_50", resource="aws_lambda_function.p")
        stale = "CKV_AWS_116 aws_lambda_function.p examples/two-region-dr/compute.tf — the DLQ is on the queue\n"
        rc, lines = self.run_main(report(finding(), other, passed=12), SQS + stale)
        self.assertEqual(rc, 1)
        self.assertTrue(any(l.startswith("security-scan: NOT ACCEPTED CKV_AWS_50 aws_lambda_function.p ") for l in lines), lines)
        self.assertTrue(any(l.startswith("security-scan: STALE ") and "CKV_AWS_116" in l for l in lines), lines)
        self.assertRegex(lines[-1], re.compile(r"^security-scan: 12 passed, 2 failed$"))

    def test_an_unreadable_report_exits_2(self):
        with contextlib.redirect_stderr(io.StringIO()):
            self.assertEqual(gate.main(["/nonexistent/report.json", "/nonexistent/x.txt"]), 2)


if __name__ == "__main__":
    unittest.main()
