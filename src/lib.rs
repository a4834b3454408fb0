//! golive: take an Azure Marketplace offer live from CI.
//!
//! `run` is the whole program behind `main`: it takes the environment and the arguments
//! as values (tests and the demo pass their own), validates them into a `Config`, and runs
//! on a current-thread runtime. Data flows one way: env → inputs → config → (auth, api,
//! wait) → report.

pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod ingestion;
pub mod inputs;
pub mod report;
pub mod retry;
pub mod run;
pub mod wait;

use config::Config;
use inputs::Command;
use report::Reporter;

/// Runs golive with these environment variables and arguments (without the program
/// name); returns the process exit code.
pub fn run(env: &[(String, String)], args: &[String]) -> u8 {
    let raw = match inputs::parse(env, args) {
        Ok(Command::Run(raw)) => raw,
        Ok(Command::Help) => {
            print!("{}", inputs::help_text());
            return 0;
        }
        Ok(Command::Version) => {
            println!("golive {}", env!("CARGO_PKG_VERSION"));
            return 0;
        }
        Err(failure) => {
            eprintln!("golive: error: {failure}");
            return failure.exit_code();
        }
    };
    let config = match Config::try_from(&raw) {
        Ok(config) => config,
        Err(failure) => {
            // Inputs are known well enough to say where the error should show.
            Reporter::new(config::ci_targets(&raw)).error(failure.title(), &failure.to_string());
            return failure.exit_code();
        }
    };
    let report = Reporter::new(config.ci.clone());
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            report.error(
                "golive failed",
                &format!("could not start the runtime: {e}"),
            );
            return 1;
        }
    };
    runtime.block_on(run::run(config, &report))
}
