//! Real-agent suite (in progress).
