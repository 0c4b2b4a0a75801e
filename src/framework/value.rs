//! The value model every resource works with: Terraform's dynamic values, independent of the wire
//! encoding. Numbers are `f64` end to end, so fractional attributes (Aurora capacity units) survive.

use std::collections::BTreeMap;

/// A Terraform value: known, null, or not yet known (during plan).
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Unknown,
    Bool(bool),
    Number(f64),
    String(String),
    /// Lists, sets and tuples (sets are kept in the order Terraform sent them).
    List(Vec<Value>),
    /// Objects and maps.
    Map(BTreeMap<String, Value>),
}

impl Value {
    pub fn object() -> Self {
        Value::Map(BTreeMap::new())
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// True when this value and everything inside it is known.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(map) => map.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// The same value with every unknown replaced by null: what an apply may record when it could
    /// not read back what it made.
    pub fn unknowns_to_null(&self) -> Value {
        match self {
            Value::Unknown => Value::Null,
            Value::List(items) => Value::List(items.iter().map(Value::unknowns_to_null).collect()),
            Value::Map(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), v.unknowns_to_null()))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// The attribute `name` of an object; null for anything else or a missing attribute.
    pub fn get(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        match self {
            Value::Map(map) => map.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self {
            Value::Map(map) => map.get_mut(name),
            _ => None,
        }
    }

    /// Sets attribute `name` of an object (turning a null into an object first).
    pub fn set(&mut self, name: &str, value: impl Into<Value>) {
        if !matches!(self, Value::Map(_)) {
            *self = Value::object();
        }
        if let Value::Map(map) = self {
            map.insert(name.to_string(), value.into());
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A number. Terraform (cty) sends a number that float64 cannot hold exactly, such as 0.3,
    /// as its decimal string, so a numeric string in a number attribute is a number too.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(s) => s.parse().ok().filter(|n: &f64| n.is_finite()),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    /// The first element of a nested block declared as a list of at most one item.
    pub fn first_block(&self) -> &Value {
        static NULL: Value = Value::Null;
        self.as_list().and_then(|l| l.first()).unwrap_or(&NULL)
    }

    /// The first element of a list-nested block, to change it in place.
    pub fn first_block_mut(&mut self) -> Option<&mut Value> {
        match self {
            Value::List(l) => l.first_mut(),
            _ => None,
        }
    }

    pub fn string_list(items: impl IntoIterator<Item = impl Into<String>>) -> Value {
        Value::List(items.into_iter().map(|s| Value::String(s.into())).collect())
    }

    pub fn string_map<K: Into<String>, V: Into<String>>(
        items: impl IntoIterator<Item = (K, V)>,
    ) -> Value {
        Value::Map(
            items
                .into_iter()
                .map(|(k, v)| (k.into(), Value::String(v.into())))
                .collect(),
        )
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n as f64)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Serde support: the same `Value` decodes from and encodes to Terraform's msgpack (unknown values
/// are msgpack extension 0) and JSON (stored state, which holds no unknowns).
mod wire {
    use super::Value;
    use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde::ser::{SerializeMap, SerializeSeq, Serializer};
    use serde::{Deserialize, Serialize};
    use std::collections::BTreeMap;
    use std::fmt;

    /// rmp-serde's name for an extension value `(tag, bytes)`.
    const EXT_STRUCT: &str = "_ExtStruct";

    struct ExtBytes;
    impl Serialize for ExtBytes {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&[0])
        }
    }

    impl Serialize for Value {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self {
                Value::Null => s.serialize_unit(),
                Value::Unknown => s.serialize_newtype_struct(EXT_STRUCT, &(0i8, ExtBytes)),
                Value::Bool(b) => s.serialize_bool(*b),
                Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
                    s.serialize_i64(*n as i64)
                }
                Value::Number(n) => s.serialize_f64(*n),
                Value::String(v) => s.serialize_str(v),
                Value::List(items) => {
                    let mut seq = s.serialize_seq(Some(items.len()))?;
                    for i in items {
                        seq.serialize_element(i)?;
                    }
                    seq.end()
                }
                Value::Map(map) => {
                    let mut m = s.serialize_map(Some(map.len()))?;
                    for (k, v) in map {
                        m.serialize_entry(k, v)?;
                    }
                    m.end()
                }
            }
        }
    }

    /// Deeper than any schema nests; refusing more keeps a hostile payload from exhausting the
    /// stack.
    pub const MAX_DEPTH: u32 = 64;

    /// Decodes one value `depth` levels down.
    #[derive(Clone, Copy)]
    struct Seed {
        depth: u32,
    }

    impl<'de> de::DeserializeSeed<'de> for Seed {
        type Value = Value;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            if self.depth > MAX_DEPTH {
                return Err(de::Error::custom(format!(
                    "value nested deeper than {MAX_DEPTH} levels"
                )));
            }
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Seed {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a Terraform value")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_none<E: de::Error>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            de::DeserializeSeed::deserialize(self, d)
        }
        fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
            Ok(Value::Bool(b))
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
            Ok(Value::Number(n as f64))
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
            Ok(Value::Number(n as f64))
        }
        fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
            Ok(Value::Number(n))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_string()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Value, E> {
            Err(E::custom("binary values are not Terraform values"))
        }
        /// Only extension values arrive here; Terraform uses extension 0 for "unknown".
        fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            de::IgnoredAny::deserialize(d)?;
            Ok(Value::Unknown)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let inner = Seed {
                depth: self.depth + 1,
            };
            let mut items = Vec::new();
            while let Some(v) = seq.next_element_seed(inner)? {
                items.push(v);
            }
            Ok(Value::List(items))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
            let inner = Seed {
                depth: self.depth + 1,
            };
            let mut map = BTreeMap::new();
            while let Some(k) = access.next_key::<String>()? {
                let v = access.next_value_seed(inner)?;
                map.insert(k, v);
            }
            Ok(Value::Map(map))
        }
    }

    impl<'de> Deserialize<'de> for Value {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
            de::DeserializeSeed::deserialize(Seed { depth: 0 }, d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msgpack(v: &Value) -> Vec<u8> {
        rmp_serde::to_vec_named(v).unwrap()
    }

    #[test]
    fn msgpack_round_trip_keeps_fractions_and_unknowns() {
        let mut v = Value::object();
        v.set("min_capacity", 0.5);
        v.set("count", 2i64);
        v.set("id", Value::Unknown);
        v.set("tags", Value::string_map([("a", "b")]));
        v.set("list", Value::string_list(["x", "y"]));
        let back: Value = rmp_serde::from_slice(&msgpack(&v)).unwrap();
        assert_eq!(back, v);
        assert_eq!(back.get("min_capacity").as_f64(), Some(0.5));
        // cty's encoding of 0.3, which float64 cannot hold exactly.
        assert_eq!(Value::from("0.3").as_f64(), Some(0.3));
        assert!(back.get("id").is_unknown());
        assert!(!back.is_wholly_known());
    }

    #[test]
    fn terraform_unknown_encoding_is_understood() {
        // fixext1, type 0, one zero byte: what Terraform sends for an unknown value.
        let back: Value = rmp_serde::from_slice(&[0xd4, 0x00, 0x00]).unwrap();
        assert!(back.is_unknown());
        assert_eq!(msgpack(&Value::Unknown), vec![0xd4, 0x00, 0x00]);
    }

    #[test]
    fn json_state_decodes() {
        let v: Value =
            serde_json::from_str(r#"{"a":[1,2.5,"x",true,null],"b":{"c":"d"}}"#).unwrap();
        assert_eq!(v.get("a").as_list().unwrap()[1].as_f64(), Some(2.5));
        assert_eq!(v.get("b").get("c").as_str(), Some("d"));
    }

    #[test]
    fn unknowns_become_null_at_any_depth() {
        let mut v = Value::object();
        v.set("arn", Value::Unknown);
        v.set("list", Value::List(vec![Value::Unknown, Value::from("x")]));
        let known = v.unknowns_to_null();
        assert!(known.is_wholly_known());
        assert!(known.get("arn").is_null());
        assert_eq!(known.get("list").as_list().unwrap()[1].as_str(), Some("x"));
    }

    #[test]
    fn hostile_nesting_is_refused() {
        let mut deep = vec![0x91u8; 200];
        deep.push(0xc0);
        assert!(rmp_serde::from_slice::<Value>(&deep).is_err());
        let ok = [0x91u8, 0x91, 0xc0];
        assert_eq!(
            rmp_serde::from_slice::<Value>(&ok).unwrap(),
            Value::List(vec![Value::List(vec![Value::Null])])
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [
            &[0xc1u8][..],
            &[0x92, 0x01][..],
            &[0xd4, 0x05][..],
            &[0xff; 3][..],
            &[0xc4, 0x01, 0x00][..],
        ] {
            let _ = rmp_serde::from_slice::<Value>(bytes);
        }
        assert!(rmp_serde::from_slice::<Value>(&[0xc1]).is_err());
        assert!(serde_json::from_str::<Value>("{").is_err());
    }
}
