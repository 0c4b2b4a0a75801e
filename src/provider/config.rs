//! The `provider "trdr"` block: its schema, validation, and the typed configuration.

use std::collections::BTreeMap;

use crate::framework::validate::{is_iam_role_arn, is_region, Check};
use crate::framework::{Attr, Block, BlockAttr, Diagnostics, Schema, Value};

pub const DEFAULT_PRIMARY: &str = "us-east-1";
pub const DEFAULT_SECONDARY: &str = "us-east-2";
pub const DEFAULT_MAX_ATTEMPTS: i64 = 8;
pub const MAX_MAX_ATTEMPTS: i64 = 25;
pub const ENDPOINT_ENV: &str = "TRDR_ENDPOINT_URL";

#[derive(Clone, Debug, PartialEq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
}

#[derive(Clone, PartialEq)]
pub struct ProviderConfig {
    pub primary_region: String,
    pub secondary_region: String,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// Attempts per AWS call, the first one included.
    pub max_attempts: u32,
    /// The share of AWS's documented API rate limits this provider process uses
    /// ([`crate::aws::budget`]).
    pub api_budget_share: f64,
    pub default_tags: BTreeMap<String, String>,
    pub assume_role: Option<AssumeRole>,
}

/// Never prints the external id.
impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("primary_region", &self.primary_region)
            .field("secondary_region", &self.secondary_region)
            .field("profile", &self.profile)
            .field("endpoint_url", &self.endpoint_url)
            .field("max_attempts", &self.max_attempts)
            .field("api_budget_share", &self.api_budget_share)
            .field(
                "assume_role",
                &self.assume_role.as_ref().map(|a| &a.role_arn),
            )
            .finish()
    }
}

pub const PRIMARY_REGION: Attr<String> =
    Attr::optional("primary_region", "Region that normally writes.")
        .otherwise(DEFAULT_PRIMARY)
        .checks(REGION);
pub const SECONDARY_REGION: Attr<String> = Attr::optional(
    "secondary_region",
    "Standby region; must differ from `primary_region`.",
)
.otherwise(DEFAULT_SECONDARY)
.checks(REGION);
const REGION: &[Check] = &[Check::Matches(
    "an AWS region name such as us-east-1",
    is_region,
)];
pub const PROFILE: Attr<String> = Attr::optional("profile", "Shared-config profile to take credentials from. Otherwise the standard AWS credential chain is used (environment, profile, SSO, web identity, instance metadata).");
pub const ENDPOINT_URL: Attr<String> = Attr::optional("endpoint_url", "One endpoint for every AWS service, e.g. the local sandbox `http://127.0.0.1:4566`. Defaults to the `TRDR_ENDPOINT_URL` environment variable; unset means real AWS. S3 then uses path-style addressing.")
    .checks(&[Check::Matches("an http:// or https:// URL", is_url)]);
pub const MAX_ATTEMPTS: Attr<i64> = Attr::optional(
    "max_attempts",
    "Attempts per AWS call, the first one included (1 to 25): a call that fails with throttling, a 5xx or a dropped connection is tried again with exponential backoff and full jitter until this many attempts have failed.",
)
.otherwise(DEFAULT_MAX_ATTEMPTS)
.checks(ATTEMPTS);
/// The 0.1 development name of `max_attempts`: it always counted attempts, not retries.
pub const MAX_RETRIES: Attr<i64> = Attr::optional(
    "max_retries",
    "Deprecated: use `max_attempts`, which it has always meant (attempts per AWS call, the first one included).",
)
.deprecated("max_retries counts attempts, not retries, and is renamed max_attempts (same value, same meaning). Rename it in the provider block; max_retries will be removed in 1.0.")
.checks(ATTEMPTS);
const ATTEMPTS: &[Check] = &[Check::Whole, Check::Range(1.0, MAX_MAX_ATTEMPTS as f64)];
pub const API_BUDGET_SHARE: Attr<f64> = Attr::optional(
    "api_budget_share",
    "The share of each AWS API's documented per-account rate limit (RDS: a burst of 300 and 12 requests per second per region; Route 53: 50 and 10 per second for the account, `CreateHealthCheck` 0.5 per second) that this provider may use, from 0.05 to 1. Every call and every poll of a wait takes its token first, so parallel resources slow each other down instead of being throttled, and the rest stays for the console, monitoring and other tools of the account. Two `terraform apply` runs in one account at the default share use the whole limit together.",
)
.otherwise(crate::aws::budget::DEFAULT_SHARE)
.checks(&[Check::Range(0.05, 1.0)]);
pub const DEFAULT_TAGS: Attr<BTreeMap<String, String>> = Attr::optional("default_tags", "Tags merged into every taggable resource trdr creates. `Environment`, `Region` and `ManagedBy` are always set by trdr and take precedence.");
pub const ASSUME_ROLE: BlockAttr =
    BlockAttr::optional("assume_role", "A role to assume in both regions.");
pub const ROLE_ARN: Attr<String> = Attr::required("role_arn", "ARN of the IAM role to assume.")
    .checks(&[Check::Matches(
        "an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
        is_iam_role_arn,
    )]);
pub const SESSION_NAME: Attr<String> = Attr::optional("session_name", "Session name.")
    .otherwise("trdr")
    .checks(&[Check::Matches(
        "a session name of 2 to 64 characters from [A-Za-z0-9_+=,.@-]",
        |s| {
            (2..=64).contains(&s.len())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
        },
    )]);
pub const EXTERNAL_ID: Attr<String> = Attr::optional(
    "external_id",
    "External id the role's trust policy requires.",
)
.sensitive();

fn is_url(s: &str) -> bool {
    (s.starts_with("http://") || s.starts_with("https://")) && s.len() > "http://".len()
}

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block::new("Configures the two AWS regions of the disaster-recovery topology and how trdr reaches AWS.")
            .with(&[&PRIMARY_REGION, &SECONDARY_REGION, &PROFILE, &ENDPOINT_URL, &MAX_ATTEMPTS, &MAX_RETRIES, &API_BUDGET_SHARE, &DEFAULT_TAGS])
            .nest(&ASSUME_ROLE, Block::default()
                .with(&[&ROLE_ARN, &SESSION_NAME, &EXTERNAL_ID])),
    }
}

/// Checks what can be checked while values may still be unknown: each attribute's own checks, then
/// the two regions against each other.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    crate::framework::validate::schema(diags, &schema().block, config);
    let both_known =
        !PRIMARY_REGION.raw(config).is_unknown() && !SECONDARY_REGION.raw(config).is_unknown();
    let (primary, secondary) = (PRIMARY_REGION.get(config), SECONDARY_REGION.get(config));
    if !MAX_ATTEMPTS.raw(config).is_null() && !MAX_RETRIES.raw(config).is_null() {
        diags.attr_error(
            &MAX_RETRIES.path(),
            "max_retries is the deprecated name of max_attempts; set only max_attempts.",
        );
    }
    if both_known && primary == secondary {
        diags.attr_error(
            &SECONDARY_REGION.path(),
            format!("secondary_region must differ from primary_region; both are {:?}. A DR topology needs two regions.", primary.unwrap_or_default()),
        );
    }
}

impl ProviderConfig {
    /// The typed configuration, once every value is known and valid.
    pub fn from_value(config: &Value, diags: &mut Diagnostics) -> Option<Self> {
        validate(config, diags);
        if diags.has_errors() {
            return None;
        }
        let role = ASSUME_ROLE.of(config);
        let endpoint_url = ENDPOINT_URL
            .get(config)
            .or_else(|| std::env::var(ENDPOINT_ENV).ok().filter(|v| !v.is_empty()));
        if let Some(url) = &endpoint_url {
            if !is_url(url) {
                diags.attr_error(
                    &ENDPOINT_URL.path(),
                    format!("{ENDPOINT_ENV}={url:?} is not an http:// or https:// URL."),
                );
                return None;
            }
        }
        Some(ProviderConfig {
            primary_region: PRIMARY_REGION.get(config)?,
            secondary_region: SECONDARY_REGION.get(config)?,
            profile: PROFILE.get(config),
            endpoint_url,
            max_attempts: MAX_RETRIES
                .get(config)
                .filter(|_| MAX_ATTEMPTS.raw(config).is_null())
                .or_else(|| MAX_ATTEMPTS.get(config))? as u32,
            api_budget_share: API_BUDGET_SHARE.get(config)?,
            default_tags: DEFAULT_TAGS.get(config).unwrap_or_default(),
            assume_role: ROLE_ARN.get(role).map(|role_arn| AssumeRole {
                role_arn,
                session_name: SESSION_NAME.get(role).unwrap_or_default(),
                external_id: EXTERNAL_ID.get(role),
            }),
        })
    }
}

/// The provider the models' unit tests build with: us-east-1 and us-east-2, no profile, endpoint,
/// tags or role, half the API budget, `max_attempts` attempts per call.
#[cfg(test)]
impl ProviderConfig {
    pub fn for_tests(max_attempts: u32) -> Self {
        ProviderConfig {
            primary_region: "us-east-1".into(),
            secondary_region: "us-east-2".into(),
            profile: None,
            endpoint_url: None,
            max_attempts,
            api_budget_share: 0.5,
            default_tags: Default::default(),
            assume_role: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_validator_reports_its_attribute_path() {
        let valid = crate::resources::config(serde_json::json!({
            "primary_region": "eu-west-1", "secondary_region": "eu-central-1",
            "endpoint_url": "http://127.0.0.1:4566", "max_attempts": 3, "max_retries": null, "api_budget_share": 0.25,
            "assume_role": [{"role_arn": "arn:aws:iam::123456789012:role/dr", "session_name": "ci"}],
        }));
        crate::framework::validate::assert_checks_report_their_paths(
            &schema().block,
            &valid,
            &[
                ("primary_region", Value::from("eu")),
                ("secondary_region", Value::from("EU-WEST-1")),
                ("endpoint_url", Value::from("127.0.0.1:4566")),
                ("max_attempts", Value::from(26i64)),
                ("max_retries", Value::from(26i64)),
                ("api_budget_share", Value::from(2.0)),
                ("assume_role[0].role_arn", Value::from("dr")),
                ("assume_role[0].session_name", Value::from("a b")),
            ],
        );
    }

    fn cfg(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::object();
        for (k, x) in pairs {
            v.set(k, x.clone());
        }
        v
    }

    #[test]
    fn defaults() {
        let mut d = Diagnostics::default();
        let c = ProviderConfig::from_value(&Value::object(), &mut d).unwrap();
        assert_eq!(c.primary_region, "us-east-1");
        assert_eq!(c.secondary_region, "us-east-2");
        assert_eq!(c.max_attempts, 8);
    }

    #[test]
    fn max_retries_is_the_deprecated_name_of_max_attempts() {
        let mut d = Diagnostics::default();
        let c = ProviderConfig::from_value(&cfg(&[("max_retries", Value::from(3i64))]), &mut d)
            .unwrap();
        assert_eq!(c.max_attempts, 3, "the old name keeps its meaning");
        let warnings: Vec<_> =
            d.0.iter()
                .filter(|w| w.severity == crate::framework::diag::Severity::Warning)
                .collect();
        assert_eq!(warnings.len(), 1, "{d:?}");
        assert_eq!(
            warnings[0].path.as_ref().unwrap().to_string(),
            "max_retries"
        );
        assert!(warnings[0].detail.contains("max_attempts"), "{d:?}");

        let mut d = Diagnostics::default();
        let both = cfg(&[
            ("max_retries", Value::from(3i64)),
            ("max_attempts", Value::from(4i64)),
        ]);
        assert!(ProviderConfig::from_value(&both, &mut d).is_none());
        assert!(d
            .errors()
            .any(|e| e.path.as_ref().unwrap().to_string() == "max_retries"));

        let mut d = Diagnostics::default();
        let c = ProviderConfig::from_value(&cfg(&[("max_attempts", Value::from(5i64))]), &mut d)
            .unwrap();
        assert_eq!(c.max_attempts, 5);
        assert!(d.0.is_empty(), "{d:?}");
    }

    #[test]
    fn bad_input_names_the_attribute() {
        let cases: Vec<(Value, &str)> = vec![
            (
                cfg(&[("primary_region", "us-east-2".into())]),
                "secondary_region",
            ),
            (
                cfg(&[("primary_region", "mars-1".into())]),
                "primary_region",
            ),
            (cfg(&[("max_attempts", Value::Number(0.0))]), "max_attempts"),
            (cfg(&[("max_attempts", Value::Number(2.5))]), "max_attempts"),
            (cfg(&[("max_retries", Value::Number(0.0))]), "max_retries"),
            (
                cfg(&[("endpoint_url", "localhost:4566".into())]),
                "endpoint_url",
            ),
            (
                cfg(&[(
                    "assume_role",
                    Value::List(vec![cfg(&[("role_arn", "dr-deployer".into())])]),
                )]),
                "assume_role[0].role_arn",
            ),
        ];
        for (c, attr) in cases {
            let mut d = Diagnostics::default();
            validate(&c, &mut d);
            let paths: Vec<String> = d
                .errors()
                .map(|e| e.path.as_ref().unwrap().to_string())
                .collect();
            assert!(paths.contains(&attr.to_string()), "{attr}: {paths:?}");
        }
    }

    #[test]
    fn unknown_values_are_not_errors_yet() {
        let mut d = Diagnostics::default();
        validate(
            &cfg(&[
                ("primary_region", Value::Unknown),
                ("secondary_region", "us-east-1".into()),
            ]),
            &mut d,
        );
        assert!(!d.has_errors());
    }

    #[test]
    fn debug_never_shows_the_external_id() {
        let mut d = Diagnostics::default();
        let role = cfg(&[
            ("role_arn", "arn:aws:iam::123456789012:role/x".into()),
            ("external_id", "s3cr3t-value".into()),
        ]);
        let c =
            ProviderConfig::from_value(&cfg(&[("assume_role", Value::List(vec![role]))]), &mut d)
                .unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t-value"));
    }
}
