"""Secrets Manager rules (secretsmanager.py): a replicated secret cannot be deleted."""

import unittest

from sandbox.support import SandboxTest, client, unique


class Replicas(SandboxTest):
    def test_a_secret_with_replicas_is_deleted_only_after_they_are_removed(self):
        sm = client("secretsmanager")
        arn = sm.create_secret(Name=unique("replicated"), SecretString="s")["ARN"]
        sm.replicate_secret_to_regions(SecretId=arn, AddReplicaRegions=[{"Region": "us-east-2"}])
        delete = sm.delete_secret
        self.assertRefused("secret_has_replicas", "InvalidRequestException",
                           delete, SecretId=arn, ForceDeleteWithoutRecovery=True)
        removed = sm.remove_regions_from_replication(SecretId=arn, RemoveReplicaRegions=["us-east-2"])
        self.assertEqual(removed["ReplicationStatus"], [])
        self.assertAccepted("secret_has_replicas", delete, SecretId=arn, ForceDeleteWithoutRecovery=True)


if __name__ == "__main__":
    unittest.main()
