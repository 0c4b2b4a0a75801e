"""API rate limits (throttling.py): an empty bucket answers Throttling as AWS does."""

import unittest

from sandbox.support import SandboxTest, client, control, unique
from sandbox.throttling import ROUTE53_LIMITS

CONFIG = {"Type": "HTTPS", "FullyQualifiedDomainName": "app.us-east-1.example.com", "ResourcePath": "/health"}


class RateLimits(SandboxTest):
    def test_get_health_check_status_takes_its_burst_then_throttles(self):
        r53 = client("route53", retries=1)
        hc = r53.create_health_check(CallerReference=unique("rate"), HealthCheckConfig=CONFIG)["HealthCheck"]["Id"]
        burst = int(ROUTE53_LIMITS["GetHealthCheckStatus"][0])
        try:
            control("/_trdr/rate-limits", {"on": True, "reset_stats": True})
            # The bucket refills one token a second: the burst's calls take far less than that.
            for _ in range(burst):
                self.assertAccepted("rate_limit", r53.get_health_check_status, HealthCheckId=hc)
            self.assertRefused("rate_limit", "Throttling", r53.get_health_check_status, HealthCheckId=hc)
            stats = control("/_trdr/rate-stats")
            self.assertEqual(stats["throttled"].get("route53/GetHealthCheckStatus"), 1, stats)
        finally:
            control("/_trdr/rate-limits", {"on": False})
        self.assertAccepted("rate_limit", r53.get_health_check_status, HealthCheckId=hc)


if __name__ == "__main__":
    unittest.main()
