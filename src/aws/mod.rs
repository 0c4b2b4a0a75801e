//! Everything that talks to AWS: shared clients, error classification, and thin per-service
//! operations the resources compose.

pub mod budget;
pub mod clients;
pub mod cloudwatch;
pub mod dynamodb;
pub mod errors;
pub mod events;
pub mod outage;
pub mod rds;
pub mod route53;
pub mod s3;
pub mod scheduler;
pub mod secrets;
pub mod sfn;

/// The ARN partition of `region` ("aws", "aws-cn", "aws-us-gov", …), for ARNs trdr builds from a
/// name instead of listing the account to find them.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("eusc-") {
        "aws-eusc"
    } else {
        "aws"
    }
}
