"""IAM propagation (iam.py): a role Step Functions cannot assume yet, or at all."""

import json
import unittest

from sandbox.support import ACCOUNT, SandboxTest, client, control, unique

DEFINITION = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


class Propagation(SandboxTest):
    def setUp(self):
        self.sfn = client("stepfunctions")

    def create(self, role):
        return self.sfn.create_state_machine(name=unique("iam"), definition=DEFINITION, roleArn=role)

    def test_a_new_role_is_assumable_only_once_it_propagated(self):
        role = client("iam").create_role(RoleName=unique("fresh"), AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        self.assertRefused("iam_propagation", "AccessDeniedException", self.create, role)
        # Its propagation over (the default is 8 s; the test shortens it rather than wait).
        control("/_trdr/iam/propagation", {"role_arn": role, "seconds": 0})
        arn = self.assertAccepted("iam_propagation", self.create, role)["stateMachineArn"]
        other = client("iam").create_role(RoleName=unique("fresh"), AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        self.assertRefused("iam_propagation", "AccessDeniedException",
                           self.sfn.update_state_machine, stateMachineArn=arn, roleArn=other)

    def test_a_role_that_does_not_exist_is_never_assumable(self):
        self.assertRefused("iam_propagation", "AccessDeniedException",
                           self.create, f"arn:aws:iam::{ACCOUNT}:role/{unique('absent')}")


if __name__ == "__main__":
    unittest.main()
