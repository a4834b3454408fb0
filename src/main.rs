//! The `golive` binary: hand the process environment and arguments to `golive::run_os`,
//! exit with its code.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(golive::run_os(
        std::env::vars_os(),
        std::env::args_os().skip(1),
    ))
}
