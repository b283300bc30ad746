//! `premptictl`: the Prempti command-line tool. All logic lives in the library half.

fn main() -> std::process::ExitCode {
    premptictl::run(std::env::args_os())
}
