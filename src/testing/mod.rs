//! Test and measurement support that ships with the project (not used by the provider itself).

pub mod proxy;
