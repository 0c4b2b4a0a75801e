//! Acceptance tests: the real `terraform` binary drives the provider against a sandbox (MiniStack
//! via `TRDR_ENDPOINT_URL`, which `make testacc` sets) or, with `TF_ACC=1` and no endpoint, a real
//! AWS sandbox account. Every scenario then checks AWS itself through the SDK.

mod support;

mod actions;
mod automatic_failover;
mod automatic_failover_practice;
mod global_database;
mod harness;
mod identity;
mod import_state;
mod interrupted;
mod leftovers;
mod modules;
mod orchestrator;
mod pause;
mod plugin;
mod region_outage;
mod regional_stack;
mod semantics;
mod upgrade;
mod watched_watcher;
