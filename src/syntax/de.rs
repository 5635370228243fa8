//! serde deserialization from a [`SpannedNode`] tree. Every error is tagged with
//! the span of the innermost node it arose in, so a wrong type or a bad
//! value is reported at its own line and column.

use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess,
    SeqAccess, VariantAccess, Visitor,
};
use serde::{Deserialize, forward_to_deserialize_any};

use super::span::{FileId, Span, Spanned};
use super::yaml::{SpannedNode, Value};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DeError {
    pub span: Option<Span>,
    pub message: String,
}

impl DeError {
    fn at(mut self, span: Span) -> Self {
        self.span.get_or_insert(span);
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            span: None,
            message: msg.to_string(),
        }
    }
}

/// Deserializes a typed value from a node.
pub(crate) fn from_node<T: DeserializeOwned>(node: &SpannedNode) -> Result<T, DeError> {
    T::deserialize(NodeDe { node, key: None }).map_err(|e| e.at(node.span))
}

const SPANNED: &str = "$polctl::Spanned";
const SPANNED_FIELDS: &[&str] = &["$file", "$start", "$end", "$value"];

#[derive(Clone, Copy)]
struct NodeDe<'a> {
    node: &'a SpannedNode,
    /// The mapping key this node is the value of: a better place than a
    /// whole mapping to point at for "missing field" errors.
    key: Option<Span>,
}

impl NodeDe<'_> {
    fn blame(&self) -> Span {
        match (&self.node.value, self.key) {
            (Value::Map(_) | Value::Seq(_), Some(key)) => key,
            (Value::Map(entries), None) => entries.first().map_or(self.node.span, |(k, _)| k.span),
            _ => self.node.span,
        }
    }
}

impl<'de> Deserializer<'de> for NodeDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str(s) => visitor.visit_str(s),
            Value::Seq(items) => visitor.visit_seq(Seq {
                items: items.iter(),
            }),
            Value::Map(entries) => visitor.visit_map(Map {
                entries: entries.iter(),
                value: None,
            }),
        };
        result.map_err(|e| e.at(self.blame()))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if name == SPANNED {
            return visitor.visit_map(SpannedAccess {
                node: self,
                step: 0,
            });
        }
        if !matches!(self.node.value, Value::Map(_)) {
            let _ = fields;
            return Err(DeError {
                span: Some(self.node.span),
                message: format!("expected a mapping, found {}", self.node.type_name()),
            });
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if !matches!(self.node.value, Value::Seq(_)) {
            return Err(DeError {
                span: Some(self.node.span),
                message: format!("expected a sequence, found {}", self.node.type_name()),
            });
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if !matches!(self.node.value, Value::Map(_)) {
            return Err(DeError {
                span: Some(self.node.span),
                message: format!("expected a mapping, found {}", self.node.type_name()),
            });
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Str(s) => visitor
                .visit_str::<DeError>(s)
                .map_err(|e| e.at(self.node.span)),
            _ => Err(DeError {
                span: Some(self.node.span),
                message: format!("expected a string, found {}", self.node.type_name()),
            }),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let result = match &self.node.value {
            Value::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            Value::Map(entries) if entries.len() == 1 => {
                let (k, v) = &entries[0];
                visitor.visit_enum(Enum { key: k, value: v })
            }
            _ => Err(de::Error::custom(format!(
                "expected a string or a one-entry mapping, found {}",
                self.node.type_name()
            ))),
        };
        result.map_err(|e| e.at(self.node.span))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char
        bytes byte_buf unit unit_struct newtype_struct tuple tuple_struct identifier
    }
}

struct Seq<'a> {
    items: std::slice::Iter<'a, SpannedNode>,
}

impl<'de> SeqAccess<'de> for Seq<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some(node) => seed
                .deserialize(NodeDe { node, key: None })
                .map(Some)
                .map_err(|e| e.at(node.span)),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'a> {
    entries: std::slice::Iter<'a, (SpannedNode, SpannedNode)>,
    value: Option<(&'a SpannedNode, Span)>,
}

impl<'de> MapAccess<'de> for Map<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.entries.next() {
            Some((k, v)) => {
                self.value = Some((v, k.span));
                seed.deserialize(NodeDe { node: k, key: None })
                    .map(Some)
                    .map_err(|e| e.at(k.span))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (node, key) = self.value.take().ok_or_else(|| {
            <DeError as de::Error>::custom("mapping value requested before its key")
        })?;
        seed.deserialize(NodeDe {
            node,
            key: Some(key),
        })
        .map_err(|e| e.at(node.span))
    }
}

struct Enum<'a> {
    key: &'a SpannedNode,
    value: &'a SpannedNode,
}

impl<'de, 'a> EnumAccess<'de> for Enum<'a> {
    type Error = DeError;
    type Variant = NodeDe<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, NodeDe<'a>), DeError> {
        let variant = seed.deserialize(NodeDe {
            node: self.key,
            key: None,
        })?;
        Ok((
            variant,
            NodeDe {
                node: self.value,
                key: Some(self.key.span),
            },
        ))
    }
}

impl<'de> VariantAccess<'de> for NodeDe<'_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_struct("", fields, visitor)
    }
}

/// Hands a [`Spanned`] its node's span, then the value itself.
struct SpannedAccess<'a> {
    node: NodeDe<'a>,
    step: usize,
}

impl<'de> MapAccess<'de> for SpannedAccess<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match SPANNED_FIELDS.get(self.step) {
            Some(name) => seed.deserialize((*name).into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let span = self.node.node.span;
        let step = self.step;
        self.step += 1;
        match step {
            0 => seed.deserialize(span.file.0.into_deserializer()),
            1 => seed.deserialize(span.start.into_deserializer()),
            2 => seed.deserialize(span.end.into_deserializer()),
            _ => seed.deserialize(self.node),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpannedVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for SpannedVisitor<T> {
            type Value = Spanned<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value with a source position")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Spanned<T>, A::Error> {
                fn expect_key<'de, A: MapAccess<'de>>(
                    map: &mut A,
                    name: &str,
                ) -> Result<(), A::Error> {
                    match map.next_key::<String>()? {
                        Some(k) if k == name => Ok(()),
                        _ => Err(de::Error::custom(
                            "Spanned values need polctl's YAML reader",
                        )),
                    }
                }
                expect_key(&mut map, "$file")?;
                let file: u32 = map.next_value()?;
                expect_key(&mut map, "$start")?;
                let start: u32 = map.next_value()?;
                expect_key(&mut map, "$end")?;
                let end: u32 = map.next_value()?;
                expect_key(&mut map, "$value")?;
                let value: T = map.next_value()?;
                let span = Span::new(FileId(file), start as usize, end as usize);
                Ok(Spanned { span, value })
            }
        }

        deserializer.deserialize_struct(
            SPANNED,
            SPANNED_FIELDS,
            SpannedVisitor(std::marker::PhantomData),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::yaml::parse_documents;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Doc {
        name: Spanned<String>,
        #[serde(default)]
        ports: Vec<u16>,
        #[serde(default)]
        labels: BTreeMap<String, String>,
        #[allow(dead_code)]
        spec: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    struct Inner {
        #[allow(dead_code)]
        required: String,
    }

    fn load<T: DeserializeOwned>(text: &str) -> Result<T, DeError> {
        let docs = parse_documents(FileId(0), text).expect("yaml");
        from_node(&docs[0])
    }

    fn at(text: &str, err: &DeError) -> String {
        let span = err.span.expect("located");
        text[span.start as usize..span.end as usize].to_string()
    }

    #[test]
    fn spanned_values_know_where_they_came_from() {
        let text = "name: web\nports: [80]\n";
        let doc: Doc = load(text).expect("valid");
        assert_eq!(doc.name.value, "web");
        assert_eq!(
            &text[doc.name.span.start as usize..doc.name.span.end as usize],
            "web"
        );
        assert_eq!(doc.ports, vec![80]);
        assert!(doc.labels.is_empty());
    }

    #[test]
    fn wrong_types_point_at_the_value() {
        let text = "name: web\nports: [80, 70000]\n";
        let err = load::<Doc>(text).expect_err("out of range");
        assert_eq!(at(text, &err), "70000");
        assert!(err.message.contains("70000"), "{}", err.message);
    }

    #[test]
    fn unknown_fields_point_at_the_key() {
        let text = "name: web\nportz: [80]\n";
        let err = load::<Doc>(text).expect_err("unknown");
        assert_eq!(at(text, &err), "portz");
    }

    #[test]
    fn missing_fields_point_at_the_owning_key() {
        let text = "name: web\nspec:\n  other: 1\n";
        let err = load::<Doc>(text).expect_err("missing");
        assert_eq!(at(text, &err), "spec");
        assert!(err.message.contains("missing field `required`"));
    }

    #[test]
    fn strings_are_not_numbers() {
        let text = "name: 5\n";
        let err = load::<Doc>(text).expect_err("not a string");
        assert_eq!(at(text, &err), "5");
        let text = "name: x\nlabels: {a: 1}\n";
        let err = load::<Doc>(text).expect_err("label value must be a string");
        assert_eq!(at(text, &err), "1");
    }
}
