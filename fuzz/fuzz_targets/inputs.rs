//! Input parsing: any environment and arguments either validate or give an input error;
//! nothing panics, and what validates fits the clock (a deadline `now + timeout` exists).
#![no_main]

use golive::cli::config::Config;
use golive::cli::inputs::{Command, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Lines `NAME=value` are the environment; lines starting with `-` are arguments.
    let mut env = Vec::new();
    let mut args = Vec::new();
    for line in text.lines() {
        if line.starts_with('-') {
            args.extend(line.split(' ').map(str::to_owned));
        } else if let Some((name, value)) = line.split_once('=') {
            env.push((name.to_owned(), value.to_owned()));
        }
    }
    if let Ok(Command::Run(raw)) = parse(&env, &args)
        && let Ok(config) = Config::try_from(&raw)
    {
        let now = std::time::Instant::now();
        assert!(now.checked_add(config.timeout).is_some());
        assert!(now.checked_add(config.poll_interval).is_some());
    }
});
