"""Step Functions: listing and tagging rules, the execution role's check, the HTTP Task (missing
in MiniStack) and a callback task's timeout at the sandbox's time scale.

`Wait` states and retry pauses are scaled by MiniStack itself (SFN_WAIT_SCALE, set by the
launcher to the time scale)."""

import json
import re
import time
from urllib.parse import urlparse

from . import calllog, iam, listing, outage
from .clock import SCALE, lock
from .rules import refused, rule
from .wire import json_body, json_error, operation

API = "https://docs.aws.amazon.com/step-functions/latest/apireference/"

TAGS_OF_MISSING_RULE = rule(
    "sfn_tags_of_missing", "states", "ResourceNotFound",
    "AWS Step Functions API Reference, ListTagsForResource (ResourceNotFound: the resource does "
    "not exist)",
    API + "API_ListTagsForResource.html")
TAG_VALUE_RULE = rule(
    "sfn_tag_value", "states", "ValidationException",
    "AWS Step Functions API Reference, Tag (key and value pattern ^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$)",
    API + "API_Tag.html")

# AWS Step Functions API Reference, Tag: keys and values match ^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$ —
# letters, white space, digits and these.
TAG_PUNCTUATION = "_.:/=+-@"


def _tag_char_ok(c):
    return c.isalpha() or c.isdigit() or c.isspace() or c in TAG_PUNCTUATION


def _bad_tags(tags):
    for i, t in enumerate(tags or [], start=1):
        for field in ("key", "value"):
            v = t.get(field) or ""
            if not all(_tag_char_ok(c) for c in v):
                return (
                    f"1 validation error detected: Value '{v}' at 'tags.{i}.member.{field}' failed "
                    "to satisfy constraint: Member must satisfy regular expression pattern: "
                    r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$"
                )
    return None


async def states(orig, method, path, headers, body, query):
    action = operation(headers)
    data = json_body(body)
    if action == "ListStateMachines":
        refusal, body = listing.list_state_machines(data)
        if refusal:
            return refusal
    arn = data.get("resourceArn", "")
    if action in ("ListTagsForResource", "TagResource", "UntagResource") and ":stateMachine:" in arn:
        # A state machine that does not exist has no tags to list: ResourceNotFound (MiniStack
        # answers an empty list).
        probe_headers = dict(headers, **{"x-amz-target": "AWSStepFunctions.DescribeStateMachine"})
        status, _, _ = await orig(method, path, probe_headers,
                                  json.dumps({"stateMachineArn": arn}).encode(), query)
        if status >= 400:
            return refused(TAGS_OF_MISSING_RULE, json_error(
                "ResourceNotFound", f"Resource not found: '{arn}'"))
    if action in ("CreateStateMachine", "TagResource"):
        problem = _bad_tags(data.get("tags"))
        if problem:
            return refused(TAG_VALUE_RULE, json_error("ValidationException", problem))
    if action == "CreateStateMachine" or (action == "UpdateStateMachine" and data.get("roleArn")):
        denied = iam.not_assumable(data.get("roleArn", ""))
        if denied:
            return denied
    return await orig(method, path, headers, body, query)


def http_invoke(resource, data):
    """Step Functions' HTTP Task (`arn:aws:states:::http:invoke`; Step Functions developer guide,
    "Call HTTPS APIs"), answered from the sandbox's model of the endpoint: it needs an existing
    EventBridge connection and an https:// endpoint, and fails a non-2xx answer with
    `States.Http.StatusCode.NNN`."""
    from ministack.core.responses import get_region
    from ministack.services import eventbridge as eb
    from ministack.services.stepfunctions import _ExecutionError

    region = get_region()
    url = data.get("ApiEndpoint") or ""
    conn = ((data.get("Authentication") or {}).get("ConnectionArn")) or ""
    caller = calllog.current_caller() or {}
    calllog.http_invoke(region, caller.get("state_machine_arn", ""), conn, caller)
    if outage.down(region):
        time.sleep(outage.OUTAGE_HANG)
        raise _ExecutionError("States.Http.Socket", f"{region} is unavailable (sandbox region outage)")
    if not conn:
        raise _ExecutionError("States.Runtime", "The HTTP Task requires Authentication.ConnectionArn (an EventBridge connection).")
    # AWS's connection ARNs end in /UUID; MiniStack's end at the name.
    m = re.match(r"^arn:aws:events:([a-z0-9-]+):\d+:connection/([^/]+)(?:/|$)", conn)
    if not m or eb._connections.get(m.group(2)) is None:
        raise _ExecutionError("States.Runtime", f"The connection {conn} does not exist.")
    if not url.startswith("https://"):
        raise _ExecutionError("States.Runtime", f"The API endpoint {url} must use HTTPS.")
    fqdn = urlparse(url).hostname or ""
    with lock:
        outage.probe_counts[fqdn] = outage.probe_counts.get(fqdn, 0) + 1
    if outage.down(outage.endpoint_region(fqdn)):
        time.sleep(outage.OUTAGE_HANG)
        raise _ExecutionError("States.Http.Socket", f"Connection to {fqdn} timed out")
    if not outage.endpoint_healthy(fqdn, probe=True):
        raise _ExecutionError("States.Http.StatusCode.503", "Service Unavailable")
    return {"Headers": {"content-type": ["application/json"]}, "ResponseBody": {"status": "ok"},
            "StatusCode": 200, "StatusText": "OK"}


def install(stepfunctions):
    """The HTTP Task, a callback task's timeout in sandbox time, and the Route 53 operations
    Step Functions' aws-sdk:route53 tasks reach on AWS."""
    stepfunctions._SERVICE_DISPATCH["arn:aws:states:::http:invoke"] = http_invoke
    # A callback task's TimeoutSeconds (an approval's wait for a person) is a duration like any
    # other: scaled. Ordinary tasks' timeouts bound calls that take real time here: unscaled.
    callback = stepfunctions._invoke_with_callback

    def scaled_callback(resource, input_data, token, state_def):
        if "TimeoutSeconds" in state_def:
            state_def = dict(state_def, TimeoutSeconds=state_def["TimeoutSeconds"] * SCALE)
        return callback(resource, input_data, token, state_def)

    stepfunctions._invoke_with_callback = scaled_callback
    stepfunctions._ROUTE53_OP_SPECS["GetHealthCheckStatus"] = {
        "method": "GET", "path": "/2013-04-01/healthcheck/{HealthCheckId}/status",
        "path_params": {"HealthCheckId": "HealthCheckId"},
    }
    stepfunctions._ROUTE53_OP_SPECS["GetChange"] = {
        "method": "GET", "path": "/2013-04-01/change/{Id}", "path_params": {"Id": "Id"},
    }
