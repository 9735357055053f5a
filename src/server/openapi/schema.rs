//! The hand-written schemas' building blocks: a JSON type as a constant ([`T`]), an object's
//! field ([`F`]), and their conversion to `utoipa` schemas. The tables in [`super::components`]
//! and [`super::answers`] are written with them.

use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, RefBuilder,
    Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::RefOr;

/// A JSON type, written as a constant so that the tables below stay declarative.
#[derive(Clone, Copy)]
pub enum T {
    /// Any string.
    Str,
    /// A string of at least `.0` and at most `.1` characters.
    Len(usize, Option<usize>),
    /// A string matching a regular expression.
    Pattern(&'static str),
    /// An ISO date `yyyy-mm-dd`.
    Date,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// An integer ≥ 0.
    Int,
    /// An integer ≥ `.0`.
    IntMin(i64),
    Bool,
    /// `T` or `null`.
    Null(&'static T),
    List(&'static T),
    /// An object with these fields; more may be added in later versions. Request objects
    /// that refuse unknown fields are components (`T::Ref`), built closed.
    Obj(&'static [F]),
    /// An object whose keys are free and whose values are `T`.
    Map(&'static T),
    /// Any JSON object.
    AnyObj,
    /// A schema in `components.schemas`.
    Ref(&'static str),
}

/// One field of an object.
#[derive(Clone, Copy)]
pub struct F {
    pub name: &'static str,
    pub t: T,
    pub required: bool,
    pub doc: &'static str,
}

/// A field that is always present (answers) or must be sent (requests).
pub const fn req(name: &'static str, t: T, doc: &'static str) -> F {
    F {
        name,
        t,
        required: true,
        doc,
    }
}

/// A field that may be absent.
pub const fn opt(name: &'static str, t: T, doc: &'static str) -> F {
    F {
        name,
        t,
        required: false,
        doc,
    }
}

/// `t`, or `[t, "null"]`.
pub fn ty(t: Type, nullable: bool) -> SchemaType {
    if nullable {
        SchemaType::Array(vec![t, Type::Null])
    } else {
        SchemaType::Type(t)
    }
}

/// A description, unless empty.
pub fn described(doc: &str) -> Option<&str> {
    (!doc.is_empty()).then_some(doc)
}

/// An object of `fields`; `closed`: no other field allowed.
pub fn object(fields: &[F], doc: &str, closed: bool, nullable: bool) -> RefOr<Schema> {
    let mut o = ObjectBuilder::new()
        .schema_type(ty(Type::Object, nullable))
        .description(described(doc));
    for f in fields {
        o = o.property(f.name, schema(&f.t, f.doc, false));
        if f.required {
            o = o.required(f.name);
        }
    }
    if closed {
        o = o.additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)));
    }
    o.into()
}

/// The schema of a type of the tables.
pub fn schema(t: &T, doc: &str, nullable: bool) -> RefOr<Schema> {
    let string = || {
        ObjectBuilder::new()
            .schema_type(ty(Type::String, nullable))
            .description(described(doc))
    };
    match *t {
        T::Str => string().into(),
        T::Len(min, max) => string().min_length(Some(min)).max_length(max).into(),
        T::Pattern(p) => string().pattern(Some(p)).into(),
        T::Date => string()
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .into(),
        T::Enum(values) => {
            let mut values: Vec<serde_json::Value> =
                values.iter().map(|v| serde_json::json!(v)).collect();
            if nullable {
                values.push(serde_json::Value::Null);
            }
            string().enum_values(Some(values)).into()
        }
        T::Int | T::IntMin(_) => {
            let min = if let T::IntMin(m) = *t { m } else { 0 };
            ObjectBuilder::new()
                .schema_type(ty(Type::Integer, nullable))
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                .minimum(Some(min))
                .description(described(doc))
                .into()
        }
        T::Bool => ObjectBuilder::new()
            .schema_type(ty(Type::Boolean, nullable))
            .description(described(doc))
            .into(),
        T::Null(inner) => schema(inner, doc, true),
        T::List(inner) => ArrayBuilder::new()
            .schema_type(ty(Type::Array, nullable))
            .items(schema(inner, "", false))
            .description(described(doc))
            .into(),
        T::Obj(fields) => object(fields, doc, false, nullable),
        T::Map(inner) => ObjectBuilder::new()
            .schema_type(ty(Type::Object, nullable))
            .additional_properties(Some(schema(inner, "", false)))
            .description(described(doc))
            .into(),
        T::AnyObj => ObjectBuilder::new()
            .schema_type(ty(Type::Object, nullable))
            .description(described(doc))
            .into(),
        T::Ref(name) => {
            let r: RefOr<Schema> = RefBuilder::new()
                .ref_location_from_schema_name(name)
                .description(described(doc))
                .build()
                .into();
            if nullable {
                OneOfBuilder::new()
                    .item(r)
                    .item(ObjectBuilder::new().schema_type(Type::Null))
                    .description(described(doc))
                    .into()
            } else {
                r
            }
        }
    }
}

/// Declares marker types whose schema is a hand-written one, for `#[utoipa::path]` bodies:
/// `Name = expression;` gives `pub struct Name` with that schema and the component name `Name`.
macro_rules! hand_schemas {
    ($($(#[$meta:meta])* $name:ident = $schema:expr;)+) => {
        $(
            $(#[$meta])*
            pub struct $name;
            impl utoipa::PartialSchema for $name {
                fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                    $schema
                }
            }
            impl utoipa::ToSchema for $name {
                fn name() -> std::borrow::Cow<'static, str> {
                    std::borrow::Cow::Borrowed(stringify!($name))
                }
            }
        )+
    };
}
pub(super) use hand_schemas;
