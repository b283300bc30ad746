//! Tests of the `coding_agent` plugin through its C ABI: the built shared library is loaded
//! with `dlopen` and driven by `falco_plugin_runner` (a pure-Rust host of the plugin API), or
//! by real Falco when a `falco` binary is available.

// Unix only: loads the plugin as Falco does, with dlopen (Falco runs on Linux and macOS).
#![cfg(unix)]
#![allow(unreachable_pub)]

mod extraction;
mod ffi;
mod harness;
mod homes;
mod real_falco;
mod schema;
mod source;
