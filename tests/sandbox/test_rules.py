"""The registry (rules.py) lists every rule the layer enforces: each refusal site names a
registered rule, each registered rule has a refusal site, a test and its AWS documentation, and
GET /_trdr/stats reports them all."""

import ast
import importlib
import os
import re
import unittest

from sandbox import realistic, rules  # noqa: F401 - realistic imports every module of the layer
from sandbox.support import SandboxTest, control

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GUIDE = os.path.join(ROOT, "templates", "guides", "acceptance-testing.md")


def layer_modules():
    for entry in sorted(os.listdir(HERE)):
        if entry.endswith(".py") and not entry.startswith("test_") and entry not in ("support.py", "launch.py"):
            yield os.path.join(HERE, entry), importlib.import_module(f"sandbox.{entry[:-3]}")


def refusal_sites():
    """(file, line, the rule it names) of every call of `refused` in the layer."""
    for path, module in layer_modules():
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else None
            if name != "refused":
                continue
            named = eval(compile(ast.Expression(node.args[0]), path, "eval"), vars(module))  # noqa: S307
            yield os.path.basename(path), node.lineno, named


def test_sources():
    for entry in sorted(os.listdir(HERE)):
        if entry.startswith("test_") and entry.endswith(".py") and entry != "test_rules.py":
            with open(os.path.join(HERE, entry), encoding="utf-8") as f:
                yield entry, f.read()


class Registry(unittest.TestCase):
    def test_every_refusal_site_names_a_registered_rule(self):
        sites = list(refusal_sites())
        self.assertGreater(len(sites), len(rules.RULES) - 1)
        for path, line, named in sites:
            self.assertIn(named, rules.RULES, f"{path}:{line} refuses by an unregistered rule {named!r}")

    def test_every_registered_rule_is_enforced_somewhere(self):
        enforced = {named for _, _, named in refusal_sites()}
        self.assertEqual(set(rules.RULES) - enforced, set(), "registered rules no call site fires")

    def test_an_unregistered_rule_cannot_refuse(self):
        with self.assertRaises(KeyError):
            rules.refused("no_such_rule", None)

    def test_every_rule_has_a_test(self):
        sources = dict(test_sources())
        for name in rules.RULES:
            tested = [f for f, text in sources.items() if re.search(rf'"{re.escape(name)}"', text)]
            self.assertTrue(tested, f"no tests/sandbox/test_*.py names rule {name}")

    def test_every_rule_cites_where_aws_documents_it(self):
        for r in rules.RULES.values():
            self.assertTrue(r.code is None or re.fullmatch(r"[A-Za-z]+", r.code), r)
            self.assertTrue(r.doc, r)
            if r.url is None:
                self.assertTrue(r.doc.startswith("none:"), f"{r.name}: a rule without a page says why")
            else:
                self.assertRegex(r.url, r"^https://docs\.aws\.amazon\.com/", r)

    def test_the_acceptance_testing_guide_names_every_rule(self):
        with open(GUIDE, encoding="utf-8") as f:
            guide = f.read()
        for name in rules.RULES:
            self.assertTrue(f"`{name}`" in guide, f"{GUIDE} does not name rule {name}")


class Stats(SandboxTest):
    def test_stats_count_every_registered_rule_even_those_that_never_fired(self):
        self.assertEqual(set(control("/_trdr/stats")["refusals"]), set(rules.RULES))
        served = {r["name"]: r for r in control("/_trdr/rules")["rules"]}
        self.assertEqual(set(served), set(rules.RULES))
        for name, r in rules.RULES.items():
            self.assertEqual((served[name]["code"], served[name]["url"]), (r.code, r.url))


if __name__ == "__main__":
    unittest.main()
