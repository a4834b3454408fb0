//! golive: take an Azure Marketplace offer live from CI.
//!
//! `run` is the whole program behind `main`: it takes the environment and the arguments
//! as values (tests and the demo pass their own), validates them into a `Config`, and runs
//! on a current-thread runtime. Data flows one way: env → cli → run → (backend → client →
//! auth/http, wait) → report. Modules use only modules below them (`scripts/check-layers`
//! keeps it so), bottom first: the leaves `error`, `secret`, `text`, `files`, `operation`;
//! `http`; `report`; `auth`; `client`; `backend`; `wait`; `cli`; `run`.

pub mod auth;
pub mod backend;
pub mod cli;
pub mod client;
pub mod error;
pub mod files;
pub mod http;
pub mod operation;
pub mod report;
pub mod run;
pub mod secret;
pub mod text;
pub mod wait;

use std::ffi::OsString;

use cli::config::{self, Config};
use cli::inputs::{self, Command};
use report::Reporter;

/// The fewest open files a run needs: the runtime (poller, waker, the signal pipe and its
/// copy), stdio, a connection or two, an output file.
#[cfg(unix)]
const MIN_OPEN_FILES: u64 = 16;

/// Raises the soft open-files limit to the hard one (at most 4096), as Go's runtime does,
/// and refuses to start below `MIN_OPEN_FILES`: the async runtime cannot start its signal
/// handling without a few descriptors, and would abort instead of failing cleanly.
#[cfg(unix)]
fn ensure_open_files() -> Result<(), String> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write only the struct passed to them.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) } != 0 {
        return Ok(());
    }
    let wanted = limit.rlim_max.min(4096);
    if limit.rlim_cur < wanted {
        let raised = libc::rlimit {
            rlim_cur: wanted,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raw const raised) } == 0 {
            limit.rlim_cur = wanted;
        }
    }
    // rlim_t is u64 on the targets golive ships for, but not on every unix.
    #[allow(clippy::useless_conversion)]
    let current = u64::try_from(limit.rlim_cur).unwrap_or(u64::MAX);
    if current < MIN_OPEN_FILES {
        return Err(format!(
            "the open-files limit is {current}, and golive needs at least {MIN_OPEN_FILES}: \
             raise it (ulimit -n {MIN_OPEN_FILES} or more) and run again; nothing was sent"
        ));
    }
    Ok(())
}

/// Windows has no open-files limit to raise (handles are bounded only by memory).
#[cfg(not(unix))]
#[allow(
    clippy::unnecessary_wraps,
    reason = "the same signature as the unix one"
)]
fn ensure_open_files() -> Result<(), String> {
    Ok(())
}

/// Writes to a standard stream, never panicking: a closed or full stdout or stderr
/// (`golive --help | head -1`, `>/dev/full`) changes nothing about the exit code.
fn say(stream: &mut impl std::io::Write, text: &str) {
    let _ = stream.write_all(text.as_bytes());
    let _ = stream.flush();
}

/// Runs golive with the process's own environment and arguments (without the program
/// name), as the OS gives them: a variable golive reads, or an argument, that is not
/// UTF-8 is an input error (exit 2), never skipped.
pub fn run_os(
    env: impl Iterator<Item = (OsString, OsString)>,
    args: impl Iterator<Item = OsString>,
) -> u8 {
    let mut text_env = Vec::new();
    let mut unreadable = Vec::new();
    for (name, value) in env {
        // A name that is not UTF-8 names no input.
        let Ok(name) = name.into_string() else {
            continue;
        };
        match value.into_string() {
            Ok(value) => text_env.push((name, value)),
            Err(_) => unreadable.push(name),
        }
    }
    let (text_args, bad_args): (Vec<_>, Vec<_>) =
        args.map(OsString::into_string).partition(Result::is_ok);
    let text_args: Vec<String> = text_args.into_iter().flatten().collect();
    if let Err(failure) = inputs::unreadable(&unreadable, bad_args.len()) {
        say(
            &mut std::io::stderr(),
            &format!("golive: error: {failure}\n"),
        );
        return failure.exit_code();
    }
    run(&text_env, &text_args)
}

/// Runs golive with these environment variables and arguments (without the program
/// name); returns the process exit code.
pub fn run(env: &[(String, String)], args: &[String]) -> u8 {
    let raw = match inputs::parse(env, args) {
        Ok(Command::Run(raw)) => raw,
        Ok(Command::Help) => {
            say(&mut std::io::stdout(), &inputs::help_text());
            return 0;
        }
        Ok(Command::Version) => {
            say(&mut std::io::stdout(), &inputs::version_text());
            return 0;
        }
        Err(failure) => {
            say(
                &mut std::io::stderr(),
                &format!("golive: error: {}\n", text::plain(&failure.to_string())),
            );
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
    for warning in &config.warnings {
        report.warn(warning);
    }
    if let Err(message) = ensure_open_files() {
        report.error("golive failed", &message);
        return 1;
    }
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
