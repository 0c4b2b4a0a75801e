//! Test and measurement tools for trdr, kept out of the provider's library: the fault-injecting
//! proxy ([`proxy`], its faults in each AWS protocol's shape in [`protocol`]) that the acceptance and fault suites and `make bench` put between the
//! provider and the sandbox, and its command-line front end `trdr-proxy`; the check that a
//! destroy left nothing behind ([`leftovers`]), which the suites run after every destroy and the
//! demo runs as `trdr-leftovers`.

pub mod leftovers;
pub mod protocol;
pub mod proxy;
