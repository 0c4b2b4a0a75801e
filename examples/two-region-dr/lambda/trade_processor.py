"""Processes trade messages from the region's queue into the session table.

Each message body is a JSON object with a non-empty string `sessionId` (at most 256 characters);
the whole trade becomes the session's `lastTrade`. Numbers are kept exact (Decimal: DynamoDB takes
no floats).

Failures are per message (the event source mapping needs `function_response_types =
["ReportBatchItemFailures"]`): the handler answers `{"batchItemFailures": [{"itemIdentifier":
messageId}, ...]}` for the messages it could not process — a body that is not a valid trade, or a
write that failed — so only those are received again, and after the queue's maxReceiveCount its
redrive policy moves them to the dead-letter queue, where they are kept. The others are deleted.
The log names a failed message by its id and says why; it never prints a trade.
"""

import json
import os
from decimal import Decimal

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["SESSION_TABLE"])
MAX_SESSION_ID = 256


class InvalidTrade(ValueError):
    pass


def parse_trade(body):
    """The trade in a message body, or InvalidTrade saying why not."""
    try:
        trade = json.loads(body, parse_float=Decimal)
    except (TypeError, ValueError):
        raise InvalidTrade("body is not JSON") from None
    if not isinstance(trade, dict):
        raise InvalidTrade("body is not a JSON object")
    session = trade.get("sessionId")
    if not isinstance(session, str) or not session.strip() or len(session) > MAX_SESSION_ID:
        raise InvalidTrade(f"sessionId must be a non-empty string of at most {MAX_SESSION_ID} characters")
    return trade


def handler(event, _context):
    failures = []
    for record in event.get("Records", []):
        message_id = record.get("messageId", "?")
        try:
            trade = parse_trade(record.get("body"))
            TABLE.update_item(
                Key={"sessionId": trade["sessionId"]},
                UpdateExpression="SET lastTrade = :t",
                ExpressionAttributeValues={":t": trade},
            )
        except Exception as err:  # noqa: BLE001 - this message fails, the batch goes on
            reason = str(err) if isinstance(err, InvalidTrade) else type(err).__name__
            print(json.dumps({"failed": message_id, "reason": reason}), flush=True)
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
