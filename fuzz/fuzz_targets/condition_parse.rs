//! Fuzzes the condition parser: no panic on any input, and the AST print/re-parse round trip
//! holds: `parse(print(parse(x))) == parse(x)` (spans ignored).
#![no_main]

use libfuzzer_sys::fuzz_target;
use prempti_rules::{parse_condition, Expr};

fn has_not_ident(e: &Expr) -> bool {
    match e {
        Expr::And(c, _) | Expr::Or(c, _) => c.iter().any(has_not_ident),
        Expr::Not(c, _) => has_not_ident(c),
        // A macro literally named `not` cannot be printed back unambiguously.
        Expr::Ident(n, _) => n == "not",
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(expr) = parse_condition(text) else {
        return;
    };
    let _ = expr.canonical();
    if has_not_ident(&expr) {
        return;
    }
    let printed = expr.reparsable();
    let again = match parse_condition(&printed) {
        Ok(e) => e,
        Err(e) => panic!("printed form does not parse: {printed:?}: {e}"),
    };
    assert_eq!(
        expr.without_spans(),
        again.without_spans(),
        "round trip changed the tree: {printed:?}"
    );
});
