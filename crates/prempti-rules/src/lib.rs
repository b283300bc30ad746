//! A Falco-compatible rules engine in pure Rust (interface seed; the engine lands next).
#![deny(missing_docs)]

mod field;

pub use field::{ArgSpec, EventMeta, FieldDef, FieldId, FieldProvider, FieldType, IpNetwork, SourceSchema, Value};
