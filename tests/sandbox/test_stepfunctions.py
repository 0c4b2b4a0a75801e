"""Step Functions rules (stepfunctions.py): tags of a state machine that does not exist, and the
characters a tag may hold."""

import json
import unittest

from sandbox.support import ACCOUNT, SandboxTest, client, control, unique

DEFINITION = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})


def assumable_role():
    """A role Step Functions can assume now (its propagation already over)."""
    arn = client("iam").create_role(RoleName=unique("sfn-role"), AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    control("/_trdr/iam/propagation", {"role_arn": arn, "seconds": 0})
    return arn


class Tags(SandboxTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.role = assumable_role()

    def setUp(self):
        self.sfn = client("stepfunctions")

    def create(self, tags=()):
        return self.sfn.create_state_machine(name=unique("tags"), definition=DEFINITION, roleArn=self.role,
                                             tags=list(tags))["stateMachineArn"]

    def test_the_tags_of_a_state_machine_that_does_not_exist_are_not_found(self):
        missing = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:{unique('missing')}"
        self.assertRefused("sfn_tags_of_missing", "ResourceNotFound",
                           self.sfn.list_tags_for_resource, resourceArn=missing)
        self.assertRefused("sfn_tags_of_missing", "ResourceNotFound",
                           self.sfn.tag_resource, resourceArn=missing, tags=[{"key": "k", "value": "v"}])
        arn = self.create([{"key": "team", "value": "dr"}])
        tags = self.assertAccepted("sfn_tags_of_missing", self.sfn.list_tags_for_resource, resourceArn=arn)["tags"]
        self.assertEqual(tags, [{"key": "team", "value": "dr"}])

    def test_tag_keys_and_values_take_letters_digits_spaces_and_the_documented_punctuation(self):
        every_allowed = "Ünïcode 42 _.:/=+-@"
        self.assertAccepted("sfn_tag_value", self.create, [{"key": every_allowed, "value": every_allowed}])
        for bad in ("a#b", "a,b", "a!b", "a*b"):
            self.assertRefused("sfn_tag_value", "ValidationException", self.create, [{"key": "k", "value": bad}])
        self.assertRefused("sfn_tag_value", "ValidationException", self.create, [{"key": "k#", "value": "v"}])
        arn = self.create()
        self.assertRefused("sfn_tag_value", "ValidationException",
                           self.sfn.tag_resource, resourceArn=arn, tags=[{"key": "k", "value": "a#b"}])
        self.assertAccepted("sfn_tag_value", self.sfn.tag_resource, resourceArn=arn,
                            tags=[{"key": "k", "value": every_allowed}])


if __name__ == "__main__":
    unittest.main()
