//! Everything that talks to AWS: shared clients, error classification, and thin per-service
//! operations the resources compose.

pub mod clients;
pub mod cloudwatch;
pub mod dynamodb;
pub mod errors;
pub mod events;
pub mod rds;
pub mod route53;
pub mod s3;
pub mod scheduler;
pub mod secrets;
pub mod sfn;
