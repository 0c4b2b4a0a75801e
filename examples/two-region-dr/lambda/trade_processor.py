"""Processes trade messages from the region's queue into the session table.

The function's environment also carries DB_WRITER_ENDPOINT, the Aurora global writer endpoint
(it resolves to the writer in whichever region writes, so a failover needs no new configuration),
and DB_SECRET_ARN, the secret with the master credentials.
"""
import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["SESSION_TABLE"])


def handler(event, _context):
    for record in event.get("Records", []):
        trade = json.loads(record["body"])
        TABLE.update_item(
            Key={"sessionId": trade["sessionId"]},
            UpdateExpression="SET lastTrade = :t",
            ExpressionAttributeValues={":t": trade},
        )
    return {"processed": len(event.get("Records", []))}
