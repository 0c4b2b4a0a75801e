"""Route 53 rules (route53.py): a health check's CallerReference, and the control plane apart
from the data plane."""

import unittest
import uuid

from sandbox.support import SandboxTest, client, control, unique

CONFIG = {"Type": "HTTPS", "FullyQualifiedDomainName": "app.us-east-1.example.com", "ResourcePath": "/health"}


class HealthChecks(SandboxTest):
    def test_a_caller_reference_is_at_most_64_characters(self):
        r53 = client("route53")

        def create(length):
            ref = (uuid.uuid4().hex * 3)[:length]
            return r53.create_health_check(CallerReference=ref, HealthCheckConfig=CONFIG)

        self.assertAccepted("caller_reference_length", create, 64)
        self.assertAccepted("caller_reference_length", create, 1)
        self.assertRefused("caller_reference_length", "InvalidInput", create, 65)


class ControlPlane(SandboxTest):
    def test_record_changes_fail_while_the_control_plane_is_down_and_the_data_plane_answers(self):
        r53 = client("route53", retries=1)
        name = f"{unique('cp')}.example.com"
        zone = r53.create_hosted_zone(Name=name, CallerReference=unique("zone"))["HostedZone"]["Id"].split("/")[-1]

        def change(target):
            return r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
                "Action": "UPSERT", "ResourceRecordSet": {
                    "Name": f"app.{name}", "Type": "CNAME", "TTL": 60, "SetIdentifier": "primary",
                    "Failover": "PRIMARY", "ResourceRecords": [{"Value": target}]}}]})

        change("primary.us-east-1.example.com")
        try:
            control("/_trdr/route53/control-plane", {"zone_id": zone, "available": False})
            self.assertRefused("route53_control_plane", "ServiceUnavailable", change, "other.us-east-2.example.com")
            answer = control(f"/_trdr/route53/resolve?zone_id={zone}&name=app.{name}")
            self.assertEqual(answer["value"], "primary.us-east-1.example.com")
        finally:
            control("/_trdr/route53/control-plane", {"zone_id": zone, "available": True})
        self.assertAccepted("route53_control_plane", change, "other.us-east-2.example.com")


if __name__ == "__main__":
    unittest.main()
