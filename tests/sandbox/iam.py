"""IAM's eventual consistency: a new role cannot be assumed by a service for "a few seconds" (up
to about a minute) after CreateRole (IAM User Guide, troubleshooting, "Changes that I make are
not always immediately visible"). Step Functions checks its execution role when a state machine
is created or its role changed, so that is where the sandbox refuses (stepfunctions.py)."""

import os
import time

from .clock import lock
from .rules import refused, rule
from .wire import element, json_error, params, text

# Not a processing time of the call, so not scaled; tests may set it per role
# (POST /_trdr/iam/propagation).
IAM_PROPAGATION = float(os.environ.get("TRDR_SANDBOX_IAM_PROPAGATION", "8"))

PROPAGATION_RULE = rule(
    "iam_propagation", "states", "AccessDeniedException",
    "IAM User Guide, Troubleshooting IAM: changes that I make are not always immediately visible "
    "(eventual consistency)",
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency")

# role ARN → monotonic creation time; role ARN → propagation seconds
_roles = {}
_role_propagation = {}


def set_propagation(role_arn, seconds):
    """Role `role_arn` becomes assumable `seconds` after its creation (or from now, when it
    exists already)."""
    with lock:
        _role_propagation[role_arn] = float(seconds)
        if role_arn in _roles:
            _roles[role_arn] = time.monotonic()


def not_assumable(arn):
    """A service's refusal to assume role `arn` (AccessDeniedException, as Step Functions
    answers), when it does not exist or has not propagated yet; else None."""
    with lock:
        created = _roles.get(arn)
        fresh = created is None or time.monotonic() - created < _role_propagation.get(arn, IAM_PROPAGATION)
    if fresh:
        return refused(PROPAGATION_RULE, json_error(
            "AccessDeniedException",
            "Neither the global service principal states.amazonaws.com, nor the regional one is "
            "authorized to assume the provided role.",
        ))
    return None


async def iam(orig, method, path, headers, body, query):
    """Notes when each role was created (and forgets a deleted one)."""
    p = params(body, query)
    status, rh, rb = await orig(method, path, headers, body, query)
    if status < 300:
        xml = text(rb)
        with lock:
            if p.get("Action") == "CreateRole":
                arn = element(xml, "Arn")
                if arn:
                    _roles[arn] = time.monotonic()
            elif p.get("Action") == "DeleteRole":
                for arn in [a for a in _roles if a.endswith(f":role/{p.get('RoleName')}")]:
                    _roles.pop(arn, None)
    return status, rh, rb
