"""CloudWatch (cloudwatch.py): Step Functions' execution metrics per state machine, and metric
alarms evaluated on a clock over their periods, missing data as TreatMissingData says, their
state in DescribeAlarms and their notifications on SNS."""

import json
import time
import unittest

from sandbox.clock import SCALE
from sandbox.support import SandboxTest, client, unique
from sandbox.test_stepfunctions import assumable_role

PASS = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
FAIL = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Fail", "Error": "Broken", "Cause": "test"}}})
REGION = "us-east-2"
# A minute at the sandbox's time scale, and how long a test waits for what takes a few of them.
MINUTE = 60 * SCALE
PATIENCE = max(10.0, 20 * MINUTE)


def eventually(probe, what):
    """`probe()`'s first truthy answer within PATIENCE seconds."""
    deadline = time.monotonic() + PATIENCE
    while True:
        answer = probe()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {PATIENCE} s")
        time.sleep(0.05)


class StepFunctionsMetricsAndAlarms(SandboxTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.role = assumable_role()

    def setUp(self):
        self.sfn = client("stepfunctions", REGION)
        self.cw = client("cloudwatch", REGION)

    def machine(self, definition):
        return self.sfn.create_state_machine(name=unique("cw"), definition=definition,
                                             roleArn=self.role)["stateMachineArn"]

    def finished(self, execution_arn):
        return self.sfn.describe_execution(executionArn=execution_arn)["status"] != "RUNNING"

    def total(self, arn, metric):
        now = time.time()
        points = self.cw.get_metric_statistics(
            Namespace="AWS/States", MetricName=metric, Statistics=["Sum"], Period=60,
            Dimensions=[{"Name": "StateMachineArn", "Value": arn}],
            StartTime=now - 3600, EndTime=now + 60)["Datapoints"]
        return sum(p["Sum"] for p in points)

    def alarm(self, arn, metric, comparison, missing, actions=()):
        name = unique("alarm")
        self.cw.put_metric_alarm(
            AlarmName=name, Namespace="AWS/States", MetricName=metric, Statistic="Sum",
            Dimensions=[{"Name": "StateMachineArn", "Value": arn}], Period=60,
            EvaluationPeriods=2, DatapointsToAlarm=2, Threshold=1, ComparisonOperator=comparison,
            TreatMissingData=missing, AlarmActions=list(actions))
        return name

    def state(self, name):
        return self.cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]

    def test_each_execution_publishes_started_and_its_outcome_for_its_state_machine_only(self):
        ok, broken = self.machine(PASS), self.machine(FAIL)
        runs = [self.sfn.start_execution(stateMachineArn=arn)["executionArn"] for arn in (ok, ok, broken)]
        for run in runs:
            eventually(lambda run=run: self.finished(run), f"{run} to finish")
        self.assertEqual(self.total(ok, "ExecutionsStarted"), 2)
        self.assertEqual(self.total(ok, "ExecutionsSucceeded"), 2)
        self.assertEqual(self.total(ok, "ExecutionsFailed"), 0)
        self.assertEqual(self.total(broken, "ExecutionsStarted"), 1)
        self.assertEqual(self.total(broken, "ExecutionsFailed"), 1)
        # Another region's metrics are its own.
        other = client("cloudwatch", "us-east-1").list_metrics(
            Namespace="AWS/States", Dimensions=[{"Name": "StateMachineArn", "Value": ok}])["Metrics"]
        self.assertEqual(other, [])

    def test_missing_data_treated_as_breaching_raises_an_alarm_that_notifies_its_topic(self):
        sns, sqs = client("sns", REGION), client("sqs", REGION)
        topic = sns.create_topic(Name=unique("alarms"))["TopicArn"]
        queue = sqs.create_queue(QueueName=unique("alarms"))["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        idle = self.machine(PASS)
        stopped = self.alarm(idle, "ExecutionsStarted", "LessThanThreshold", "breaching", [topic])
        left_out = self.alarm(idle, "ExecutionsStarted", "LessThanThreshold", "missing")
        eventually(lambda: self.state(stopped) == "ALARM", "the breaching alarm to go off")
        self.assertEqual(self.state(left_out), "INSUFFICIENT_DATA")

        def notice():
            for m in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages", []):
                body = json.loads(m["Body"])
                message = json.loads(body.get("Message", m["Body"]))
                if message.get("AlarmName") == stopped:
                    return message
            return None

        message = eventually(notice, "the alarm's notification on its topic")
        self.assertEqual((message["NewStateValue"], message["Region"]), ("ALARM", REGION))

    def test_a_failed_execution_raises_an_alarm_that_missing_data_does_not(self):
        broken = self.machine(FAIL)
        alarm = unique("failed")
        self.cw.put_metric_alarm(
            AlarmName=alarm, Namespace="AWS/States", MetricName="ExecutionsFailed",
            Statistic="Sum", Dimensions=[{"Name": "StateMachineArn", "Value": broken}], Period=60,
            EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching")
        eventually(lambda: self.state(alarm) == "OK", "no data, not breaching: OK")
        run = self.sfn.start_execution(stateMachineArn=broken)["executionArn"]
        eventually(lambda: self.finished(run), "the execution to fail")
        eventually(lambda: self.state(alarm) == "ALARM", "the failed execution to raise the alarm")
        # One period later nothing failed any more: back to OK.
        eventually(lambda: self.state(alarm) == "OK", "the alarm to clear")
        history = self.cw.describe_alarm_history(AlarmName=alarm, HistoryItemType="StateUpdate")
        summaries = [h["HistorySummary"] for h in history["AlarmHistoryItems"]]
        self.assertIn("Alarm updated from OK to ALARM", summaries)

    def test_an_alarm_watches_only_its_own_dimension(self):
        busy, idle = self.machine(PASS), self.machine(PASS)
        alarm = self.alarm(idle, "ExecutionsStarted", "LessThanThreshold", "breaching")
        deadline = time.monotonic() + 4 * MINUTE
        while time.monotonic() < deadline:
            self.sfn.start_execution(stateMachineArn=busy)
            time.sleep(MINUTE / 4)
        # The busy machine's starts do not count for the idle one's alarm.
        self.assertEqual(self.state(alarm), "ALARM")


class WarmUp(SandboxTest):
    """An alarm put with a warm-up (CloudWatch User Guide, "Alarm warm-up periods"): no
    evaluation and no action for its duration after PutMetricAlarm, unless data fills its
    evaluation window first. trdr's shifts-stopped alarm relies on it: a new watcher has no data
    yet, and missing data counts as breaching."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.role = assumable_role()

    def setUp(self):
        self.sfn = client("stepfunctions", REGION)
        self.cw = client("cloudwatch", REGION)

    def stopped_alarm(self, arn, warm_up):
        """trdr's shifts-stopped alarm on `arn`: fewer than 1 start a minute for 3 minutes,
        missing data breaching, with `warm_up` (a WarmUpConfiguration)."""
        name = unique("stopped")
        self.cw.put_metric_alarm(
            AlarmName=name, Namespace="AWS/States", MetricName="ExecutionsStarted", Statistic="Sum",
            Dimensions=[{"Name": "StateMachineArn", "Value": arn}], Period=60,
            EvaluationPeriods=3, DatapointsToAlarm=3, Threshold=1, ComparisonOperator="LessThanThreshold",
            TreatMissingData="breaching", WarmUpConfiguration=warm_up)
        return name

    def described(self, name):
        return self.cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]

    def states(self, name):
        history = self.cw.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate")
        return [h["HistorySummary"] for h in history["AlarmHistoryItems"]]

    def test_a_new_alarm_warms_up_until_starts_fill_its_window_and_a_stop_then_raises_it(self):
        arn = self.sfn.create_state_machine(name=unique("cw"), definition=PASS,
                                            roleArn=self.role)["stateMachineArn"]
        name = self.stopped_alarm(arn, {"WarmUpPeriodDurationInMinutes": 10})
        self.assertEqual(self.described(name)["WarmUpConfiguration"]["WarmUpPeriodDurationInMinutes"], 10)
        # Without the warm-up, three periods without data breach at once (see
        # test_missing_data_treated_as_breaching_raises_an_alarm_that_notifies_its_topic).
        self.assertEqual(self.described(name)["StateValue"], "INSUFFICIENT_DATA")
        # A start every quarter minute, as a schedule would: the window fills, the alarm is OK.
        deadline = time.monotonic() + PATIENCE
        while self.described(name)["StateValue"] != "OK":
            self.assertLess(time.monotonic(), deadline, "the alarm to be OK once data fills its window")
            self.sfn.start_execution(stateMachineArn=arn)
            time.sleep(MINUTE / 4)
        self.assertNotIn("Alarm updated from INSUFFICIENT_DATA to ALARM", self.states(name))
        # The starts stop: three minutes without one breach.
        eventually(lambda: self.described(name)["StateValue"] == "ALARM", "the stopped starts to raise it")

    def test_a_warm_up_without_data_ends_at_its_term_and_missing_data_then_breaches(self):
        idle = self.sfn.create_state_machine(name=unique("cw"), definition=PASS,
                                             roleArn=self.role)["stateMachineArn"]
        begun = time.monotonic()
        name = self.stopped_alarm(idle, {"WarmUpPeriodDurationInMinutes": 2})
        self.assertEqual(self.described(name)["StateValue"], "INSUFFICIENT_DATA")
        eventually(lambda: self.described(name)["StateValue"] == "ALARM", "the alarm once warmed up")
        self.assertGreaterEqual(time.monotonic() - begun, 2 * MINUTE)

    def test_an_update_that_changes_only_an_ended_warm_up_does_not_restart_it(self):
        idle = self.sfn.create_state_machine(name=unique("cw"), definition=PASS,
                                             roleArn=self.role)["stateMachineArn"]
        name = self.stopped_alarm(idle, {"WarmUpPeriodDurationInMinutes": 1})
        eventually(lambda: self.described(name)["StateValue"] == "ALARM", "the alarm once warmed up")
        self.cw.put_metric_alarm(
            AlarmName=name, Namespace="AWS/States", MetricName="ExecutionsStarted", Statistic="Sum",
            Dimensions=[{"Name": "StateMachineArn", "Value": idle}], Period=60,
            EvaluationPeriods=3, DatapointsToAlarm=3, Threshold=1, ComparisonOperator="LessThanThreshold",
            TreatMissingData="breaching", WarmUpConfiguration={"WarmUpPeriodDurationInMinutes": 20})
        self.assertEqual(self.described(name)["StateValue"], "ALARM")
        self.assertEqual(self.described(name)["WarmUpConfiguration"]["WarmUpPeriodDurationInMinutes"], 20)


class Warming(unittest.TestCase):
    """When a warm-up ends, as "Alarm warm-up periods" describes it."""

    def test_a_warm_up_ends_at_its_term_or_when_data_fills_the_window(self):
        from sandbox.cloudwatch import warming
        now = 1000.0
        self.assertFalse(warming(None, [None, None, None], now))
        # Under way: missing data does not end it; a full window does, unless it waits its term.
        self.assertTrue(warming((now + 60, False), [None, None, None], now))
        self.assertTrue(warming((now + 60, False), [1, None, 1], now))
        self.assertFalse(warming((now + 60, False), [1, 0, 1], now))
        self.assertTrue(warming((now + 60, True), [1, 1, 1], now))
        # Its term reached: over, data or not.
        self.assertFalse(warming((now, False), [None, None, None], now))
        self.assertFalse(warming((now - 1, True), [1, 1, 1], now))


class NextState(unittest.TestCase):
    """The evaluation of M out of N periods and missing data, as the CloudWatch User Guide's
    table of missing-data treatments gives it."""

    def test_the_documented_treatments_of_missing_data(self):
        from sandbox.cloudwatch import next_state
        base = {"ComparisonOperator": "GreaterThanOrEqualToThreshold", "Threshold": 1,
                "EvaluationPeriods": 3, "DatapointsToAlarm": 3, "StateValue": "OK"}
        for treat, values, want in [
            ("breaching", [None, None, None], "ALARM"),
            ("notBreaching", [None, None, None], "OK"),
            ("missing", [None, None, None], "INSUFFICIENT_DATA"),
            ("ignore", [None, None, None], "OK"),
            ("missing", [1, 1, 1], "ALARM"),
            ("missing", [1, None, 1], "OK"),
            ("breaching", [1, None, 1], "ALARM"),
            ("notBreaching", [0, 0, 0], "OK"),
        ]:
            self.assertEqual(next_state(dict(base, TreatMissingData=treat), values)[0], want, (treat, values))
        two_of_three = dict(base, DatapointsToAlarm=2, TreatMissingData="notBreaching")
        self.assertEqual(next_state(two_of_three, [1, 0, 1])[0], "ALARM")
        self.assertEqual(next_state(two_of_three, [0, 0, 1])[0], "OK")


if __name__ == "__main__":
    unittest.main()
