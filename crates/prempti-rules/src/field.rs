//! Fields: the schema a ruleset is compiled against, and the provider it is evaluated over.
//!
//! This is the seam between the engine and the `coding_agent` plugin. The plugin describes its
//! fields with a [`SourceSchema`] (the same table it exports to Falco) and implements
//! [`FieldProvider`] for one decoded event; tests implement it over a map. The generic
//! `evt.*` fields Falco adds for every plugin source (`evt.num`, `evt.time`, `evt.hostname`,
//! ...) are answered by the engine itself from [`EventMeta`], as Falco's own framework does.

use std::borrow::Cow;
use std::net::IpAddr;

/// The Falco field types a plugin can declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// `string`
    String,
    /// `uint64`
    U64,
    /// `bool`
    Bool,
    /// `reltime` (nanoseconds, as u64)
    RelTime,
    /// `abstime` (nanoseconds since the epoch, as u64)
    AbsTime,
    /// `ipaddr`
    IpAddr,
    /// `ipnet`
    IpNet,
}

impl FieldType {
    /// The name Falco prints for this type (`string`, `uint64`, ...).
    pub fn falco_name(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::U64 => "uint64",
            FieldType::Bool => "bool",
            FieldType::RelTime => "reltime",
            FieldType::AbsTime => "abstime",
            FieldType::IpAddr => "ipaddr",
            FieldType::IpNet => "ipnet",
        }
    }
}

/// Whether and how a field takes an argument (`field[arg]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArgSpec {
    /// The field takes no argument.
    None,
    /// A decimal index (`field[0]`).
    Index {
        /// The argument must be given.
        required: bool,
    },
    /// A free-form key (`field[name]`).
    Key {
        /// The argument must be given.
        required: bool,
    },
}

/// One field of an event source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    /// Full name, e.g. `tool.name`.
    pub name: Cow<'static, str>,
    /// Value type (of each element, for lists).
    pub ty: FieldType,
    /// Whether the field yields a list of values (`isList`).
    pub is_list: bool,
    /// Argument accepted by the field.
    pub arg: ArgSpec,
    /// One-line description.
    pub description: Cow<'static, str>,
    /// Falco's `addOutput`: suggested for `append_output` `suggested_output: true`.
    pub suggested_output: bool,
}

/// Index of a field in its [`SourceSchema::fields`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub u32);

/// The fields of one event source, as a plugin declares them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSchema {
    /// Event source name (`coding_agent`).
    pub source: Cow<'static, str>,
    /// Name of the plugin providing the source (rendered by `evt.pluginname`).
    pub plugin_name: Cow<'static, str>,
    /// Fields; a field's position is its [`FieldId`].
    pub fields: Vec<FieldDef>,
}

impl SourceSchema {
    /// Looks a field up by name.
    pub fn find(&self, name: &str) -> Option<(FieldId, &FieldDef)> {
        self.fields
            .iter()
            .enumerate()
            .find(|(_, f)| f.name == name)
            .map(|(i, f)| (FieldId(i as u32), f))
    }
}

/// An IP network (`ipnet`): address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNetwork {
    /// Network address.
    pub addr: IpAddr,
    /// Prefix length in bits.
    pub prefix: u8,
}

/// One extracted value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// A string (`string`).
    Str(Cow<'a, str>),
    /// An unsigned integer (`uint64`, `reltime`, `abstime`).
    U64(u64),
    /// A boolean.
    Bool(bool),
    /// An address (`ipaddr`).
    Ip(IpAddr),
    /// A network (`ipnet`).
    Net(IpNetwork),
}

impl Value<'_> {
    /// The value as output text (an `ipnet` renders as `<IPNET>`, as in Falco).
    pub(crate) fn render(&self) -> String {
        match self {
            Value::Str(s) => s.to_string(),
            Value::U64(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Ip(ip) => ip.to_string(),
            Value::Net(_) => "<IPNET>".to_string(),
        }
    }
}

/// Supplies field values for the event being evaluated.
pub trait FieldProvider {
    /// The values of field `id` (with its argument, when the condition gave one) for the
    /// current event. Scalar fields return at most one value; list fields any number.
    ///
    /// An empty vector means **no value**: Falco's missing-value semantics apply (every
    /// comparison is false, `not` flips it, outputs render `<NA>`). A present empty string is
    /// a value and must be returned as `Value::Str("")`.
    fn extract(&self, id: FieldId, arg: Option<&str>) -> Vec<Value<'_>>;
}

/// Per-event data Falco's framework knows, independent of the plugin: it backs the generic
/// `evt.*` fields and the alert's `time` and `hostname`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventMeta {
    /// Event number (`evt.num`).
    pub num: u64,
    /// Event timestamp in nanoseconds since the Unix epoch.
    pub time_ns: u64,
    /// Host name (`evt.hostname`, the alert's `hostname`).
    pub hostname: String,
}
