"""trdr's realistic sandbox: MiniStack with the AWS rules and timings trdr depends on, installed
into MiniStack's process.

MiniStack is lenient where AWS is not: RDS objects are `available` the moment they are created, a
global failover completes inside the call, and several documented rules are not enforced. This
layer wraps MiniStack's service handlers *inside its own process* (`app.SERVICE_HANDLERS`), so it
applies to SDK calls from outside and to the `aws-sdk:*` tasks Step Functions runs inside alike.

Each service's rules, limits and timings live in its own module, next to the AWS documentation
each follows: rds.py, dynamodb.py, route53.py, stepfunctions.py, iam.py, secretsmanager.py,
scheduler.py, cloudwatch.py (Step Functions' metrics, alarm evaluation and warm-up), listing.py
(pagination), outage.py (region outages, endpoint health, unreadable answers), throttling.py
(API rate limits). Every refusal names a rule of the registry (rules.py), which GET /_trdr/stats
counts; control.py is the loopback control API; README.md says
how to add a rule. docs/guides/acceptance-testing.md tabulates them.

Time: every AWS duration is a real figure multiplied by TRDR_SANDBOX_TIME_SCALE (default 0.01,
clock.py); Step Functions `Wait` states and retry pauses are scaled by the same factor
(MiniStack's SFN_WAIT_SCALE, set by the launcher).

Integrity: whatever a rule rewrites keeps `x-amz-crc32` and `Content-Length` right
(`wire.with_integrity`, applied to every answer), so boto3 and the AWS CLI, which check them,
accept every answer.

Call log: with TRDR_SANDBOX_CALL_LOG set, every call `outage()` sees, and what executions and
schedules do inside, is logged with its IAM action and caller (calllog.py; tests/permissions.rs).
"""

from . import (calllog, cloudwatch, control, dynamodb, iam, listing, outage, rds, route53,
               scheduler, secretsmanager, stepfunctions)
from .wire import with_integrity

# MiniStack's handler name → the layer's wrapper of it.
WRAPPERS = {
    "rds": rds.rds,
    "states": stepfunctions.states,
    "iam": iam.iam,
    "dynamodb": dynamodb.dynamodb,
    "route53": route53.route53,
    "secretsmanager": secretsmanager.secretsmanager,
    "s3": listing.s3,
}


def install():
    from ministack import app as app_mod
    from ministack.services import eventbridge
    from ministack.services import stepfunctions as sfn

    for name, fn in WRAPPERS.items():
        orig = app_mod.SERVICE_HANDLERS[name]

        async def handler(method, path, headers, body, query_params, _orig=orig, _fn=fn):
            return await _fn(_orig, method, path, headers, body, query_params)

        app_mod.SERVICE_HANDLERS[name] = handler

    # The outage comes first: a region that is down refuses before any other rule looks.
    for name in list(app_mod.SERVICE_HANDLERS):
        orig = app_mod.SERVICE_HANDLERS[name]
        outage.inner_handlers[name] = orig

        async def down_or(method, path, headers, body, query_params, _orig=orig, _name=name):
            return with_integrity(await outage.outage(_name, _orig, method, path, headers, body, query_params))

        app_mod.SERVICE_HANDLERS[name] = down_or

    stepfunctions.install(sfn)
    # TRDR_SANDBOX_CALL_LOG: who calls from inside (executions, schedules), see calllog.py.
    calllog.install(app_mod, sfn, eventbridge)
    scheduler.install()
    cloudwatch.install()
    dynamodb.install()
    control.install(app_mod)
