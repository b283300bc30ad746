//! Test support for Prempti's end-to-end suites: temporary installations driven through the
//! real binaries, and scripted model servers that real agent CLIs talk to.
#![allow(missing_docs)]
pub mod calls;
pub mod fake_models;
pub mod install;
pub mod process;
