//! Parser-mapping tests: a table of commands and the `cmd.*` values they must give.

mod cases;
mod hosts;
mod limits;
