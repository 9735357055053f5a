//! Small deserialisation helpers shared by the formats.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

use crate::rules::Ratio;

/// A number written either as a JSON number or a string: `80`, `86.5`, `"2/3"`.
#[derive(Clone, Debug)]
pub struct RatioText(pub String);

impl<'de> Deserialize<'de> for RatioText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        match v {
            serde_json::Value::Number(n) => Ok(RatioText(n.to_string())),
            serde_json::Value::String(s) => Ok(RatioText(s)),
            other => Err(de::Error::custom(format!(
                "expected a number or a string such as \"2/3\", found {other}"
            ))),
        }
    }
}

impl RatioText {
    pub fn ratio(&self) -> Result<Ratio, crate::rules::ratio::RatioError> {
        Ratio::parse(&self.0)
    }
}

/// A JSON object read as an ordered list of pairs, so that a key given twice is an error
/// instead of silently keeping the last value. Values are strings unless said otherwise
/// (`Pairs<u32>`: the scores of a rated-score ballot).
#[derive(Clone, Debug, Default)]
pub struct Pairs<V = String>(pub Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Pairs<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Visit<V> {
            type Value = Pairs<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object with one value per key")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs<V>, A::Error> {
                let mut out: Vec<(String, V)> = Vec::new();
                // A set, not a scan of `out`: an object of many keys costs linear time, not
                // quadratic (a public endpoint parses these).
                let mut seen = std::collections::HashSet::new();
                while let Some((k, v)) = map.next_entry::<String, V>()? {
                    if !seen.insert(k.clone()) {
                        return Err(de::Error::custom(format!("key “{k}” appears twice")));
                    }
                    out.push((k, v));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// Deserialises a field that may be absent (outer `None`), `null` (inner `None`) or a value.
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
