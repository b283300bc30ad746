//! Table-driven tests of the PowerShell analysis.
use super::*;

#[test]
fn smoke() {
    let a = analyze("rm -r -fo ~\\Documents");
    assert_eq!(a.commands[0].name, "remove-item");
}
