"""Runs tests/examples/ (the two-region-dr example's Lambda code against the sandbox) and
tests/sandbox/test_*.py (the realistic layer's rules, each read through boto3, and its registry)
with unittest, and closes with a line CI counts: `examples: N passed, N failed[, N skipped], of N
found` (scripts/suite.py checks that every test found ran). Exits non-zero when a test failed or
none ran.

    scripts/sandbox.sh run .venv/bin/python tests/examples/run.py
"""
import os
import sys
import unittest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))

suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
# The layer is the package `sandbox` (tests/sandbox/): its tests import it from tests/.
TESTS = os.path.dirname(HERE)
suite.addTests(unittest.defaultTestLoader.discover(os.path.join(TESTS, "sandbox"), pattern="test_*.py",
                                                   top_level_dir=TESTS))
found = suite.countTestCases()
result = unittest.TextTestRunner(verbosity=2).run(suite)
failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
skipped = len(result.skipped)
passed = max(0, result.testsRun - failed - skipped - len(result.expectedFailures))
sys.stderr.flush()
print(f"examples: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
      + f", of {found} found", flush=True)
sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
