//! The generic `evt.*` fields Falco's framework answers for every plugin source (COMPAT.md §13).

use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::field::{EventMeta, FieldType, SourceSchema};

/// A generic event field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum EvtField {
    Num,
    Time,
    TimeS,
    TimeIso8601,
    Datetime,
    DatetimeS,
    Rawtime,
    RawtimeS,
    RawtimeNs,
    Reltime,
    ReltimeS,
    ReltimeNs,
    PluginName,
    PluginInfo,
    Source,
    AsyncType,
    Hostname,
    IsAsync,
}

pub(crate) const EVT_FIELDS: [(&str, EvtField, FieldType); 18] = [
    ("evt.num", EvtField::Num, FieldType::U64),
    ("evt.time", EvtField::Time, FieldType::String),
    ("evt.time.s", EvtField::TimeS, FieldType::String),
    ("evt.time.iso8601", EvtField::TimeIso8601, FieldType::String),
    ("evt.datetime", EvtField::Datetime, FieldType::String),
    ("evt.datetime.s", EvtField::DatetimeS, FieldType::String),
    ("evt.rawtime", EvtField::Rawtime, FieldType::AbsTime),
    ("evt.rawtime.s", EvtField::RawtimeS, FieldType::AbsTime),
    ("evt.rawtime.ns", EvtField::RawtimeNs, FieldType::AbsTime),
    ("evt.reltime", EvtField::Reltime, FieldType::RelTime),
    ("evt.reltime.s", EvtField::ReltimeS, FieldType::RelTime),
    ("evt.reltime.ns", EvtField::ReltimeNs, FieldType::RelTime),
    ("evt.pluginname", EvtField::PluginName, FieldType::String),
    ("evt.plugininfo", EvtField::PluginInfo, FieldType::String),
    ("evt.source", EvtField::Source, FieldType::String),
    ("evt.asynctype", EvtField::AsyncType, FieldType::String),
    ("evt.hostname", EvtField::Hostname, FieldType::String),
    ("evt.is_async", EvtField::IsAsync, FieldType::Bool),
];

pub(crate) fn lookup(name: &str) -> Option<(EvtField, FieldType)> {
    EVT_FIELDS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, f, t)| (*f, *t))
}

/// A computed generic value.
pub(crate) enum EvtValue {
    Str(String),
    U64(u64),
    Bool(bool),
    None,
}

fn zoned(ns: u64, tz: &TimeZone) -> Option<jiff::Zoned> {
    let ts = Timestamp::from_nanosecond(ns as i128).ok()?;
    Some(ts.to_zoned(tz.clone()))
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (the JSON alert's `time`).
pub(crate) fn iso_utc_z(ns: u64) -> String {
    match zoned(ns, &TimeZone::UTC) {
        Some(z) => format!("{}Z", z.strftime("%Y-%m-%dT%H:%M:%S.%9f")),
        None => String::new(),
    }
}

pub(crate) fn extract(
    f: EvtField,
    meta: &EventMeta,
    schema: &SourceSchema,
    tz: &TimeZone,
    start_ns: u64,
) -> EvtValue {
    let ns = meta.time_ns;
    let local = |fmt: &str| {
        zoned(ns, tz).map_or(EvtValue::None, |z| {
            EvtValue::Str(z.strftime(fmt).to_string())
        })
    };
    let rel = ns.saturating_sub(start_ns);
    match f {
        EvtField::Num => EvtValue::U64(meta.num),
        EvtField::Time => local("%H:%M:%S.%9f"),
        EvtField::TimeS => local("%H:%M:%S"),
        EvtField::TimeIso8601 => match zoned(ns, &TimeZone::UTC) {
            Some(z) => EvtValue::Str(format!("{}+0000", z.strftime("%Y-%m-%dT%H:%M:%S.%9f"))),
            None => EvtValue::None,
        },
        EvtField::Datetime => local("%Y-%m-%d %H:%M:%S.%9f"),
        EvtField::DatetimeS => local("%Y-%m-%d %H:%M:%S"),
        EvtField::Rawtime => EvtValue::U64(ns),
        EvtField::RawtimeS => EvtValue::U64(ns / 1_000_000_000),
        EvtField::RawtimeNs => EvtValue::U64(ns % 1_000_000_000),
        EvtField::Reltime => EvtValue::U64(rel),
        EvtField::ReltimeS => EvtValue::U64(rel / 1_000_000_000),
        EvtField::ReltimeNs => EvtValue::U64(rel % 1_000_000_000),
        EvtField::PluginName | EvtField::PluginInfo => {
            EvtValue::Str(schema.plugin_name.to_string())
        }
        EvtField::Source => EvtValue::Str(schema.source.to_string()),
        EvtField::AsyncType => EvtValue::None,
        EvtField::Hostname => EvtValue::Str(meta.hostname.clone()),
        EvtField::IsAsync => EvtValue::Bool(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_formats() {
        let meta = EventMeta {
            num: 1,
            time_ns: 1_700_000_000_123_456_789,
            hostname: "h".into(),
        };
        let schema = SourceSchema {
            source: "s".into(),
            plugin_name: "p".into(),
            fields: vec![],
        };
        let tz = TimeZone::UTC;
        let s = |f| match extract(f, &meta, &schema, &tz, 0) {
            EvtValue::Str(s) => s,
            _ => String::new(),
        };
        assert_eq!(s(EvtField::Time), "22:13:20.123456789");
        assert_eq!(
            s(EvtField::TimeIso8601),
            "2023-11-14T22:13:20.123456789+0000"
        );
        assert_eq!(s(EvtField::Datetime), "2023-11-14 22:13:20.123456789");
        assert_eq!(iso_utc_z(meta.time_ns), "2023-11-14T22:13:20.123456789Z");
    }
}
