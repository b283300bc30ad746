//! Falco SDK glue (in progress).
