"""trdr's realistic sandbox: MiniStack with the AWS rules and timings trdr depends on.

One module per AWS service the layer touches, each holding its rules, limits and timings with the
AWS documentation each follows (see README.md): rds, dynamodb, route53, stepfunctions, iam,
secretsmanager, scheduler, listing (pagination), outage (region outages, endpoint health,
unreadable answers), throttling (API rate limits), control (the loopback control API); rules
(the registry every refusal names), clock (the time scale), wire (AWS's wire formats, shared with
calllog). realistic.install() puts them all into MiniStack's process.
"""
