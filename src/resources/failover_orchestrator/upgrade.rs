//! The orchestrator's stored state across schema versions (see [`crate::framework::upgrade`]).
//!
//! - 0 → 1 (0.1.0): `automatic_failover.paused` is unset unless the configuration sets it, so
//!   that an apply leaves a pause made by `trdr_pause` or the CLI alone. Builds before 0.1.0
//!   stored the default, `false`, for a configuration that did not set it; that `false` becomes
//!   unset. A `true` was set by the configuration and stays. A configuration that set `false`
//!   plans it back (an update that resumes the watchers, as every apply of those builds did).

use serde_json::Value as Json;

use crate::framework::Upgrader;

pub const UPGRADERS: &[Upgrader] = &[Upgrader {
    from: 0,
    change: "automatic_failover.paused is unset unless configured",
    step: paused_unset_unless_configured,
}];

fn paused_unset_unless_configured(state: &mut Json) -> Result<(), String> {
    let state = state.as_object_mut().ok_or("the state is not an object")?;
    let Some(blocks) = state.get_mut("automatic_failover") else {
        return Ok(());
    };
    let Json::Array(blocks) = blocks else {
        // null: no block.
        return if blocks.is_null() {
            Ok(())
        } else {
            Err("automatic_failover is not a list of blocks".into())
        };
    };
    for block in blocks {
        let block = block
            .as_object_mut()
            .ok_or("an automatic_failover block is not an object")?;
        if block.get("paused") == Some(&Json::Bool(false)) {
            block.insert("paused".into(), Json::Null);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::upgrade::chain_is_complete;
    use serde_json::json;

    #[test]
    fn the_chain_reaches_the_schema_version() {
        chain_is_complete(&super::super::schema(), UPGRADERS).unwrap();
    }

    #[test]
    fn a_stored_default_becomes_unset_and_a_configured_pause_stays() {
        for (stored, upgraded) in [
            (json!(false), Json::Null),
            (json!(true), json!(true)),
            (Json::Null, Json::Null),
        ] {
            let mut s = json!({"name": "t", "automatic_failover": [{"paused": stored, "failure_window_seconds": 60}]});
            paused_unset_unless_configured(&mut s).unwrap();
            assert_eq!(s["automatic_failover"][0]["paused"], upgraded);
            assert_eq!(s["automatic_failover"][0]["failure_window_seconds"], 60);
        }
        for mut s in [
            json!({"name": "t"}),
            json!({"automatic_failover": []}),
            json!({"automatic_failover": null}),
        ] {
            let before = s.clone();
            paused_unset_unless_configured(&mut s).unwrap();
            assert_eq!(s, before);
        }
        assert!(paused_unset_unless_configured(&mut json!({"automatic_failover": "x"})).is_err());
        assert!(paused_unset_unless_configured(&mut json!([])).is_err());
    }
}
