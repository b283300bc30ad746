//! Falco's wording, in one place.
//!
//! Users diff our messages against Falco's, so every string that reproduces one of Falco's
//! (libs `filter/parser.cpp`, `filter/escaping.cpp`, falco `rule_loading_messages.h`,
//! `rule_loader_reader.cpp`, `rule_loader_collector.cpp`, `rule_loader_compiler.cpp`,
//! `falco_load_result.cpp`) lives here; a parity fix is a one-file review. Messages that are
//! ours (no Falco counterpart) are marked and follow our own style.

// ---------------------------------------------------------------- condition parser

pub(crate) const PARSE_EMPTY: &str = "filter input string is empty";
pub(crate) const PARSE_EXPECTED_RPAREN: &str = "expected a ')' token";
pub(crate) const PARSE_EXPECTED_RPAREN_TRANSFORMER: &str =
    "expected a ')' token closing the transformer";
pub(crate) const PARSE_EXPECTED_CHECK: &str =
    "expected a '(' token, a field check, or an identifier";
pub(crate) const PARSE_EXPECTED_FIELD_ARG: &str =
    "expected a valid field argument: a quoted string or a bare string";
pub(crate) const PARSE_EXPECTED_RBRACKET: &str = "expected a ']' token";
pub(crate) const PARSE_EXPECTED_TARG: &str =
    "expected field transformer argument: field, transformer, quoted string, number, or transformer list";
pub(crate) const PARSE_EXPECTED_TLIST_ARG: &str =
    "expected transformer list argument: field, transformer, quoted string, or number";
pub(crate) const PARSE_EXPECTED_RPAREN_TLIST: &str = "expected ')'";
pub(crate) const PARSE_EXPECTED_STRING_ONLY: &str = "expected a string value";

const TRANSFORMERS_WITH_VAL: &str =
    "'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'";

pub(crate) fn parse_unexpected_token(last: &str) -> String {
    format!("unexpected token after '{last}', expecting 'or', 'and'")
}
pub(crate) fn parse_depth(max: u32) -> String {
    format!("exceeded max depth limit of {max}")
}
pub(crate) fn parse_expected_blank_after(kw: &str) -> String {
    format!("expected blank or '(' after '{kw}'")
}
pub(crate) fn parse_expected_operator() -> String {
    "expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', '==', '=', '!=', 'glob', \
     'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', \
     'intersects', 'in', 'pmatch'"
        .to_string()
}
pub(crate) fn parse_expected_number() -> String {
    format!("expected a number value or a field with a valid transformer: {TRANSFORMERS_WITH_VAL}")
}
pub(crate) fn parse_expected_string() -> String {
    format!("expected a string value or a field with a valid transformer: {TRANSFORMERS_WITH_VAL}")
}
pub(crate) fn parse_expected_list() -> String {
    format!("expected a list, an identifier, or a field with a valid transformer: {TRANSFORMERS_WITH_VAL}")
}
pub(crate) fn parse_expected_field_within(t: &str) -> String {
    format!("expected a field within '{t}' transformer")
}

// ---------------------------------------------------------------- string escapes

pub(crate) const ESCAPE_TRUNCATED: &str = "truncated string escape sequence";
pub(crate) const ESCAPE_HEX_TRUNCATED: &str = "truncated hex char escape sequence";
pub(crate) const ESCAPE_DQUOTE: &str = "invalid \\\" escape in '-quoted string";
pub(crate) const ESCAPE_SQUOTE: &str = "invalid \\' escape in \"-quoted string";
pub(crate) fn escape_hex_invalid(s: &str) -> String {
    format!("invalid hex char escape sequence: {s}")
}
pub(crate) fn escape_unsupported(c: &str) -> String {
    format!("unsupported string escape sequence: \\{c}")
}

// ---------------------------------------------------------------- reader (YAML structure)

pub(crate) const NOT_YAML_ARRAY: &str = "Rules content is not yaml array of objects";
pub(crate) const NOT_YAML: &str = "Rules content is not yaml";
pub(crate) const UNEXPECTED_ELEMENT: &str =
    "Unexpected element type. Each element should be a yaml associative array.";
pub(crate) const UNKNOWN_ITEM: &str = "Unknown top level item";
pub(crate) fn no_mapping_for_key(k: &str) -> String {
    format!("Item has no mapping for key '{k}'")
}
pub(crate) fn mapping_empty(k: &str) -> String {
    format!("Mapping for key '{k}' is empty")
}
pub(crate) const NOT_SCALAR: &str = "Value is not a scalar value";
pub(crate) const MUST_BE_NON_EMPTY: &str = "Value must be non-empty";
pub(crate) const CANT_DECODE: &str = "Can't decode YAML scalar value";
pub(crate) const NOT_SEQUENCE: &str = "Value is not a sequence";
pub(crate) const SEQ_VALUE_NOT_SCALAR: &str = "sequence value is not scalar";
pub(crate) fn unknown_key(k: &str) -> String {
    format!("Unknown key '{k}'. The key will be ignored.")
}
pub(crate) fn engine_version_unparsable(v: &str) -> String {
    format!("Unable to parse engine version '{v}' as a semver string. Expected \"x.y.z\" semver format.")
}
pub(crate) fn engine_version_too_low(req: &str, engine: &str) -> String {
    format!("Rules require engine version {req}, but engine version is {engine}")
}
pub(crate) fn invalid_plugin_version(v: &str, n: &str) -> String {
    format!("Invalid required version '{v}' for plugin '{n}'")
}
pub(crate) fn plugin_multiple_alternatives(n: &str) -> String {
    format!("Defined multiple alternative version requirements for plugin '{n}'")
}
pub(crate) const OVERRIDE_AND_APPEND: &str =
    "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
pub(crate) const WARNING_APPEND: &str =
    "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
pub(crate) const WARNING_ENABLED: &str =
    "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').";
pub(crate) const LIST_APPEND_NO_PREVIOUS: &str =
    "List uses 'append' or 'override.items: append' but no list by that name already exists";
pub(crate) const MACRO_APPEND_NO_PREVIOUS: &str =
    "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists";
/// Falco 0.44.1 prints `<key>` literally, whichever key was appended.
pub(crate) fn rule_append_no_previous(_key: &str) -> String {
    "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists"
        .to_string()
}
pub(crate) fn rule_replace_no_previous(key: &str) -> String {
    format!("An 'override.{key}: replace' to a rule was requested but no rule by that name already exists")
}
pub(crate) const RULE_ENABLE_NO_PREVIOUS: &str =
    "Rule has 'enabled' key but no rule by that name already exists";
pub(crate) const APPENDED_RULE_NEEDS: &str =
    "Appended rule must have exceptions or condition property";
pub(crate) fn cannot_append(k: &str) -> String {
    format!("Key '{k}' cannot be appended to, use 'replace' instead")
}
pub(crate) fn cannot_replace(k: &str) -> String {
    format!("Key '{k}' cannot be replaced")
}
pub(crate) fn invalid_override_op(k: &str, op: &str) -> String {
    format!("Invalid override operation for key '{k}': '{op}'. Allowed values are: append, replace")
}
pub(crate) fn override_key_missing(op: &str, k: &str) -> String {
    // Falco writes "An" for both operations.
    format!("An {op} override for '{k}' was specified but '{k}' is not defined")
}
pub(crate) fn unexpected_key_no_override(k: &str) -> String {
    format!("Unexpected key '{k}': no corresponding entry under 'override' is defined.")
}
pub(crate) const DIFFERENT_SOURCE: &str = "Rule has been re-defined with a different source";
pub(crate) fn unknown_source(s: &str) -> String {
    format!("Unknown source {s}, skipping")
}
pub(crate) const INVALID_PRIORITY: &str = "Invalid priority";
pub(crate) const INVALID_LIST_NAME: &str = "List has an invalid name. List names should match a regular expression: ^[^()\"'[:space:]=,]+$";
pub(crate) const INVALID_MACRO_NAME: &str = "Macro has an invalid name. Macro names should match a regular expression: ^[a-zA-Z]+[a-zA-Z0-9_]*$";
pub(crate) const UNUSED_MACRO: &str = "Macro not referred to by any other rule/macro";
pub(crate) const UNUSED_LIST: &str = "List not referred to by any other rule/macro";

// ---------------------------------------------------------------- exceptions

pub(crate) const EXC_NOT_SEQUENCE: &str = "Rule exceptions must be a sequence";
pub(crate) const EXC_NOT_MAP: &str = "Rule exception must be a mapping";
pub(crate) const EXC_VALUES_NOT_SEQ: &str = "Rule exception values must be a sequence";
pub(crate) const EXC_NEEDS_FIELDS: &str =
    "Rule exception item must have fields property with a list of fields";
pub(crate) const EXC_NEW_NEEDS_FIELDS: &str =
    "Rule exception must have fields property with a list of fields";
pub(crate) const EXC_NEW_NEEDS_VALUES: &str =
    "Rule exception must have values property with a list of values";
pub(crate) const EXC_APPEND_FIELDS: &str =
    "Can not append exception fields to existing exception, only values";
pub(crate) const EXC_APPEND_COMPS: &str =
    "Can not append exception comps to existing exception, only values";
pub(crate) const EXC_BOTH_STRINGS: &str = "Fields and comps must both be strings";
pub(crate) const EXC_SINGLE_COMP: &str =
    "When fields is a single value, comps must be one of (in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)";
pub(crate) const EXC_COMPS_LEN: &str = "Fields and comps lists must have equal length";
pub(crate) const EXC_VALUES_LEN: &str = "Fields and values lists must have equal length";
pub(crate) const EXC_VALUES_STRINGS: &str = "Expected values array to contain a list of strings";
pub(crate) fn exc_bad_comp(c: &str) -> String {
    format!("'{c}' is not a supported comparison operator")
}
pub(crate) fn exc_bad_field(f: &str) -> String {
    format!("'{f}' is not a supported filter field")
}
pub(crate) fn exc_name_not_unique(n: &str) -> String {
    format!("Multiple definitions of exception '{n}' in the same rule")
}
/// Falco 0.44.1 does not name the exception.
pub(crate) fn exc_append_no_values(_n: &str) -> String {
    "Overriding/appending exception with no values".to_string()
}

// ---------------------------------------------------------------- compiler

pub(crate) fn undefined_macro(m: &str) -> String {
    format!("Undefined macro '{m}' used in filter.")
}
pub(crate) fn macro_loop(m: &str) -> String {
    format!("reference loop in macro '{m}'")
}
pub(crate) fn nonexistent_field(f: &str) -> String {
    format!("filter_check called with nonexistent field {f}")
}
pub(crate) fn op_not_supported(op: &str, kind: &str) -> String {
    match kind {
        "list" => format!("filter error: '{op}' operator not supported list filters"),
        _ => format!("filter error: '{op}' operator not supported for {kind} filters"),
    }
}
pub(crate) fn not_a_number(v: &str) -> String {
    format!("{v} is not a valid number")
}
pub(crate) fn bad_bool(v: &str) -> String {
    format!("filter error: unrecognized boolean value {v}")
}
pub(crate) fn bad_ip(v: &str) -> String {
    format!("filter error: invalid IP address {v}")
}
pub(crate) fn bad_net(v: &str) -> String {
    format!("filter error: invalid IP network {v}")
}
pub(crate) const NUL_IN_VALUE: &str =
    "filter error: filter value cannot contain a NUL byte (\\x00)";
pub(crate) fn bad_hex_bytes(v: &str) -> String {
    format!("filter error: bytes value must be an even-length hex string: {v}")
}
pub(crate) fn invalid_regex(e: &str) -> String {
    format!("invalid regex pattern: {e}")
}
pub(crate) fn transformer_no_field_args(t: &str) -> String {
    format!("filter error: transformer '{t}' does not support field arguments")
}
/// libs `add_transformer`: the (transformed) type is not accepted by a single-value transformer.
/// `name` is the underlying field's name (`NA` for literals, lists and multi-value results).
pub(crate) fn transformer_bad_type(ty: &str, t: &str, list: bool, name: &str) -> String {
    let list = if list { "list " } else { "" };
    format!("can't add field transformer: type '{ty}' is not supported by '{t}' transformer applied on {list}field '{name}'")
}
/// libs `filter_transformer_from_str` (the typo is libs'): a multi-value transformer called
/// with one argument.
pub(crate) fn unknown_field_transformer(t: &str) -> String {
    format!("unknown field transfomer '{t}'")
}
/// libs `create_transformer`: a single-value transformer called with several arguments.
pub(crate) const UNKNOWN_MULTIVALUE_TRANSFORMER: &str = "unknown multivalue transformer";
/// libs `sinsp_filter_multivalue_transformer::set_arg` (no `filter error:` prefix).
pub(crate) fn multivalue_no_field_args(t: &str) -> String {
    format!("transformer '{t}' does not support field arguments")
}
pub(crate) const JOIN_ARITY: &str = "join() requires exactly 2 arguments: separator and list";
pub(crate) const JOIN_SEP_LIST: &str =
    "join() first argument (separator) must be a single value, not a list";
pub(crate) const JOIN_NOT_LIST: &str = "join() second argument must be a list";
pub(crate) const CONCAT_STRINGS: &str = "concat() arguments must be strings";
pub(crate) const GETOPT_ARITY: &str =
    "getopt() requires exactly 2 arguments: args list and optstring";
pub(crate) const GETOPT_NOT_LIST: &str = "getopt() first argument must be a list";
pub(crate) const GETOPT_OPTSTRING_LIST: &str =
    "getopt() second argument (optstring) must be a single value";
pub(crate) const GETOPT_STRINGS: &str = "getopt() arguments must be strings";
pub(crate) const GETOPT_SELECTOR: &str =
    "getopt() field argument must be a single option character";
/// libs `check_rhs_field_type_consistency`; types as `param_type_to_string` (`CHARBUF`,
/// `UINT64`, ...) with ` (list)` appended for lists.
pub(crate) fn incompatible_rhs(lhs: &str, lt: &str, rhs: &str, rt: &str) -> String {
    format!("field '{lhs}' has type '{lt}' while the right-hand side field '{rhs}' has incompatible type '{rt}'")
}
/// Ours (no Falco counterpart): Falco 0.44.1 accepts the check but it never matches.
pub(crate) fn list_transformer_never_matches(lhs: &str, op: &str) -> String {
    format!(
        "'{lhs} {op} (...)': a transformer applied to a list field and compared with 'in' or \
         'intersects' never matches in Falco 0.44.1 (engine 0.62.0), so the rule would be a \
         silent hole; compare the list field itself, or join it first \
         (join(\" \", {lhs}) contains ...)"
    )
}
/// Ours (no Falco counterpart): Falco 0.44.1 accepts the check and then crashes on it.
pub(crate) fn multivalue_vs_field_crashes(lhs: &str, op: &str, rhs: &str) -> String {
    format!(
        "'{lhs} {op} {rhs}': join(...) or concat(...) compared with a field or a transformer on \
         the right-hand side crashes Falco 0.44.1 (engine 0.62.0, SIGSEGV when the rule is \
         evaluated); compare it with constant values instead"
    )
}
/// Falco 0.44.1 names the operator in upper case (`operator 'PMATCH' ...`).
pub(crate) fn dynamic_rhs_not_supported(op: &str) -> String {
    format!(
        "operator '{}' doesn't support right-hand side fields",
        op.to_ascii_uppercase()
    )
}
/// libs `sinsp_filter_check_plugin::parse_field_name`: `full` is `name[arg]`.
pub(crate) fn field_arg_not_allowed(full: &str, f: &str, a: &str) -> String {
    format!("filter '{full}': {f} does not allow nor require an argument but one is provided: {a}")
}
pub(crate) fn field_arg_required(f: &str) -> String {
    format!("filter '{f}': {f} requires an argument but none provided")
}
/// libs `extract_arg_index`.
pub(crate) fn field_arg_index(full: &str, f: &str, a: &str) -> String {
    let why = if a.bytes().any(|b| !b.is_ascii_digit()) {
        "not composed only by digits"
    } else if a.is_empty() || a.starts_with('0') {
        "starting with 0"
    } else {
        "not representable on 64 bit"
    };
    format!("filter {full} {f} has an invalid index argument {why}: {a}")
}
pub(crate) fn modifier_not_supported(op: &str) -> String {
    format!("filter error: operator '{op}' does not support list modifiers on this field type")
}
pub(crate) fn warn_regex_simple(v: &str) -> String {
    format!("regex check with '{v}' may be optimized with simpler operators such as '=', 'contains', 'startswith', 'endswith'")
}
pub(crate) fn warn_field_as_value(v: &str) -> String {
    format!("'{v}' may be a valid field misused as a const string value")
}
pub(crate) fn warn_transformer_as_value(v: &str) -> String {
    format!("'{v}' may be a valid field transformer misused as a const string value")
}
/// Ours: the macro-inlined condition exceeds our bounds.
pub(crate) fn too_complex(limit: usize) -> String {
    format!("condition too complex after macro expansion (limit {limit} nodes or depth)")
}

// ---------------------------------------------------------------- plugin requirements

pub(crate) fn plugin_invalid_version(name: &str, have: &str) -> String {
    format!("Plugin '{name}' has invalid version string '{have}'")
}
pub(crate) fn plugin_incompatible(name: &str, have: &str, req: &str) -> String {
    format!(
        "Plugin '{name}' version '{have}' is not compatible with required plugin version '{req}'"
    )
}

// ---------------------------------------------------------------- outputs

pub(crate) const FMT_ENDS_PERCENT: &str =
    "invalid formatting syntax: formatting cannot end with a %";
pub(crate) const FMT_ENDS_NUMBER: &str =
    "invalid formatting syntax: formatting cannot end with a number";
pub(crate) const FMT_EMPTY_TOKEN: &str = "empty formatting token";
/// libs `set_format` retries ever shorter candidates and reports the error of the last one,
/// a single character, which never parses: the parser's "unexpected token after '" with its
/// (still empty) last token.
pub(crate) const FMT_UNKNOWN_FILTER: &str = "unknown filter: unexpected token after '";
pub(crate) const CONTAINER_INFO: &str =
    "%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. The container plugin will automatically add required fields to the output message.";

// ---------------------------------------------------------------- load result short texts

/// Short description of a code (`falco_load_result.cpp`).
pub(crate) fn code_short(code: crate::diag::Code) -> &'static str {
    use crate::diag::Code::*;
    match code {
        LoadErrFileRead => "File read error",
        LoadErrYamlParse => "YAML parse error",
        LoadErrYamlValidate => "Error validating internal structure of YAML file",
        LoadErrCompileCondition => "Error compiling condition",
        LoadErrCompileOutput => "Error compiling output",
        LoadErrValidate => "Error validating rule/macro/list/exception objects",
        LoadErrExtension => "Error in extension item",
        LoadUnknownSource => "Unknown event source",
        LoadUnsafeNaCheck => "Unsafe <NA> comparison in condition",
        LoadNoEvttype => "Condition has no event-type restriction",
        LoadUnknownFilter => "Unknown field or event-type in condition or output",
        LoadUnusedMacro => "Unused macro",
        LoadUnusedList => "Unused list",
        LoadUnknownItem => "Unknown rules file item",
        LoadDeprecatedItem => "Used deprecated item",
        LoadWarningExtension => "Warning in extension item",
        LoadAppendNoValues => "Overriding/appending with no values",
        LoadExceptionNameNotUnique => "Multiple exceptions defined with the same name",
        LoadInvalidMacroName => "Invalid macro name",
        LoadInvalidListName => "Invalid list name",
        LoadCompileCondition => "Warning in rule condition",
        LoadUnknownKey => "Unknown key in item definition",
    }
}
