"""CloudWatch: Step Functions' execution metrics, and metric alarms evaluated as AWS documents.

MiniStack stores metrics and alarms but publishes no `AWS/States` metric, and evaluates an alarm
only when a datum or the alarm is put, over every datum of the metric whatever its dimensions,
and never on missing data. Here:

- every execution a state machine runs publishes `ExecutionsStarted` when it starts and
  `ExecutionsSucceeded` / `ExecutionsFailed` / `ExecutionsAborted` / `ExecutionsTimedOut` when
  it ends, a count of 1 with dimension `StateMachineArn`, in the state machine's region (Step
  Functions developer guide, "Monitoring Step Functions metrics using Amazon CloudWatch",
  execution metrics and their dimension);
- each metric alarm is evaluated on a clock, not only when data arrives, over its last
  `EvaluationPeriods` complete periods of `Period` seconds (at the sandbox's time scale), each
  period's statistic computed from the data with the alarm's dimensions only; it goes to `ALARM`
  when at least `DatapointsToAlarm` (default: all) of them breach; missing periods count as
  `TreatMissingData` says (`breaching`, `notBreaching`; `missing`: left out, all missing is
  `INSUFFICIENT_DATA`; `ignore`: left out, all missing keeps the state) (CloudWatch User Guide,
  "Using Amazon CloudWatch alarms": "Alarm evaluation" and "Configuring how CloudWatch alarms
  treat missing data");
- an alarm put with a `WarmUpConfiguration` does not evaluate for `WarmUpPeriodDurationInMinutes`
  after `PutMetricAlarm` creates or updates it: it keeps its state (a new one stays
  `INSUFFICIENT_DATA`) and performs no action; unless `OnlyStartEvaluatingAfterWarmUpPeriodEnds`,
  the warm-up ends as soon as data fills its evaluation window (every one of its periods has a
  datum); a warm-up that has ended does not restart when only the warm-up configuration changes
  (CloudWatch User Guide, "Alarm warm-up periods"; API reference, `WarmUpConfiguration`;
  `PutMetricAlarm`: an update leaves the state unchanged). `DescribeAlarms` reports the
  configuration;
- a state change is recorded in the alarm's history, shows in `DescribeAlarms`' `StateValue`,
  and notifies the SNS topics among the actions of the new state (`AlarmActions`, `OKActions`,
  `InsufficientDataActions`) with AWS's JSON message (CloudWatch User Guide, "Alarm actions" and
  "Alarm events and EventBridge"; MiniStack's dispatcher publishes the message);
- a region in an outage evaluates nothing.

Nothing here refuses a call: the module changes what CloudWatch reports, so it registers no rule.
"""

import contextvars
import logging
import math
import threading
import time

from . import outage
from .clock import SCALE, lock

logger = logging.getLogger("trdr.cloudwatch")

DOCS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
# Alarm evaluation, M out of N, missing data.
ALARM_DOC = DOCS + "alarm-evaluation.html"
MISSING_DATA_DOC = DOCS + "alarms-and-missing-data.html"
# Warm-up after creation or update: no evaluation, no action.
WARM_UP_DOC = DOCS + "alarm-warm-up.html"
# Step Functions' execution metrics, dimension StateMachineArn.
SFN_METRICS_DOC = "https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html"

STATES_NAMESPACE = "AWS/States"
# Step Functions developer guide, execution metrics: one per status an execution reaches.
STATUS_METRIC = {
    "RUNNING": "ExecutionsStarted",
    "SUCCEEDED": "ExecutionsSucceeded",
    "FAILED": "ExecutionsFailed",
    "ABORTED": "ExecutionsAborted",
    "TIMED_OUT": "ExecutionsTimedOut",
}

# How often every alarm is evaluated: AWS evaluates at each period's end (periods of a minute or
# more); here often enough for the shortest scaled period.
TICK = max(0.05, 10 * SCALE)

COMPARE = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}


def _statistic(name, values):
    if not values:
        return None
    return {
        "Sum": sum(values),
        "Average": sum(values) / len(values),
        "Maximum": max(values),
        "Minimum": min(values),
        "SampleCount": float(len(values)),
    }.get(name)


def publish_execution_metric(execution):
    """Publishes the metric of the status `execution` just reached, in its state machine's
    region and account (from the ARN: an execution started by a schedule runs in no request's
    scope)."""
    from ministack.services import cloudwatch as cw
    metric = STATUS_METRIC.get(execution.get("status"))
    arn = execution.get("stateMachineArn") or ""
    parts = arn.split(":")
    if not metric or len(parts) < 7:
        return
    region, account = parts[3], parts[4]
    dims = {"StateMachineArn": arn}
    key = (account, region, (STATES_NAMESPACE, metric, cw._dims_key(dims)))
    point = {"Timestamp": time.time(), "Value": 1.0, "Unit": "Count", "Dimensions": dims}
    with lock:
        cw._metrics._data.setdefault(key, []).append(point)


def _period_values(cw, account, region, alarm, now):
    """The alarm's statistic for each of its last `EvaluationPeriods` complete periods, oldest
    first; None for a period without data."""
    period = float(alarm.get("Period") or 60) * SCALE
    n = int(alarm.get("EvaluationPeriods") or 1)
    end = math.floor(now / period) * period
    start = end - n * period
    dims = {d["Name"]: d["Value"] for d in alarm.get("Dimensions") or []}
    key = (account, region, (alarm.get("Namespace"), alarm.get("MetricName"), cw._dims_key(dims)))
    buckets = [[] for _ in range(n)]
    for p in list(cw._metrics._data.get(key) or []):
        if start <= p["Timestamp"] < end:
            buckets[min(n - 1, int((p["Timestamp"] - start) // period))].append(p["Value"])
    stat = alarm.get("Statistic") or "Average"
    return [_statistic(stat, b) for b in buckets]


def next_state(alarm, values):
    """The state the alarm's last periods put it in (see the module's description)."""
    m = int(alarm.get("DatapointsToAlarm") or alarm.get("EvaluationPeriods") or 1)
    treat = alarm.get("TreatMissingData") or "missing"
    compare = COMPARE.get(alarm.get("ComparisonOperator"), lambda v, t: False)
    threshold = float(alarm.get("Threshold") or 0)
    breaching = counted = 0
    for v in values:
        if v is None:
            if treat == "breaching":
                breaching, counted = breaching + 1, counted + 1
            elif treat == "notBreaching":
                counted += 1
            continue
        counted += 1
        breaching += compare(v, threshold)
    if breaching >= m:
        return "ALARM", f"Threshold Crossed: {breaching} out of the last {len(values)} datapoints were breaching"
    if counted == 0:
        if treat == "ignore":
            return alarm["StateValue"], alarm.get("StateReason", "")
        return "INSUFFICIENT_DATA", f"Insufficient Data: {len(values)} datapoints were unknown"
    return "OK", f"Threshold Crossed: {counted - breaching} out of the last {len(values)} datapoints were not breaching"


# (account, region, alarm name) -> (end of the warm-up, epoch seconds; whether it waits for its
# end even when data fills the window first).
_warm_ups = {}
# The alarms a PutMetricAlarm is putting now: its own evaluation comes once the warm-up is set.
_putting = set()

# What an update may change without restarting a warm-up that has ended: the configuration's
# bookkeeping, the state, and the warm-up configuration itself.
_NOT_SETTINGS = {"AlarmConfigurationUpdatedTimestamp", "StateValue", "StateReason", "StateReasonData",
                 "StateUpdatedTimestamp", "StateTransitionedTimestamp", "WarmUpConfiguration"}


def warming(warm_up, values, now):
    """Whether an alarm with `warm_up` ((end, only after its end), or None) is still warming up at
    `now`, its last periods' values being `values` (None for a period without data)."""
    if warm_up is None:
        return False
    end, only_after_end = warm_up
    if now >= end:
        return False
    return only_after_end or any(v is None for v in values)


def _warm_up_requested(params, cbor_data, is_cbor, is_json):
    """The request's WarmUpConfiguration as {WarmUpPeriodDurationInMinutes, ...}, or None."""
    from ministack.services import cloudwatch as cw
    if is_cbor or is_json:
        cfg = cbor_data.get("WarmUpConfiguration")
        return dict(cfg) if cfg else None
    minutes = cw._p(params, "WarmUpConfiguration.WarmUpPeriodDurationInMinutes")
    if not minutes:
        return None
    cfg = {"WarmUpPeriodDurationInMinutes": int(minutes)}
    only = cw._p(params, "WarmUpConfiguration.OnlyStartEvaluatingAfterWarmUpPeriodEnds")
    if only:
        cfg["OnlyStartEvaluatingAfterWarmUpPeriodEnds"] = only == "true"
    return cfg


def _settings(alarm):
    return {k: v for k, v in (alarm or {}).items() if k not in _NOT_SETTINGS}


def put_metric_alarm(put):
    """MiniStack's PutMetricAlarm with the warm-up: the put's own evaluation waits until the
    warm-up is settled, and a refused put changes nothing."""
    def wrapped(params, cbor_data, is_cbor, is_json=False):
        from ministack.core.responses import get_account_id, get_region
        from ministack.services import cloudwatch as cw
        name = cbor_data.get("AlarmName") if (is_cbor or is_json) else cw._p(params, "AlarmName")
        key = (get_account_id(), get_region(), name)
        cfg = _warm_up_requested(params, cbor_data, is_cbor, is_json)
        before = cw._alarms.get(name)
        _putting.add(key)
        try:
            answer = put(params, cbor_data, is_cbor, is_json)
            after = cw._alarms.get(name)
            if after is None or after is before:
                return answer
            _warm_up(key, cfg, before, after)
        finally:
            _putting.discard(key)
        evaluate(after)
        return answer
    return wrapped


def _warm_up(key, cfg, before, after):
    """The warm-up of alarm `key`, just put as `after` (it was `before`) with warm-up `cfg`."""
    if cfg is None:
        _warm_ups.pop(key, None)
        return
    after["WarmUpConfiguration"] = cfg
    under_way = _warm_ups.get(key)
    ended = bool(before and before.get("WarmUpConfiguration")) and (
        under_way is None or under_way[0] <= time.time())
    if ended and _settings(before) == _settings(after):
        return
    minutes = int(cfg.get("WarmUpPeriodDurationInMinutes") or 0)
    _warm_ups[key] = (time.time() + minutes * 60 * SCALE,
                      bool(cfg.get("OnlyStartEvaluatingAfterWarmUpPeriodEnds")))


def evaluate(alarm):
    """Evaluates one metric alarm in the current request's account and region; a change of
    state is recorded, reported and notified."""
    from ministack.core.responses import get_account_id, get_region
    from ministack.services import cloudwatch as cw
    if not alarm.get("Namespace") or not alarm.get("MetricName"):
        return
    now = time.time()
    values = _period_values(cw, get_account_id(), get_region(), alarm, now)
    key = (get_account_id(), get_region(), alarm.get("AlarmName"))
    if key in _putting or warming(_warm_ups.get(key), values, now):
        return
    _warm_ups.pop(key, None)
    new, reason = next_state(alarm, values)
    old = alarm["StateValue"]
    if new == old:
        return
    alarm["StateValue"] = new
    alarm["StateReason"] = reason
    alarm["StateUpdatedTimestamp"] = int(time.time())
    cw._record_history(alarm["AlarmName"], old, new, reason)
    cw._dispatch_alarm_actions(alarm, old, new, reason)
    cw._evaluate_parent_alarms(alarm)


def _evaluate_everywhere():
    """One round: every metric alarm of every account and region that is up, in its scope."""
    from ministack.core import responses
    from ministack.services import cloudwatch as cw
    for (account, region, _name), alarm in list(cw._alarms._data.items()):
        if outage.down(region):
            continue

        def in_scope(alarm=alarm, account=account, region=region):
            responses._request_account_id.set(account)
            responses._request_region.set(region)
            evaluate(alarm)

        try:
            contextvars.Context().run(in_scope)
        except Exception:
            logger.exception("evaluating alarm %s in %s", _name, region)


def _evaluator():
    while True:
        time.sleep(TICK)
        with lock:
            _evaluate_everywhere()


def install():
    """Step Functions' execution metrics, and the alarms' evaluation on a clock."""
    from ministack.services import cloudwatch as cw
    from ministack.services import stepfunctions as sfn

    emit = sfn._emit_execution_status_event

    def emit_and_publish(execution):
        # Executions started synchronously (Express) publish other metrics; trdr runs none.
        if not execution.get("sync"):
            try:
                publish_execution_metric(execution)
            except Exception:
                logger.exception("publishing the metric of %s", execution.get("executionArn"))
        return emit(execution)

    sfn._emit_execution_status_event = emit_and_publish
    # PutMetricAlarm and PutMetricData evaluate at once, as before, but as AWS does.
    cw._evaluate_alarm = evaluate
    cw._put_metric_alarm = put_metric_alarm(cw._put_metric_alarm)
    threading.Thread(target=_evaluator, name="trdr-cloudwatch-alarms", daemon=True).start()
