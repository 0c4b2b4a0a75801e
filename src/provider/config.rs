//! The `provider "trdr"` block: its schema, validation, and the typed configuration.

use std::collections::BTreeMap;

use crate::framework::validate::{
    is_iam_role_arn, is_region, number_in_range, string_matches, whole_number,
};
use crate::framework::{Attribute, Block, Diagnostics, Path, Schema, Type, Value};

pub const DEFAULT_PRIMARY: &str = "us-east-1";
pub const DEFAULT_SECONDARY: &str = "us-east-2";
pub const DEFAULT_MAX_RETRIES: u32 = 8;
pub const MAX_MAX_RETRIES: u32 = 25;
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
    pub max_retries: u32,
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
            .field("max_retries", &self.max_retries)
            .field(
                "assume_role",
                &self.assume_role.as_ref().map(|a| &a.role_arn),
            )
            .finish()
    }
}

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block::new("Configures the two AWS regions of the disaster-recovery topology and how trdr reaches AWS.")
            .attr(Attribute::optional("primary_region", Type::String, "Region that normally writes (default `us-east-1`)."))
            .attr(Attribute::optional("secondary_region", Type::String, "Standby region (default `us-east-2`); must differ from `primary_region`."))
            .attr(Attribute::optional("profile", Type::String, "Shared-config profile to take credentials from. Otherwise the standard AWS credential chain is used (environment, profile, SSO, web identity, instance metadata)."))
            .attr(Attribute::optional("endpoint_url", Type::String, "One endpoint for every AWS service, e.g. the local sandbox `http://127.0.0.1:4566`. Defaults to the `TRDR_ENDPOINT_URL` environment variable; unset means real AWS. S3 then uses path-style addressing."))
            .attr(Attribute::optional("max_retries", Type::Number, "Attempts per AWS call, with exponential backoff and jitter (default 8, at most 25)."))
            .attr(Attribute::optional("default_tags", Type::map_of_strings(), "Tags merged into every taggable resource trdr creates. `Environment`, `Region` and `ManagedBy` are always set by trdr and take precedence."))
            .optional_block(
                "assume_role",
                Block::new("A role to assume in both regions.")
                    .attr(Attribute::required("role_arn", Type::String, "ARN of the IAM role to assume."))
                    .attr(Attribute::optional("session_name", Type::String, "Session name (default `trdr`)."))
                    .attr(Attribute::optional("external_id", Type::String, "External id the role's trust policy requires.").sensitive()),
            ),
    }
}

/// Checks what can be checked while values may still be unknown.
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    for attr in ["primary_region", "secondary_region"] {
        string_matches(
            diags,
            &Path::attr(attr),
            config.get(attr),
            "an AWS region name such as us-east-1",
            is_region,
        );
    }
    let primary = config
        .get("primary_region")
        .as_str()
        .unwrap_or(DEFAULT_PRIMARY);
    let secondary = config
        .get("secondary_region")
        .as_str()
        .unwrap_or(DEFAULT_SECONDARY);
    let both_known =
        !config.get("primary_region").is_unknown() && !config.get("secondary_region").is_unknown();
    if both_known && primary == secondary {
        diags.attr_error(
            &Path::attr("secondary_region"),
            format!("secondary_region must differ from primary_region; both are {primary:?}. A DR topology needs two regions."),
        );
    }
    let retries = config.get("max_retries");
    whole_number(diags, &Path::attr("max_retries"), retries);
    number_in_range(
        diags,
        &Path::attr("max_retries"),
        retries,
        1.0,
        MAX_MAX_RETRIES as f64,
    );
    string_matches(
        diags,
        &Path::attr("endpoint_url"),
        config.get("endpoint_url"),
        "an http:// or https:// URL",
        |s| (s.starts_with("http://") || s.starts_with("https://")) && s.len() > "http://".len(),
    );
    let role = config.get("assume_role").first_block();
    let role_path = Path::attr("assume_role").index(0);
    string_matches(
        diags,
        &role_path.then("role_arn"),
        role.get("role_arn"),
        "an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
        is_iam_role_arn,
    );
    string_matches(
        diags,
        &role_path.then("session_name"),
        role.get("session_name"),
        "a session name of 2 to 64 characters from [A-Za-z0-9_+=,.@-]",
        |s| {
            (2..=64).contains(&s.len())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
        },
    );
}

impl ProviderConfig {
    /// The typed configuration, once every value is known and valid.
    pub fn from_value(config: &Value, diags: &mut Diagnostics) -> Option<Self> {
        validate(config, diags);
        if diags.has_errors() {
            return None;
        }
        let s = |k: &str| config.get(k).as_str().map(str::to_string);
        let role = config.get("assume_role").first_block();
        let endpoint_url = s("endpoint_url")
            .or_else(|| std::env::var(ENDPOINT_ENV).ok().filter(|v| !v.is_empty()));
        if let Some(url) = &endpoint_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                diags.attr_error(
                    &Path::attr("endpoint_url"),
                    format!("{ENDPOINT_ENV}={url:?} is not an http:// or https:// URL."),
                );
                return None;
            }
        }
        Some(ProviderConfig {
            primary_region: s("primary_region").unwrap_or_else(|| DEFAULT_PRIMARY.into()),
            secondary_region: s("secondary_region").unwrap_or_else(|| DEFAULT_SECONDARY.into()),
            profile: s("profile"),
            endpoint_url,
            max_retries: config
                .get("max_retries")
                .as_f64()
                .map_or(DEFAULT_MAX_RETRIES, |n| n as u32),
            default_tags: config
                .get("default_tags")
                .as_map()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default(),
            assume_role: role.get("role_arn").as_str().map(|arn| AssumeRole {
                role_arn: arn.to_string(),
                session_name: role
                    .get("session_name")
                    .as_str()
                    .unwrap_or("trdr")
                    .to_string(),
                external_id: role.get("external_id").as_str().map(str::to_string),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(c.max_retries, 8);
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
            (cfg(&[("max_retries", Value::Number(0.0))]), "max_retries"),
            (cfg(&[("max_retries", Value::Number(2.5))]), "max_retries"),
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
