//! Names what was built for `golive --version`: the target triple, and the commit
//! (`GOLIVE_COMMIT` when the build says it, as the release and image builds do; else
//! `git rev-parse` of the checkout; else `unknown`, as in a source tarball).

use std::process::Command;

fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=GOLIVE_TARGET={target}");
    let commit = std::env::var("GOLIVE_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| {
            let out = Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=GOLIVE_COMMIT={commit}");
    println!("cargo:rerun-if-env-changed=GOLIVE_COMMIT");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
}
