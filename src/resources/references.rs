//! What one resource's configuration says of another's: the checks of the attributes that refer
//! to an object a different resource owns. Each resource's schema uses them; none imports another
//! resource for them.

use crate::framework::validate::Check;

/// The check of a reference to a global database (`NAME-global-SUFFIX`, its `id`), for the
/// attributes that hold one.
pub const GLOBAL_DATABASE: &[Check] = &[Check::Matches(
    "a global cluster identifier (use trdr_global_database.<name>.id)",
    |s| s.contains("-global-"),
)];
