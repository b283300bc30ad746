//! Table-driven tests of inline code analysis.
