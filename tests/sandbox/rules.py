"""The registry of the layer's rules: every refusal (and every counted effect, such as a stale
answer) names a rule registered here with its service, AWS's error code and the AWS documentation
it follows. GET /_trdr/stats reports how often each registered rule fired, zero included, so a
test can tell a rule fired and a reader sees every rule the layer enforces."""

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    name: str
    # The service whose calls it judges (MiniStack's handler name).
    service: str
    # The error code AWS answers (None: the rule changes an answer rather than refusing).
    code: str | None
    # Where AWS documents the behaviour: title, and the page.
    doc: str
    url: str | None


RULES = {}
_counts = {}
_lock = threading.Lock()


def rule(name, service, code, doc, url):
    """Registers a rule; returns its name, which the refusal site passes to `refused`."""
    if name in RULES:
        raise ValueError(f"rule {name} registered twice")
    RULES[name] = Rule(name, service, code, doc, url)
    return name


def refused(name, response):
    """Counts one firing of rule `name` and returns `response` (the refusal, or None)."""
    if name not in RULES:
        raise KeyError(f"rule {name} is not registered (tests/sandbox/rules.py)")
    with _lock:
        _counts[name] = _counts.get(name, 0) + 1
    return response


def counts():
    """{rule: how often it fired} for every registered rule."""
    with _lock:
        return {name: _counts.get(name, 0) for name in sorted(RULES)}


def table():
    """The registry as JSON-ready rows."""
    return [{"name": r.name, "service": r.service, "code": r.code, "doc": r.doc, "url": r.url}
            for r in sorted(RULES.values(), key=lambda r: (r.service, r.name))]
