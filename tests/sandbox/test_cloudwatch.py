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
