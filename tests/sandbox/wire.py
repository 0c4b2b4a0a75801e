"""AWS's wire formats as the layer reads and writes them, shared by the rules and the call log:
request parameters of the query (form), JSON and REST protocols, each protocol's error document,
and the integrity headers of a rewritten answer."""

import json
import os
import re
import zlib
from urllib.parse import parse_qs, urlparse


def text(body):
    """A request or response body as text (undecodable bytes replaced, never an error)."""
    if isinstance(body, (bytes, bytearray)):
        return body.decode("utf-8", "replace")
    return body or ""


def flat_query(query):
    """MiniStack's query parameters ({name: [values]} or {name: value}) as {name: first value}."""
    return {k: (v[0] if isinstance(v, list) and v else v) for k, v in (query or {}).items()}


def form(body):
    """The parameters of a query-protocol (form-encoded) body."""
    return {k: v[0] for k, v in parse_qs(text(body), keep_blank_values=True).items()}


def params(body, query):
    """A query-protocol call's parameters: from its body (POST) or its query string (GET)."""
    if body:
        return form(body)
    return flat_query(query)


def json_body(body):
    """A JSON-protocol body as a dict ({} when absent or unreadable)."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def element(xml, name):
    """The text of the first <name> element of an XML answer, or None."""
    m = re.search(rf"<{name}>([^<]*)</{name}>", xml)
    return m.group(1) if m else None


def rest_path(path):
    """A REST call's path without its query string and API version (`/2013-04-01/healthcheck`
    → `/healthcheck`)."""
    return re.sub(r"^/\d{4}-\d{2}-\d{2}(?=/|$)", "", urlparse(path or "").path)


def operation(headers):
    """A JSON-protocol call's operation, from its X-Amz-Target header."""
    return headers.get("x-amz-target", "").split(".")[-1]


def region_of(headers):
    """The region a SigV4-signed request is addressed to (its credential scope)."""
    m = re.search(r"Credential=[^/]+/\d+/([a-z0-9-]+)/", headers.get("authorization", ""))
    return m.group(1) if m else os.environ.get("MINISTACK_REGION", "us-east-1")


def query_error(code, message, status=400, namespace="http://rds.amazonaws.com/doc/2014-10-31/"):
    """The query protocol's error document (RDS, IAM, STS, CloudWatch, SNS)."""
    fault = "Sender" if status < 500 else "Receiver"
    body = (
        f'<ErrorResponse xmlns="{namespace}">'
        f"<Error><Type>{fault}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>trdr-realistic</RequestId></ErrorResponse>"
    )
    return status, {"Content-Type": "text/xml"}, body.encode()


def json_error(code, message, status=400):
    """The JSON protocol's error document (DynamoDB, Step Functions, Secrets Manager)."""
    return status, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(
        {"__type": code, "message": message}).encode()


def cbor_error(code, message, status=400):
    """Smithy RPC v2 CBOR's error document (CloudWatch, as the AWS SDKs and boto3 call it now):
    a CBOR map with `__type`, and for a query-compatible service the `x-amzn-query-error` header
    that carries the query protocol's code and fault."""
    import cbor2

    fault = "Sender" if status < 500 else "Receiver"
    headers = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor",
               "x-amzn-query-error": f"{code};{fault}"}
    return status, headers, cbor2.dumps({"__type": code, "message": message})


def cloudwatch_error(headers, code, message, status=400):
    """CloudWatch's error in the protocol the request spoke: RPC v2 CBOR, JSON 1.0 or query."""
    if "cbor" in headers.get("content-type", "") or headers.get("smithy-protocol"):
        return cbor_error(code, message, status)
    if headers.get("x-amz-target") or "x-amz-json" in headers.get("content-type", ""):
        answer = json_error(code, message, status)
        answer[1]["x-amzn-query-error"] = f"{code};{'Sender' if status < 500 else 'Receiver'}"
        return answer
    return query_error(code, message, status, namespace="http://monitoring.amazonaws.com/doc/2010-08-01/")


R53_NS = "https://route53.amazonaws.com/doc/2013-04-01/"


def rest_xml_error(code, message, status=400):
    """Route 53's REST-XML error document."""
    body = (f'<ErrorResponse xmlns="{R53_NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
            f"<Message>{message}</Message></Error><RequestId>trdr-realistic</RequestId></ErrorResponse>")
    return status, {"Content-Type": "text/xml"}, body.encode()


def s3_error(code, message, status):
    """S3's REST error document (S3 API reference, "Error responses"): XML, no namespace."""
    body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>{message}</Message><RequestId>trdr-realistic</RequestId></Error>")
    return status, {"Content-Type": "application/xml"}, body.encode()


def with_integrity(answer):
    """An answer whose body a rule rewrote keeps the integrity headers AWS clients check:
    DynamoDB's `x-amz-crc32` (CRC32 of the body; boto3, the AWS CLI and the Go SDK v2 refuse a
    body that does not match it) and `Content-Length`. Answers without them are left alone."""
    if not (isinstance(answer, tuple) and len(answer) == 3):
        return answer
    status, headers, body = answer
    if not isinstance(headers, dict) or not isinstance(body, (bytes, bytearray, str)):
        return answer
    raw = body.encode() if isinstance(body, str) else bytes(body)
    fixed = None
    for key, value in headers.items():
        lower = key.lower()
        if lower == "x-amz-crc32":
            want = str(zlib.crc32(raw) & 0xFFFFFFFF)
        elif lower == "content-length":
            want = str(len(raw))
        else:
            continue
        if str(value) != want:
            fixed = dict(headers) if fixed is None else fixed
            fixed[key] = want
    return answer if fixed is None else (status, fixed, body)
