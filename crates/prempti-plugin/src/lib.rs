//! The coding_agent plugin.
