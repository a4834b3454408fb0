//! The `golive` binary: read the process environment and arguments, run, exit.

fn main() {
    // Variables whose name or value is not UTF-8 cannot be inputs; skip them.
    let env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let code = golive::run(&env, &args);
    std::process::exit(i32::from(code));
}
