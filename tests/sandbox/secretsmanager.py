"""Secrets Manager: a secret still replicated to other regions cannot be deleted, and
`RemoveRegionsFromReplication` (missing in MiniStack) removes replicas."""

import json

from .clock import lock
from .rules import refused, rule
from .wire import json_body, json_error, operation, text

HAS_REPLICAS_RULE = rule(
    "secret_has_replicas", "secretsmanager", "InvalidRequestException",
    "AWS Secrets Manager API Reference, DeleteSecret (a secret with replicas can't be deleted: "
    "remove them first with RemoveRegionsFromReplication)",
    "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html")


def _remove_replicas(data):
    """`RemoveRegionsFromReplication`, which MiniStack lacks: drop the replicas and their status."""
    from ministack.core.responses import get_account_id
    from ministack.services import secretsmanager as sm

    _, secret = sm._resolve(data.get("SecretId"))
    if not secret:
        return json_error("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
    regions = set(data.get("RemoveReplicaRegions") or [])
    for region in regions:
        sm._secrets.pop_scoped(get_account_id(), region, secret["Name"], None)
    secret["ReplicationStatus"] = [
        st for st in secret.get("ReplicationStatus", []) if st.get("Region") not in regions]
    return 200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(
        {"ARN": secret["ARN"], "ReplicationStatus": secret["ReplicationStatus"]}).encode()


async def secretsmanager(orig, method, path, headers, body, query):
    action = operation(headers)
    if action == "RemoveRegionsFromReplication":
        with lock:
            return _remove_replicas(json_body(body))
    if action == "DeleteSecret":
        data = json_body(body)
        d_target = dict(headers, **{"x-amz-target": "secretsmanager.DescribeSecret"})
        status, _, rb = await orig(method, path, d_target, json.dumps({"SecretId": data.get("SecretId")}).encode(), query)
        if status < 300 and json.loads(text(rb) or "{}").get("ReplicationStatus"):
            return refused(HAS_REPLICAS_RULE, json_error(
                "InvalidRequestException",
                "You can't delete secret that has replicas. Remove the replica regions first "
                "(RemoveRegionsFromReplication).",
            ))
    return await orig(method, path, headers, body, query)
