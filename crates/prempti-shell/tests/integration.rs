//! Parser-mapping tests: a table of commands and the `cmd.*` values they must give.

mod cases;
mod effects;
mod hosts;
mod limits;
