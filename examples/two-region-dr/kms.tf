# A customer managed key in each region, for what that region stores: SNS topics, SQS queues, log
# groups, function environments, the application's database secret. Rotation is on. The account
# administers the key (IAM policies of the account may then grant its use: the functions' and the
# API's roles do, for their own region's key); the AWS services that encrypt or decrypt on our
# behalf, and the runbook and watcher role (whose policy, examples/permissions, grants no KMS
# action), are named in the key policy itself.
locals {
  kms_policy = { for side, region in local.regions : side => jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "${local.arn}:iam::${local.account}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsEncryptsThisAccountsLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "${local.arn}:logs:${region}:${local.account}:log-group:*" }
        }
      },
      {
        # CloudWatch alarms publish to the encrypted alerts topics; EventBridge delivers to the
        # encrypted events dead-letter queue; SNS and SQS use the key for their own deliveries.
        Sid       = "ServicesDeliverToEncryptedTopicsAndQueues"
        Effect    = "Allow"
        Principal = { Service = ["cloudwatch.amazonaws.com", "events.amazonaws.com", "sns.amazonaws.com", "sqs.amazonaws.com"] }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
      },
      {
        # The runbooks and watchers publish notices to the encrypted alerts topic of their region.
        Sid       = "RunbooksAndWatchersPublishNotices"
        Effect    = "Allow"
        Principal = { AWS = aws_iam_role.failover.arn }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = { StringEquals = { "kms:ViaService" = "sns.${region}.amazonaws.com" } }
      },
    ]
  }) }
}

resource "aws_kms_key" "platform_primary" {
  provider                = aws.primary
  description             = "${local.name}-${var.environment_suffix}: topics, queues, logs, function environments, application secret (${var.primary_region})"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = local.kms_policy["primary"]
}

resource "aws_kms_alias" "platform_primary" {
  provider      = aws.primary
  name          = "alias/${local.name}-${var.environment_suffix}"
  target_key_id = aws_kms_key.platform_primary.key_id
}

resource "aws_kms_key" "platform_secondary" {
  provider                = aws.secondary
  description             = "${local.name}-${var.environment_suffix}: topics, queues, logs, function environments, application secret (${var.secondary_region})"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = local.kms_policy["secondary"]
}

resource "aws_kms_alias" "platform_secondary" {
  provider      = aws.secondary
  name          = "alias/${local.name}-${var.environment_suffix}"
  target_key_id = aws_kms_key.platform_secondary.key_id
}

# The application's own database credentials (never the master secret): created empty in the
# primary region and replicated to the secondary, each copy under its region's key. The DBA
# creates the `trading_app` user (least privilege on the trading schema) and stores its
# credentials here once: `aws secretsmanager put-secret-value --secret-id <arn> --secret-string
# '{"username":"trading_app","password":"..."}'`. Each region's functions read their own copy.
resource "aws_secretsmanager_secret" "app_db" {
  provider                = aws.primary
  name                    = "${local.name}/${var.environment_suffix}/db/trading_app"
  description             = "Credentials of the trading_app database user (not the master user), written by the DBA."
  kms_key_id              = aws_kms_key.platform_primary.arn
  recovery_window_in_days = var.secret_recovery_window_days

  replica {
    region     = var.secondary_region
    kms_key_id = aws_kms_key.platform_secondary.arn
  }
}

locals {
  # Secrets Manager gives a replica the primary's ARN with its own region in it.
  app_secret_arns = {
    primary   = aws_secretsmanager_secret.app_db.arn
    secondary = replace(aws_secretsmanager_secret.app_db.arn, ":${var.primary_region}:", ":${var.secondary_region}:")
  }
  kms_key_arns = {
    primary   = aws_kms_key.platform_primary.arn
    secondary = aws_kms_key.platform_secondary.arn
  }
}
